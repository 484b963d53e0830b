/**
 * The reference OCI Distribution registry (`docker-registry`, distribution 2.8
 * from Debian) as a read-write server for tests and benchmarks: a baseline to
 * compare our server with, and a place to push fixtures with skopeo.
 *
 * ```ts
 * await using registry = await startDistribution();
 * await skopeo.copy(`oci:${layout}:latest`, `docker://${registry.host}/demo:latest`);
 * ```
 */
import { writeFile } from 'node:fs/promises'
import { startDaemon, waitUntilReady, type Daemon } from './exec.ts'
import { withFreePort } from './free-port.ts'
import { toolPath } from './require-tool.ts'
import { makeTempDir, type TempDir } from '../../test/support/temp-dir.ts'

export interface DistributionOptions {
  /** Path of the registry binary. Default: `docker-registry` on PATH. */
  binary?: string
  /** Allow `DELETE` of manifests and blobs. Default false. */
  deleteEnabled?: boolean
  /** Registry log level. Default "warn". */
  logLevel?: 'error' | 'warn' | 'info' | 'debug'
  /** How long to wait for `GET /v2/` to answer. Default 15 s. */
  readyTimeoutMs?: number
}

export interface Distribution extends AsyncDisposable {
  /** `127.0.0.1:PORT`, the host part of image references. */
  readonly host: string
  readonly port: number
  /** `http://127.0.0.1:PORT`. */
  readonly url: string
  /** Filesystem storage root of the registry. */
  readonly storageDir: string
  /** The registry's combined stdout/stderr so far. */
  output(): string
  /** Stops the registry and removes its storage. Idempotent. */
  stop(): Promise<void>
}

/** Starts `docker-registry serve` on a free loopback port with storage in a fresh temp dir. */
export async function startDistribution(options: DistributionOptions = {}): Promise<Distribution> {
  const binary = options.binary ?? toolPath('docker-registry')
  const dir = await makeTempDir('distribution-')
  try {
    const { daemon, port } = await withFreePort((port) => startOnPort(binary, dir, port, options))
    const stop = async (): Promise<void> => {
      await daemon.stop()
      await dir.remove()
    }
    return {
      host: `127.0.0.1:${port}`,
      port,
      url: `http://127.0.0.1:${port}`,
      storageDir: dir.join('storage'),
      output: () => daemon.output(),
      stop,
      [Symbol.asyncDispose]: stop,
    }
  } catch (error) {
    await dir.remove()
    throw new Error(`failed to start the reference registry: ${(error as Error).message}`, { cause: error })
  }
}

async function startOnPort(binary: string, dir: TempDir, port: number, options: DistributionOptions): Promise<{ daemon: Daemon; port: number }> {
  const configPath = dir.join(`config-${port}.yml`)
  await writeFile(configPath, configYaml(dir.join('storage'), port, options))
  const daemon = startDaemon(binary, ['serve', configPath], { cwd: dir.path })
  try {
    await waitUntilReady(daemon, 'docker-registry', () => answersV2(port), { timeoutMs: options.readyTimeoutMs ?? 15_000 })
  } catch (error) {
    await daemon.stop()
    throw error
  }
  return { daemon, port }
}

async function answersV2(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(1_000) })
  await response.body?.cancel()
  return response.status === 200
}

/** distribution's YAML config. JSON is valid YAML, so no YAML library is needed. */
function configYaml(storageDir: string, port: number, options: DistributionOptions): string {
  const config = {
    version: 0.1,
    log: { level: options.logLevel ?? 'warn', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: storageDir },
      delete: { enabled: options.deleteEnabled ?? false },
      maintenance: { uploadpurging: { enabled: false } },
    },
    // A fixed secret silences the "No HTTP secret provided" warning on every start.
    http: { addr: `127.0.0.1:${port}`, secret: 'localregistry-test' },
    health: { storagedriver: { enabled: false } },
  }
  return `${JSON.stringify(config, null, 2)}\n`
}
