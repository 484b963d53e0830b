// What every section gets: the settings of this run, where to record, and the
// shared servers (started once, so blob and request runs interleave across them).

import type { Contender, ContenderName } from '../contenders/contender.ts'
import type { BenchImage } from './fixtures.ts'
import type { Recorder } from './results.ts'
import type { Runtimes } from './runtimes.ts'

export interface Settings {
  smoke: boolean
  runs: number
  /** Bytes of the large layer (1 GiB; 1 MiB when smoke). */
  largeLayerSize: number
  /** Concurrent clients for blob runs. */
  blobClients: readonly number[]
  /** Seconds of each ab run, and its request cap. */
  requestSeconds: number
  requestCap: number
  requestConcurrency: number
  /** Interleaved start-ups of each runtime (cheap: a fraction of a second each). */
  startupRuns: number
  scale: ScaleSettings
  /** Layer size for the small start-up image (1 KiB). */
  smallLayerSize: number
  /** Limit for one blob download or one pull. */
  transferTimeoutMs: number
  /** Our CLI entry point. */
  cli: string
  /** Extra node flags for our server and client processes (`--cpu-prof ...` with --cpu-prof DIR). */
  nodeArgs: readonly string[]
}

/** The points of each scaling curve (section `scale`). */
export interface ScaleSettings {
  /** One-layer images served at once. */
  images: readonly number[]
  /** Layers of one image. */
  layers: readonly number[]
  /** Concurrent clients for manifest GETs and blob downloads. */
  clients: readonly number[]
  /** Platforms of an index that our client pulls. */
  platforms: readonly number[]
  /** Bytes of the blob each concurrent client downloads. */
  blobSize: number
  /** Seconds of each ab run. */
  requestSeconds: number
}

export interface Context {
  settings: Settings
  /** How our CLI can run (bundle, dist/, sources), the one a Bazel test uses first. */
  runtimes: Runtimes
  recorder: Recorder
  log: (line: string) => void
  /** A scratch directory of this run (removed at the end). */
  workDir: string
  /** The image with the large layer, served by every contender as bench:latest. */
  large: BenchImage
  /** Starts (once) and returns the named shared contender. */
  contender(name: ContenderName): Promise<Contender>
}

export function settingsFor(smoke: boolean, runs: number | undefined, cli: string, nodeArgs: readonly string[] = []): Settings {
  const common = { smoke, blobClients: [1, 4], requestConcurrency: 32, smallLayerSize: 1024, cli, nodeArgs }
  if (smoke) {
    // Tiny sizes and one run: the smoke test only checks that every measurement gives a number.
    return {
      ...common,
      runs: runs ?? 1,
      largeLayerSize: 1 << 20,
      requestSeconds: 1,
      requestCap: 2_000,
      startupRuns: runs ?? 1,
      scale: { images: [1, 10], layers: [1, 10], clients: [1, 4], platforms: [1, 8], blobSize: 1 << 20, requestSeconds: 1 },
      transferTimeoutMs: 60_000,
    }
  }
  return {
    ...common,
    runs: runs ?? 5,
    largeLayerSize: 1 << 30,
    requestSeconds: 10,
    requestCap: 10_000_000,
    startupRuns: 3 * (runs ?? 5),
    scale: {
      images: [1, 10, 100, 1_000, 10_000],
      layers: [1, 10, 100, 1_000],
      clients: [1, 4, 16, 64],
      platforms: [1, 8, 64],
      blobSize: 256 << 20,
      requestSeconds: 4,
    },
    transferTimeoutMs: 600_000,
  }
}
