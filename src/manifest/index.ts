// The Bazel manifest: a text-format `localregistry.Manifest` (spec/manifest.proto) written by the
// localregistry_manifest rule, read by text-format.ts, then checked: every image needs a valid
// repository, a valid or empty tag and a path. Every error is a BazelManifestError that starts
// with `FILE:LINE[:COLUMN]: `.

import { BazelManifestError, messageOf } from '../errors.ts'
import { readRegularFile } from '../oci/regular-file.ts'
import { MANIFEST_PROTO_PATH } from '../package-files.ts'
import { repositoryProblem, tagProblem } from '../oci/names.ts'
import { MANIFEST, type TextMessage, TextFormatError, parseTextFormat } from './text-format.ts'

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

/** The largest manifest file read: some 300,000 images, far more than a build serves; anything longer is no manifest the rule wrote. */
export const MAX_MANIFEST_FILE_BYTES = 64 * 1024 * 1024

/** Reads and parses a manifest file (a regular file of at most MAX_MANIFEST_FILE_BYTES). */
export async function readBazelManifest(file: string): Promise<ManifestImage[]> {
  let bytes: Buffer
  try {
    bytes = readRegularFile(file, MAX_MANIFEST_FILE_BYTES, (message) => new BazelManifestError(message))
  } catch (error) {
    if (error instanceof BazelManifestError) throw error
    throw new BazelManifestError(`failed to read manifest ${file}: ${messageOf(error)}`, { cause: error })
  }
  return parseBazelManifest(bytes, file)
}

/** Parses manifest text (bytes must be UTF-8); `file` is only used in messages and in the returned entries. */
export function parseBazelManifest(text: string | Uint8Array, file: string): ManifestImage[] {
  let manifest: TextMessage
  try {
    manifest = parseTextFormat(text, MANIFEST)
  } catch (error) {
    if (!(error instanceof TextFormatError)) throw error
    throw new BazelManifestError(`${file}:${error.line}:${error.column}: ${error.message}`)
  }
  const images = (manifest.fields.get('images') ?? []) as TextMessage[]
  return images.map((image, i) => checkImage(image, file, i))
}

function checkImage(image: TextMessage, file: string, i: number): ManifestImage {
  const field = (name: string): string => (image.fields.get(name) as string | undefined) ?? ''
  const [repository, tag, path, line] = [field('repository'), field('tag'), field('path'), image.line]
  const fail = (what: string): never => {
    throw new BazelManifestError(`${file}:${line}: images[${i}]: ${what}`)
  }
  if (repository === '') fail('repository is missing')
  const repositoryWrong = repositoryProblem(repository)
  if (repositoryWrong !== undefined) fail(`repository ${repositoryWrong}`)
  const tagWrong = tag === '' ? undefined : tagProblem(tag, repository)
  if (tagWrong !== undefined) fail(`tag ${tagWrong}`)
  if (path === '') fail(`path of ${repository}${tag === '' ? '' : `:${tag}`} is missing`)
  return { repository, tag, path, file, line }
}
