// A deliberately small, independent runfiles resolver for the Bazel e2e checks, so that the
// checks do not trust the runtime's own resolver (src/runfiles) that they are testing.
//
// Tree mode: RUNFILES_DIR/<path>. Manifest mode (RUNFILES_MANIFEST_ONLY=1): the exact entry, or
// the longest directory entry that is a prefix (Bazel lists a tree artifact as one directory).

import { readFileSync } from 'node:fs'
import { join } from 'node:path'

let manifest: Map<string, string> | undefined

function loadManifest(file: string): Map<string, string> {
  const entries = new Map<string, string>()
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue
    const space = line.indexOf(' ')
    if (space < 0) entries.set(line, '')
    else entries.set(line.slice(0, space), line.slice(space + 1))
  }
  return entries
}

export function runfilesMode(): 'manifest' | 'tree' {
  return process.env['RUNFILES_MANIFEST_ONLY'] === '1' ? 'manifest' : 'tree'
}

/** Resolves an rlocation path (`<repo runfiles dir>/<path>`) to a real filesystem path. */
export function rlocation(path: string): string {
  if (path.startsWith('/') || path.startsWith('../') || path.includes('/../')) {
    throw new Error(`rlocation path ${JSON.stringify(path)} must be relative and normalized`)
  }
  if (runfilesMode() === 'tree') {
    const dir = process.env['RUNFILES_DIR'] ?? process.env['TEST_SRCDIR']
    if (dir === undefined) throw new Error('failed to resolve runfiles: neither RUNFILES_DIR nor TEST_SRCDIR is set')
    return join(dir, path)
  }
  const file = process.env['RUNFILES_MANIFEST_FILE']
  if (file === undefined) throw new Error('failed to resolve runfiles: RUNFILES_MANIFEST_ONLY=1 but RUNFILES_MANIFEST_FILE is unset')
  manifest ??= loadManifest(file)
  const exact = manifest.get(path)
  if (exact !== undefined) return exact
  for (let prefix = path; prefix.includes('/');) {
    prefix = prefix.slice(0, prefix.lastIndexOf('/'))
    const dir = manifest.get(prefix)
    if (dir !== undefined && dir !== '') return join(dir, path.slice(prefix.length + 1))
  }
  throw new Error(`failed to resolve runfiles path ${JSON.stringify(path)}: not in ${file}`)
}

/**
 * Converts a `$(rootpath)` into an rlocation path. Bazel 4 writes `pkg/x`, `./x` (root package)
 * and `external/repo/x` (another repository); newer Bazels write `../repo/x` for the latter.
 */
export function rootpathToRlocation(rootpath: string): string {
  if (rootpath.startsWith('./')) rootpath = rootpath.slice(2)
  if (rootpath.startsWith('../')) return rootpath.slice(3)
  if (rootpath.startsWith('external/')) return rootpath.slice('external/'.length)
  const workspace = process.env['TEST_WORKSPACE']
  if (workspace === undefined) throw new Error('TEST_WORKSPACE is not set')
  return `${workspace}/${rootpath}`
}
