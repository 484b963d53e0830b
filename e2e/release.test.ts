// The release, as a registry and a user take it: one version everywhere (package.json,
// MODULE.bazel, the archive's prefix, CHANGELOG.md), an archive with the license and the registry's
// test module, the Bazel Central Registry entry rendered from .bcr/ for that archive (the registry's
// layout, the archive's integrity, a strip_prefix that fits it), and release notes whose snippets
// carry the archive's integrity and sha256. e2e/consumer/run.sh bazel7 runs the entry's test module
// from the archive on Bazel 7.7.1.

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { basename, join, normalize } from 'node:path'
import { test } from 'node:test'
import { MODULE_NAME, renderBcrEntry } from '../scripts/bcr-entry.ts'
import { CommandError, run } from './tools/exec.ts'
import { makeTempDir } from '../test/support/temp-dir.ts'

const ROOT = join(import.meta.dirname, '..')

async function text(path: string): Promise<string> {
  return readFile(join(ROOT, path), 'utf8')
}

/** module(version = ...) of a MODULE.bazel. */
function moduleVersion(moduleFile: string): string | undefined {
  return /^module\([^)]*?\bversion = "([^"]*)"/ms.exec(moduleFile)?.[1]
}

interface Release {
  archive: string
  sha256: string
  stripPrefix: string
  notes: string
}

/** scripts/release.sh --worktree into dir: the archive and what it printed. */
async function release(dir: string, repo = ROOT): Promise<Release> {
  const { stdout } = await run('bash', [join(repo, 'scripts', 'release.sh'), '--worktree', '--out', dir], { cwd: repo, timeoutMs: 120_000 })
  const [archive = '', sha256Line = '', prefixLine = '', ...notes] = stdout.split('\n')
  return { archive, sha256: sha256Line.replace('sha256: ', ''), stripPrefix: prefixLine.replace('strip_prefix: ', ''), notes: notes.join('\n') }
}

async function listing(archive: string): Promise<string[]> {
  return (await run('tar', ['-tzf', archive])).stdout.split('\n').filter(Boolean)
}

test('one version: package.json, MODULE.bazel, the top of CHANGELOG.md, the install examples', async () => {
  const { version } = JSON.parse(await text('package.json')) as { version: string }
  assert.equal(moduleVersion(await text('MODULE.bazel')), version, "MODULE.bazel's module(version) is package.json's")
  assert.equal(/^## (\S+)/m.exec(await text('CHANGELOG.md'))?.[1], version, "CHANGELOG.md's first entry is package.json's version")
  const guide = await text('docs/rules.in.md')
  const named = [...guide.matchAll(/rules_localregistry-(\d[^/"]*?)(?:\.tar\.gz)?"|name = "rules_localregistry", version = "([^"]+)"/g)].map(
    (m) => m[1] ?? m[2],
  )
  assert.ok(named.length >= 3, `docs/rules.in.md's install examples name a version (${named.length} found)`)
  assert.deepEqual(new Set(named), new Set([version]), "docs/rules.in.md's install examples name package.json's version")
})

test('the release archive, its registry entry and its release notes', { timeout: 180_000 }, async () => {
  await using temp = await makeTempDir('release-')
  const { version } = JSON.parse(await text('package.json')) as { version: string }
  const { archive, sha256, stripPrefix, notes } = await release(temp.path)
  const bytes = await readFile(archive)
  const integrity = `sha256-${createHash('sha256').update(bytes).digest('base64')}`

  assert.equal(basename(archive), `${MODULE_NAME}-${version}.tar.gz`)
  assert.equal(stripPrefix, `${MODULE_NAME}-${version}`)
  assert.equal(sha256, createHash('sha256').update(bytes).digest('hex'))
  const files = await listing(archive)
  assert.ok(
    files.every((f) => f.startsWith(`${stripPrefix}/`)),
    `every file is under ${stripPrefix}/`,
  )
  for (const f of ['LICENSE', 'MODULE.bazel', 'CHANGELOG.md', 'runtime/localregistry.mjs'])
    assert.ok(files.includes(`${stripPrefix}/${f}`), `the archive has ${f}`)
  assert.ok(!files.some((f) => f.startsWith(`${stripPrefix}/.bcr/`)), 'the templates stay out of the archive')

  const entry = renderBcrEntry({ archive })
  const dir = `modules/${MODULE_NAME}`
  assert.deepEqual([...entry.keys()].sort(), [
    `${dir}/${version}/MODULE.bazel`,
    `${dir}/${version}/presubmit.yml`,
    `${dir}/${version}/source.json`,
    `${dir}/metadata.json`,
  ])
  const source = JSON.parse(entry.get(`${dir}/${version}/source.json`) ?? '') as Record<string, string>
  assert.equal(source.integrity, integrity, "source.json's integrity is the archive's")
  assert.equal(source.strip_prefix, stripPrefix, "source.json's strip_prefix is the archive's one top directory")
  assert.equal(basename(source.url ?? ''), basename(archive), "source.json's URL names the archive")
  assert.equal(entry.get(`${dir}/${version}/MODULE.bazel`), (await run('tar', ['-xzOf', archive, `${stripPrefix}/MODULE.bazel`])).stdout)
  assert.deepEqual((JSON.parse(entry.get(`${dir}/metadata.json`) ?? '') as { versions: string[] }).versions, [version])

  // The presubmit's test module is in the archive and takes the rules from the archive's root.
  const presubmit = entry.get(`${dir}/${version}/presubmit.yml`) ?? ''
  const modulePath = /^\s*module_path:\s*"?([^"\n]+)"?\s*$/m.exec(presubmit)?.[1] ?? ''
  assert.ok(files.includes(`${stripPrefix}/${modulePath}/MODULE.bazel`), `the archive has the test module ${modulePath}`)
  const testModule = (await run('tar', ['-xzOf', archive, `${stripPrefix}/${modulePath}/MODULE.bazel`])).stdout
  const overridePath = /local_path_override\([^)]*path = "([^"]+)"/s.exec(testModule)?.[1] ?? ''
  assert.equal(normalize(join(modulePath, overridePath)), '.', "the test module's local_path_override is the archive's root")
  // Only what is tested here (Bazel 7, and 8 and 9 through their flags); see .bcr/presubmit.yml.
  assert.deepEqual(
    [...presubmit.matchAll(/^\s*bazel:\s*\[([^\]]*)\]/gm)].map((m) => m[1]?.replaceAll(/["\s]/g, '')),
    ['7.x,8.x,9.x'],
  )

  // Release notes: the two snippets, with this archive's integrity and sha256.
  assert.match(notes, new RegExp(`bazel_dep\\(name = "${MODULE_NAME}", version = "${version}"\\)`))
  assert.match(notes, new RegExp(`archive_override\\([^)]*integrity = "${integrity.replaceAll('+', '\\+')}"[^)]*strip_prefix = "${stripPrefix}"`, 's'))
  assert.match(notes, new RegExp(`http_archive\\([^)]*sha256 = "${sha256}"[^)]*strip_prefix = "${stripPrefix}"`, 's'))
  assert.ok(notes.includes(`"${source.url}"`), 'the notes name the URL the registry entry names')
})

test('release.sh refuses a MODULE.bazel whose version is not package.json', { timeout: 120_000 }, async () => {
  await using temp = await makeTempDir('release-version-')
  const clone = temp.join('clone')
  await run('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], { timeoutMs: 60_000 })
  const moduleFile = join(clone, 'MODULE.bazel')
  const original = await readFile(moduleFile, 'utf8')
  const changed = original.replace(/^( {4}version = ")[^"]*(",)$/m, '$19.9.9$2')
  assert.notEqual(changed, original)
  await writeFile(moduleFile, changed)
  await assert.rejects(release(temp.join('out'), clone), (error: unknown) => {
    assert.ok(error instanceof CommandError)
    assert.match(error.stderr, /MODULE\.bazel .* has version '9\.9\.9', package\.json '[^']+': make them the same/)
    return true
  })
})
