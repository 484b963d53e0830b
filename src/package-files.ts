// The package's own files the runtime knows of: package.json's version, and where spec/manifest.proto
// (the manifest schema, for messages and embedders; the parser's copy of it is
// src/manifest/text-format.ts) lies. Unbundled (`node src/...`, and dist/ in the npm package) the
// version is read from the package root; the bundled runtime (scripts/bundle.ts) replaces this
// module with one holding it, so runtime/localregistry.mjs needs no file beside it.

import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** spec/manifest.proto: the schema of the localregistry_manifest `.prototxt`. */
export const MANIFEST_PROTO_PATH = fileURLToPath(new URL('../spec/manifest.proto', import.meta.url))

/** The package's version, from package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }
  return pkg.version ?? 'unknown'
}
