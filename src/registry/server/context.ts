// What every route is given, built once per handler: the content, the blob files and what is
// known about them, the manifests endpoint (with its prepared responses), the transfer buffers, the connections
// (told when a request waits on the server), and where server-side problems are reported.

import type { Registry } from '../../content/registry.ts'
import type { BlobFiles } from './blob-files.ts'
import type { BufferPool } from './buffer-pool.ts'
import type { Connections } from './connections.ts'
import type { Manifests } from './manifests.ts'

export interface Context {
  readonly registry: Registry
  readonly files: BlobFiles
  /** The manifests endpoint, with its prepared responses. */
  readonly manifests: Manifests
  readonly pool: BufferPool
  readonly connections: Connections
  /** Where server-side problems go: the log option, or stderr without one. */
  readonly logError: (line: string) => void
}
