// Shared by the Bazel e2e checks: argument parsing, a prototext reader for the manifest the
// rule writes, and the expected digest of a source layout (its index.json's only entry).

import { readFileSync } from 'node:fs'
import { rlocation, rootpathToRlocation } from './runfiles.ts'

export interface Expected {
  key: string
  repository: string
  tag: string
  /** rlocation path of the source layout directory: what the manifest must say. */
  path: string
}

export interface Args {
  manifest: string
  expected: Expected[]
  options: Map<string, string>
}

/** `--manifest ROOTPATH --expect KEY=RLOCATION_PATH... [--NAME VALUE...]` (the last NAME wins) */
export function parseArgs(argv: string[]): Args {
  let manifest: string | undefined
  const expected: Expected[] = []
  const options = new Map<string, string>()
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]
    const value = argv[i + 1]
    if (flag === undefined || value === undefined || !flag.startsWith('--')) {
      throw new Error(`bad arguments at ${JSON.stringify(flag)}: want --flag value pairs`)
    }
    if (flag === '--manifest') manifest = rootpathToRlocation(value)
    else if (flag === '--expect') expected.push(parseExpect(value))
    else options.set(flag.slice(2), value)
  }
  if (manifest === undefined) throw new Error('--manifest is required')
  return { manifest, expected, options }
}

function parseExpect(value: string): Expected {
  const eq = value.indexOf('=')
  if (eq < 0) throw new Error(`--expect ${value}: want KEY=RLOCATION_PATH`)
  const key = value.slice(0, eq)
  const colon = key.lastIndexOf(':')
  return {
    key,
    repository: colon < 0 ? key : key.slice(0, colon),
    tag: colon < 0 ? '' : key.slice(colon + 1),
    path: value.slice(eq + 1),
  }
}

export interface ManifestImage {
  repository: string
  tag: string
  path: string
}

/** Parses the text format of localregistry.Manifest as proto.encode_text writes it. */
export function parsePrototext(text: string): ManifestImage[] {
  const tokens = tokenize(text)
  const images: ManifestImage[] = []
  let i = 0
  const next = (): string => {
    const t = tokens[i++]
    if (t === undefined) throw new Error('manifest ends early')
    return t
  }
  while (i < tokens.length) {
    const field = next()
    if (field !== 'images') throw new Error(`unexpected top-level field ${JSON.stringify(field)}`)
    if (next() !== '{') throw new Error('want { after images')
    const image: Record<string, string> = {}
    for (let t = next(); t !== '}'; t = next()) {
      if (next() !== ':') throw new Error(`want : after ${t}`)
      const value = next()
      if (!value.startsWith('"')) throw new Error(`field ${t}: want a string, got ${value}`)
      if (image[t] !== undefined) throw new Error(`field ${t} repeated in one image`)
      image[t] = JSON.parse(value) as string
    }
    for (const f of Object.keys(image)) {
      if (!['repository', 'tag', 'path'].includes(f)) throw new Error(`unknown Image field ${f}`)
    }
    images.push({ repository: image['repository'] ?? '', tag: image['tag'] ?? '', path: image['path'] ?? '' })
  }
  return images
}

function tokenize(text: string): string[] {
  const tokens: string[] = []
  const re = /\s+|#[^\n]*|([{}:])|([A-Za-z_][A-Za-z0-9_]*)|"((?:[^"\\\n]|\\.)*)"/y
  let pos = 0
  while (pos < text.length) {
    re.lastIndex = pos
    const m = re.exec(text)
    if (m === null) throw new Error(`cannot parse manifest at offset ${pos}: ${JSON.stringify(text.slice(pos, pos + 20))}`)
    pos = re.lastIndex
    if (m[1] !== undefined) tokens.push(m[1])
    else if (m[2] !== undefined) tokens.push(m[2])
    else if (m[3] !== undefined) {
      // The manifest's strings are plain ASCII; reject escapes other than \" and \\.
      if (/\\[^"\\]/.test(m[3])) throw new Error(`unsupported escape in ${m[3]}`)
      tokens.push(`"${m[3]}"`)
    }
  }
  return tokens
}

export function readManifest(rlocationPath: string): ManifestImage[] {
  return parsePrototext(readFileSync(rlocation(rlocationPath), 'utf8'))
}

interface IndexJson {
  manifests: { digest: string; mediaType: string }[]
}

/** The digest a registry serves for a layout: index.json's only entry. */
export function expectedDigest(layoutRlocation: string): string {
  const file = rlocation(`${layoutRlocation}/index.json`)
  const index = JSON.parse(readFileSync(file, 'utf8')) as IndexJson
  const [only] = index.manifests
  if (index.manifests.length !== 1 || only === undefined) {
    throw new Error(`${file} has ${index.manifests.length} entries; the e2e layouts have exactly one`)
  }
  return only.digest
}

export function fail(message: string): never {
  console.error(`FAIL: ${message}`)
  process.exit(1)
}
