// The package's own files the runtime reads: package.json's version and spec/manifest.proto (the
// manifest schema). Unbundled (`node src/...`, and dist/ in the npm package) they are read from the
// package root; the single-file bundle (scripts/bundle.ts) replaces this module with one holding
// their contents, so runtime/localregistry.mjs needs no file beside it.

import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** spec/manifest.proto: the schema of the localregistry_manifest `.prototxt`. */
export const MANIFEST_PROTO_PATH = fileURLToPath(new URL('../spec/manifest.proto', import.meta.url))

/** The text of spec/manifest.proto. */
export function manifestProtoText(): string {
  return readFileSync(MANIFEST_PROTO_PATH, 'utf8')
}

/** The package's version, from package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }
  return pkg.version ?? 'unknown'
}
