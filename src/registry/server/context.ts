// What every route is given, built once per handler: the content, the blob files and what is
// known about them, the manifests' prepared responses, the transfer buffers, and where server-side problems are reported.

import type { BlobFiles } from './blob-files.ts'
import type { BufferPool } from './buffer-pool.ts'
import type { PreparedManifests } from './manifests.ts'
import type { Registry } from '../../content/registry.ts'

export interface Context {
  readonly registry: Registry
  readonly files: BlobFiles
  readonly manifests: PreparedManifests
  readonly pool: BufferPool
  /** Where server-side problems go: the log option, or stderr without one. */
  readonly logError: (line: string) => void
}
