// The localregistry_test wrapper (rules/private/launcher/launcher.sh.tpl) outside Bazel: the
// template expanded as the rule expands it, in a runfiles directory that holds the Node running
// this benchmark, a runtime, a manifest of one image and a trivial test (`exit 0`). The same Node
// and runtime as the start-up runs, so the wrapper's cost is comparable with bare node.

import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BenchImage } from './fixtures.ts'

export const LAUNCHER_TEMPLATE = 'rules/private/launcher/launcher.sh.tpl'

export interface Wrapper {
  /** The expanded launcher script (mode test). */
  launcher: string
  /** The trivial test it wraps, for the unwrapped runs. */
  test: string
  /** RUNFILES_DIR and TEST_TMPDIR for the launcher. */
  env: Record<string, string>
}

export async function makeWrapper(repoRoot: string, dir: string, runtimeEntry: string, image: BenchImage): Promise<Wrapper> {
  const runfiles = join(dir, 'runfiles')
  await mkdir(join(runfiles, '_main'), { recursive: true })
  await symlink(process.execPath, join(runfiles, '_main', 'node'))
  await symlink(runtimeEntry, join(runfiles, '_main', 'localregistry.mjs'))
  await symlink(image.layoutDir, join(runfiles, '_main', 'image'))
  const manifest = `images {\n  repository: "${image.repository}"\n  tag: "${image.tag}"\n  path: "_main/image"\n}\n`
  await writeFile(join(runfiles, '_main', 'images.prototxt'), manifest)
  const test = join(runfiles, '_main', 'trivial_test.sh')
  await writeFile(test, '#!/bin/sh\nexit 0\n', { mode: 0o755 })
  const substitutions: Record<string, string> = {
    '%MODE%': 'test',
    '%WHO%': "'localregistry_test //bench:wrapped_trivial_test'",
    '%NODE%': '_main/node',
    '%RUNTIME%': '_main/localregistry.mjs',
    '%MANIFEST%': '_main/images.prototxt',
    '%TEST%': '_main/trivial_test.sh',
    // What localregistry_test fills in for a test with no launcher attributes set.
    '%SERVE_FLAGS%': "'--listen' '127.0.0.1:0'",
    '%CA_OUT%': "''",
    '%CLIENT_CONFIG%': "''",
  }
  let script = await readFile(join(repoRoot, LAUNCHER_TEMPLATE), 'utf8')
  for (const [key, value] of Object.entries(substitutions)) script = script.replaceAll(key, value)
  // A placeholder the template gained and this list lacks would make the launcher fail in ways that
  // look like a registry problem: name it instead.
  const unfilled = script.match(/%[A-Z_]+%/)
  if (unfilled) throw new Error(`${LAUNCHER_TEMPLATE} has a placeholder the benchmark does not fill in: ${unfilled[0]}`)
  const launcher = join(dir, 'wrapped_trivial_test.sh')
  await writeFile(launcher, script, { mode: 0o755 })
  const tmp = join(dir, 'tmp')
  await mkdir(tmp, { recursive: true })
  return { launcher, test, env: { RUNFILES_DIR: runfiles, TEST_TMPDIR: tmp } }
}
