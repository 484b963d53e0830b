// The ways our CLI runs: the bundled runtime a Bazel test runs (runtime/localregistry.mjs, when
// the tree has one), the compiled JavaScript of the npm package (dist/, compiled afresh for the
// run), and the .ts sources (what `npm start` and the tests run).

import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { run } from '../../e2e/tools/exec.ts'
import { BUNDLE_PATH } from '../../scripts/bundle.ts'

export type RuntimeName = 'bundle' | 'dist' | 'sources'

export interface Runtime {
  name: RuntimeName
  /** The CLI entry point node runs. */
  entry: string
  /** Node options it runs with (before the entry). */
  nodeArgs: readonly string[]
}

export interface Runtimes extends AsyncDisposable {
  /** Every runtime of this tree, the one a Bazel test uses first. */
  all: Runtime[]
  /** What a Bazel test runs: the bundle, or dist/ until the tree has one. */
  primary: Runtime
}

/**
 * Finds the bundle and compiles dist/ into REPO/.tmp (inside the repository, so that its imports
 * of npm packages resolve as the package's would). Disposing removes the compiled copy.
 */
export async function prepareRuntimes(repoRoot: string): Promise<Runtimes> {
  const distDir = join(repoRoot, '.tmp', `bench-dist-${process.pid}`)
  const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc')
  await run(process.execPath, [tsc, '-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', distDir, '--declaration', 'false'], { timeoutMs: 300_000 })
  const all: Runtime[] = []
  const bundle = join(repoRoot, BUNDLE_PATH)
  if (existsSync(bundle)) all.push({ name: 'bundle', entry: bundle, nodeArgs: [] })
  // The sources as npm start runs them: with the compile cache preloaded.
  const compileCache = pathToFileURL(join(repoRoot, 'src/compile-cache.mjs')).href
  all.push(
    { name: 'dist', entry: join(distDir, 'cli/main.js'), nodeArgs: [] },
    { name: 'sources', entry: join(repoRoot, 'src/cli/main.ts'), nodeArgs: ['--import', compileCache] },
  )
  const remove = (): Promise<void> => rm(distDir, { recursive: true, force: true })
  return { all, primary: all[0]!, [Symbol.asyncDispose]: remove }
}

/** The environment of a timed child: without the caller's NODE_COMPILE_CACHE or NODE_OPTIONS, so each runtime starts as it does for a user. */
export function coldEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env['NODE_COMPILE_CACHE']
  delete env['NODE_OPTIONS']
  return env
}
