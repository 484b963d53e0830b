// The Bazel manifest: a text-format `localregistry.Manifest` (spec/manifest.proto) written by the
// localregistry_manifest rule. Parsed with protobufjs's text format against the schema loaded at
// run time, then checked: every image needs a valid repository, a valid or empty tag and a path.
// Every error is a BazelManifestError that starts with `FILE:LINE[:COLUMN]: `.

import { readFile } from 'node:fs/promises'
import protobuf from 'protobufjs'
import textformat from 'protobufjs/ext/textformat.js'
import { BazelManifestError } from '../errors.ts'
import { MANIFEST_PROTO_PATH, manifestProtoText } from '../package-files.ts'
import { isValidRepository, isValidTag } from '../registry/server/names.ts'

/** One `images { ... }` entry of a manifest. */
export interface ManifestImage {
  repository: string
  /** '' means digest-only: served by digest, never by a tag. */
  tag: string
  /** The runfiles (rlocation) path of the OCI layout directory, e.g. `_main/e2e/images/app`. */
  path: string
  /** The manifest file and the line the entry starts on. */
  file: string
  line: number
}

export { MANIFEST_PROTO_PATH }

let manifestType: protobuf.Type | undefined

/** The `localregistry.Manifest` type, parsed (once) from spec/manifest.proto. */
export function loadManifestSchema(): protobuf.Type {
  if (manifestType !== undefined) return manifestType
  try {
    manifestType = protobuf.parse(manifestProtoText()).root.lookupType('localregistry.Manifest')
  } catch (error) {
    throw new BazelManifestError(`failed to load the manifest schema ${MANIFEST_PROTO_PATH}: ${messageOf(error)}`, { cause: error })
  }
  return manifestType
}

/** Reads and parses a manifest file. */
export async function readBazelManifest(file: string): Promise<ManifestImage[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new BazelManifestError(`failed to read manifest ${file}: ${messageOf(error)}`, { cause: error })
  }
  return parseBazelManifest(text, file)
}

interface RawImage {
  repository?: string
  tag?: string
  path?: string
}

/** Parses manifest text; `file` is only used in messages and in the returned entries. */
export function parseBazelManifest(text: string, file: string): ManifestImage[] {
  const type = loadManifestSchema()
  let raw: RawImage[]
  try {
    const message = textformat.fromText(type, text)
    raw = (type.toObject(message, { defaults: true }) as { images: RawImage[] }).images
  } catch (error) {
    throw positionedError(text, file, type, error)
  }
  const lines = entryLines(text)
  return raw.map((image, i) => checkImage(image, file, lines[i] ?? 1, i))
}

function checkImage(image: RawImage, file: string, line: number, i: number): ManifestImage {
  const { repository = '', tag = '', path = '' } = image
  const fail = (what: string): never => {
    throw new BazelManifestError(`${file}:${line}: images[${i}]: ${what}`)
  }
  if (repository === '') fail('repository is missing')
  if (!isValidRepository(repository)) {
    fail(
      `repository ${JSON.stringify(repository)} is not a valid repository name (lowercase [a-z0-9] components separated by ".", "_", "__", "-" or "/", at most 255 characters)`,
    )
  }
  if (tag !== '' && !isValidTag(tag)) fail(`tag ${JSON.stringify(tag)} of ${repository} is not a valid tag ([a-zA-Z0-9_][a-zA-Z0-9._-]{0,127})`)
  if (path === '') fail(`path of ${repository}${tag === '' ? '' : `:${tag}`} is missing`)
  return { repository, tag, path, file, line }
}

// ---- positions -------------------------------------------------------------------------------

const LINE_SUFFIX = / \(line (\d+)\)$/

/**
 * A parse error as `FILE:LINE[:COLUMN]: message`. protobufjs puts `(line N)` on syntax errors
 * but not on value errors ("multiple values", "invalid UTF-8 string"); for those the line is the
 * shortest prefix of the text (in whole lines) that fails with the same message. The column is
 * where the quoted offending token first appears on that line, when the message quotes one.
 */
function positionedError(text: string, file: string, type: protobuf.Type, error: unknown): BazelManifestError {
  const message = messageOf(error)
  const match = LINE_SUFFIX.exec(message)
  const bare = match === null ? message : message.slice(0, match.index)
  const line = match === null ? failingLine(text, type, message) : Number(match[1])
  const column = line === undefined ? undefined : tokenColumn(text, line, bare)
  const where = line === undefined ? file : column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`
  return new BazelManifestError(`${where}: ${bare.replace(/^\./, '')}`, { cause: error })
}

function failingLine(text: string, type: protobuf.Type, message: string): number | undefined {
  const lines = text.split('\n')
  const failsSame = (n: number): boolean => {
    try {
      textformat.fromText(type, lines.slice(0, n).join('\n'))
      return false
    } catch (error) {
      return messageOf(error) === message
    }
  }
  if (!failsSame(lines.length)) return undefined
  let lo = 1
  let hi = lines.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (failsSame(mid)) hi = mid
    else lo = mid + 1
  }
  return lo
}

function tokenColumn(text: string, line: number, message: string): number | undefined {
  const quoted = /'([^']+)'/.exec(message)
  const fieldName = /\.([A-Za-z_][A-Za-z0-9_]*): multiple values/.exec(message)
  const token = quoted?.[1] ?? fieldName?.[1]
  if (token === undefined) return undefined
  const source = text.split('\n')[line - 1] ?? ''
  const at = fieldName === null ? source.indexOf(token) : source.lastIndexOf(token)
  return at < 0 ? undefined : at + 1
}

/**
 * The line of each `images` entry: where a `{` or `<` opens at depth 0 (the Manifest has no other
 * field, so each one opens an Image). Strings and `#` comments are skipped.
 */
export function entryLines(text: string): number[] {
  const lines: number[] = []
  let line = 1
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '\n') line++
    else if (c === '#') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++
    } else if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c && text[i] !== '\n'; i++) if (text[i] === '\\') i++
    } else if (c === '{' || c === '<') {
      if (depth === 0) lines.push(line)
      depth++
    } else if (c === '}' || c === '>') depth--
  }
  return lines
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
