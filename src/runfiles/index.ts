// Bazel runfiles: turning an rlocation path (`_main/e2e/images/app`, `other_repo+/x/image`) into a
// real path, wherever a Bazel test or binary runs. Places are tried in order and the first hit wins:
//
// 1. an explicit `--runfiles DIR_OR_MANIFEST` (a runfiles tree or a runfiles manifest file);
// 2. RUNFILES_MANIFEST_FILE, RUNFILES_DIR, TEST_SRCDIR (what Bazel sets for tests and `bazel run`);
// 3. the runfiles tree that holds a given file (e.g. the .prototxt: `/x/foo.runfiles/_main/m.prototxt`
//    → `/x/foo.runfiles`), for a program started by hand from inside a tree;
// 4. `<program>.runfiles/` and `<program>.runfiles_manifest` next to the running program, and any
//    `*.runfiles` directory above it (what a binary without the variables finds).
//
// A tree is resolved by @bazel/runfiles (which also applies the bzlmod `_repo_mapping`). A
// manifest is indexed here instead: @bazel/runfiles scans every entry per lookup, splits lines at
// every space and ignores Bazel's escaping, and manifest-only runfiles list a layout directory (a
// tree artifact or source directory) as ONE entry, so `_main/x/image/blobs/sha256/abc` must
// resolve under the entry `_main/x/image`. The index answers exact entries, the longest directory
// entry above a path, and a directory whose files are listed one by one, in O(path depth).

import { existsSync, statSync } from 'node:fs'
import { constants as bufferConstants } from 'node:buffer'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import { Runfiles as BazelRunfiles } from '@bazel/runfiles/runfiles.js'
import { RunfilesError, messageOf } from '../errors.ts'
import { readRegularFile } from '../oci/regular-file.ts'

export interface RunfilesLocation {
  kind: 'tree' | 'manifest'
  /** The runfiles directory or the runfiles manifest file. */
  path: string
  /** Why it is looked at, for messages: `--runfiles`, `RUNFILES_DIR`, `the tree holding /x/m.prototxt`. */
  origin: string
}

export interface RunfilesOptions {
  /** A runfiles directory or manifest file named by the user (`--runfiles`): tried first. */
  runfiles?: string
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv
  /** The running program, for `<program>.runfiles` discovery. Defaults to process.argv[1]; '' disables it. */
  program?: string
}

type Lookup = { found: string } | { missed: string }

interface Source {
  location: RunfilesLocation
  lookup(path: string): Lookup
}

/** Resolves rlocation paths against an ordered list of runfiles locations. */
export class RunfilesResolver {
  readonly locations: readonly RunfilesLocation[]
  readonly #sources: Source[]

  constructor(locations: RunfilesLocation[]) {
    this.locations = dedupe(locations)
    this.#sources = this.locations.map(openSource)
  }

  /**
   * The locations from the options and environment, plus the trees holding `near` files (e.g. the
   * manifests being read). Only places that exist are kept.
   */
  static discover(options: RunfilesOptions = {}, near: readonly string[] = []): RunfilesResolver {
    return new RunfilesResolver(discoverLocations(options, near))
  }

  /** A resolver that also looks in the trees holding `files`, after this one's locations. */
  withFilesNear(files: readonly string[]): RunfilesResolver {
    const extra = files.flatMap((f) => enclosingTrees(f))
    return extra.length === 0 ? this : new RunfilesResolver([...this.locations, ...extra])
  }

  /** The real path of an rlocation path, or a RunfilesError naming `what`, the path and every place looked at. */
  rlocation(path: string, what: string): string {
    const result = this.tryRlocation(path)
    if ('found' in result) return result.found
    throw new RunfilesError(`${what}: runfiles path ${shownPath(path)} does not resolve: ${result.looked}`)
  }

  /** Like rlocation, without throwing: `looked` says where it looked and what was missing. */
  tryRlocation(path: string): { found: string } | { looked: string } {
    if (path.length > MAX_PATH_LENGTH) return { looked: `it is ${path.length} characters long, and no path is longer than ${MAX_PATH_LENGTH}` }
    if (isAbsolute(path)) {
      return existsSync(path) ? { found: path } : { looked: `it is an absolute path, and ${path} does not exist` }
    }
    const problem = checkRlocationPath(path)
    if (problem !== undefined) return { looked: problem }
    const missed: string[] = []
    for (const source of this.#sources) {
      const result = source.lookup(path)
      if ('found' in result) return result
      missed.push(`${describe(source.location)}: ${result.missed}`)
    }
    if (missed.length === 0) {
      return {
        looked:
          'no runfiles found (RUNFILES_DIR and RUNFILES_MANIFEST_FILE are unset, and no <program>.runfiles or ' +
          'enclosing *.runfiles tree exists); run under Bazel or pass --runfiles DIR_OR_MANIFEST',
      }
    }
    return { looked: `looked in ${missed.join('; ')}` }
  }
}

/** Linux's PATH_MAX: no longer path can be opened, so none is looked up, or quoted whole in a message. */
const MAX_PATH_LENGTH = 4096

function shownPath(path: string): string {
  return path.length > MAX_PATH_LENGTH ? `"${path.slice(0, 100)}..." (${path.length} characters)` : `"${path}"`
}

function describe(location: RunfilesLocation): string {
  return `runfiles ${location.kind === 'tree' ? 'tree' : 'manifest'} ${location.path} (${location.origin})`
}

function checkRlocationPath(path: string): string | undefined {
  if (path === '') return 'the path is empty'
  const segments = path.split('/')
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    return 'an rlocation path must be relative and normalized, like _main/pkg/image (no empty, "." or ".." segments)'
  }
  return undefined
}

// ---- discovery -------------------------------------------------------------------------------

function discoverLocations(options: RunfilesOptions, near: readonly string[]): RunfilesLocation[] {
  const env = options.env ?? process.env
  const locations: RunfilesLocation[] = []
  if (options.runfiles !== undefined && options.runfiles !== '') {
    locations.push(...explicitLocation(options.runfiles))
  }
  const fromEnv = (name: string, kind: RunfilesLocation['kind']): void => {
    const value = env[name]
    if (value === undefined || value === '') return
    const location: RunfilesLocation = { kind, path: resolve(value), origin: name }
    // A tree without links (--nobuild_runfile_links) still has its manifest inside or beside it.
    if (existing(location).length > 0) locations.push(...(kind === 'tree' ? treeWithManifests(location.path, name) : [location]))
  }
  fromEnv('RUNFILES_MANIFEST_FILE', 'manifest')
  fromEnv('RUNFILES_DIR', 'tree')
  fromEnv('TEST_SRCDIR', 'tree')
  for (const file of near) locations.push(...enclosingTrees(file))
  const program = options.program ?? process.argv[1] ?? ''
  if (program !== '') locations.push(...programLocations(program))
  return locations
}

/** `--runfiles X`: a directory is a tree (plus its MANIFEST when there is one), a file a manifest. */
function explicitLocation(path: string): RunfilesLocation[] {
  const abs = resolve(path)
  const info = statSync(abs, { throwIfNoEntry: false })
  if (info === undefined) throw new RunfilesError(`--runfiles ${path}: ${abs} does not exist (expected a runfiles directory or a runfiles manifest file)`)
  if (info.isDirectory()) return treeWithManifests(abs, '--runfiles')
  return [{ kind: 'manifest', path: abs, origin: '--runfiles' }]
}

/** A tree, then the manifests Bazel writes beside or inside it (all there is under --nobuild_runfile_links). */
function treeWithManifests(dir: string, origin: string): RunfilesLocation[] {
  return [
    { kind: 'tree', path: dir, origin },
    ...existing({ kind: 'manifest', path: join(dir, 'MANIFEST'), origin }),
    ...existing({ kind: 'manifest', path: `${dir}_manifest`, origin }),
  ]
}

/** The `*.runfiles` directories above a file (not following symlinks: the path as given). */
function enclosingTrees(file: string): RunfilesLocation[] {
  const abs = resolve(file)
  const found: RunfilesLocation[] = []
  for (let dir = dirname(abs); dir !== dirname(dir); dir = dirname(dir)) {
    if (basename(dir).endsWith('.runfiles')) found.push(...treeWithManifests(dir, `the runfiles tree holding ${abs}`))
  }
  return found
}

function programLocations(program: string): RunfilesLocation[] {
  const abs = resolve(program)
  return [
    ...existing({ kind: 'tree', path: `${abs}.runfiles`, origin: '<program>.runfiles' }),
    ...existing({ kind: 'manifest', path: `${abs}.runfiles_manifest`, origin: '<program>.runfiles_manifest' }),
    ...existing({ kind: 'manifest', path: join(`${abs}.runfiles`, 'MANIFEST'), origin: '<program>.runfiles/MANIFEST' }),
    ...enclosingTrees(abs),
  ]
}

function existing(location: RunfilesLocation): RunfilesLocation[] {
  const info = statSync(location.path, { throwIfNoEntry: false })
  if (info === undefined) return []
  return (location.kind === 'tree') === info.isDirectory() ? [location] : []
}

function dedupe(locations: RunfilesLocation[]): RunfilesLocation[] {
  const seen = new Set<string>()
  return locations.filter((l) => {
    const key = `${l.kind}:${l.path}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

// ---- sources ---------------------------------------------------------------------------------

function openSource(location: RunfilesLocation): Source {
  return location.kind === 'tree' ? treeSource(location) : manifestSource(location)
}

function treeSource(location: RunfilesLocation): Source {
  let runfiles: BazelRunfiles | undefined
  return {
    location,
    lookup(path) {
      const direct = join(location.path, path)
      if (existsSync(direct)) return { found: direct }
      runfiles ??= openTree(location.path)
      try {
        // The canonical ('' = main) repository as the source repo: manifest paths are canonical
        // runfiles paths, and apparent names still map through _repo_mapping.
        return { found: runfiles.resolve(path, '') }
      } catch {
        return { missed: `${direct} does not exist` }
      }
    },
  }
}

/**
 * @bazel/runfiles for a tree. Its constructor reads the tree's _repo_mapping with a plain read,
 * which would hang on a FIFO: the file is checked (and read, the one read this module cannot do
 * itself) the way every file read at load is, first.
 */
function openTree(dir: string): BazelRunfiles {
  const mapping = join(dir, '_repo_mapping')
  if (existsSync(mapping)) readRunfilesFile(mapping, 'repository mapping')
  return new BazelRunfiles({ RUNFILES_DIR: dir })
}

/**
 * A runfiles manifest or repository mapping, as text: a regular file no longer than the longest
 * string Node can hold (a runfiles manifest of a large test can be hundreds of MB).
 */
function readRunfilesFile(file: string, what: string): string {
  try {
    return readRegularFile(file, bufferConstants.MAX_STRING_LENGTH, (message) => new RunfilesError(`${what} ${message}`)).toString('utf8')
  } catch (error) {
    if (error instanceof RunfilesError) throw error
    throw new RunfilesError(`failed to read ${what} ${file}: ${messageOf(error)}`)
  }
}

function manifestSource(location: RunfilesLocation): Source {
  let index: ManifestIndex | undefined
  return {
    location,
    lookup(path) {
      index ??= ManifestIndex.read(location.path)
      const found = index.lookup(path)
      return found === undefined ? { missed: `no entry for ${path}, a directory above it, or files below it` } : { found }
    },
  }
}

/** A runfiles manifest (`<rlocation path> <real path>` lines), indexed for exact, parent and child lookups. */
export class ManifestIndex {
  readonly file: string
  readonly #entries: Map<string, string>
  #sortedKeys: string[] | undefined

  constructor(file: string, entries: Map<string, string>) {
    this.file = file
    this.#entries = entries
  }

  static read(file: string): ManifestIndex {
    return new ManifestIndex(file, parseRunfilesManifest(readRunfilesFile(file, 'runfiles manifest')))
  }

  /** The real path for an rlocation path, or undefined. */
  lookup(path: string): string | undefined {
    const exact = this.#entries.get(path)
    if (exact !== undefined) return exact === '' ? undefined : exact
    // The longest directory entry above the path: a tree artifact or source directory.
    for (let end = path.lastIndexOf('/'); end > 0; end = path.lastIndexOf('/', end - 1)) {
      const dir = this.#entries.get(path.slice(0, end))
      if (dir === undefined || dir === '') continue
      const candidate = join(dir, path.slice(end + 1))
      if (existsSync(candidate)) return candidate
    }
    return this.#fromChildren(path)
  }

  /** A directory not listed itself but whose files are: derive it from one file's real path. */
  #fromChildren(path: string): string | undefined {
    this.#sortedKeys ??= [...this.#entries.keys()].sort()
    const keys = this.#sortedKeys
    const prefix = `${path}/`
    let lo = 0
    let hi = keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((keys[mid] ?? '') < prefix) lo = mid + 1
      else hi = mid
    }
    for (let i = lo; i < keys.length; i++) {
      const key = keys[i] ?? ''
      if (!key.startsWith(prefix)) return undefined
      const real = this.#entries.get(key) ?? ''
      const tail = key.slice(path.length)
      if (real.endsWith(tail)) return real.slice(0, real.length - tail.length)
    }
    return undefined
  }
}

/**
 * Parses a runfiles manifest. A line is `<key> <value>`, split at the first space; the value may
 * be empty (an empty file). A line starting with a space is escaped (Bazel 7.4+ for paths with
 * spaces, newlines or backslashes): `\s` space (key only), `\n` newline, `\b` backslash.
 */
export function parseRunfilesManifest(text: string): Map<string, string> {
  const entries = new Map<string, string>()
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line === '') continue
    const escaped = line.startsWith(' ')
    const body = escaped ? line.slice(1) : line
    const space = body.indexOf(' ')
    const key = space < 0 ? body : body.slice(0, space)
    const value = space < 0 ? '' : body.slice(space + 1)
    entries.set(escaped ? unescape(key) : key, escaped ? unescape(value) : value)
  }
  return entries
}

function unescape(s: string): string {
  return s.replace(/\\([snb])/g, (_, c: string) => (c === 's' ? ' ' : c === 'n' ? '\n' : '\\'))
}
