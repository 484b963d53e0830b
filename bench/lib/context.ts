// What every section gets: the settings of this run, where to record, and the
// shared servers (started once, so blob and request runs interleave across them).

import type { Contender, ContenderName } from '../contenders/contender.ts'
import type { BenchImage } from './fixtures.ts'
import type { Recorder } from './results.ts'

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
  /** Image counts for the start-up section. */
  startupCounts: readonly number[]
  /** Layer size for the small start-up image (1 KiB). */
  smallLayerSize: number
  /** Limit for one blob download or one pull. */
  transferTimeoutMs: number
  /** Our CLI entry point. */
  cli: string
  /** Extra node flags for our server and client processes (`--cpu-prof ...` with --cpu-prof DIR). */
  nodeArgs: readonly string[]
}

export interface Context {
  settings: Settings
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
    return { ...common, runs: runs ?? 1, largeLayerSize: 1 << 20, requestSeconds: 1, requestCap: 2_000, startupCounts: [1, 5, 20], transferTimeoutMs: 60_000 }
  }
  return {
    ...common,
    runs: runs ?? 5,
    largeLayerSize: 1 << 30,
    requestSeconds: 10,
    requestCap: 10_000_000,
    startupCounts: [1, 100, 1000],
    transferTimeoutMs: 600_000,
  }
}
