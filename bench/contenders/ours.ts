// Our server, started through the CLI exactly as a user would:
//   node src/cli/main.ts serve --image REPO:TAG=LAYOUT ... --listen 127.0.0.1:0
// It prints its base URL on stdout once it serves.

import { fileURLToPath } from 'node:url'
import { startDaemon, type Daemon } from '../../e2e/tools/exec.ts'
import { blobPath, MANIFEST_ACCEPT, type BenchImage } from '../lib/fixtures.ts'
import { waitFor200 } from '../lib/http.ts'
import { coldEnv } from '../lib/runtimes.ts'
import type { Contender } from './contender.ts'

export const DEFAULT_CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

export interface OursOptions {
  /** What to serve (`--image REPO:TAG=DIR` each); the first GET asks for the last one's manifest. */
  images: readonly BenchImage[]
  /** Serve arguments instead of the `--image` flags, e.g. `--manifest FILE --runfiles DIR`. */
  args?: readonly string[]
  /** `--ready-file PATH`, as a launcher passes it. */
  readyFile?: string
  /** The CLI entry point (default src/cli/main.ts). */
  cli?: string
  /** Extra node flags, e.g. `--cpu-prof --cpu-prof-dir=DIR` for profiling. */
  nodeArgs?: readonly string[]
  timeoutMs?: number
}

export interface OursServer extends Contender {
  /** performance.now() when the process was spawned. */
  readonly spawnedAt: number
  /** performance.now() when the base URL appeared on stdout. */
  readonly urlPrintedAt: number
  /** performance.now() when the first manifest GET (of the last image) answered 200. */
  readonly firstGetAt: number
}

/** Starts the server and returns once a manifest GET of the last image succeeds. */
export async function startOurs(options: OursOptions): Promise<OursServer> {
  const last = options.images.at(-1)
  if (last === undefined) throw new Error('startOurs needs at least one image')
  const timeoutMs = options.timeoutMs ?? 30_000
  const args = [...(options.nodeArgs ?? []), options.cli ?? DEFAULT_CLI, 'serve']
  args.push(...(options.args ?? options.images.flatMap((image) => ['--image', `${image.repository}:${image.tag}=${image.layoutDir}`])))
  args.push('--listen', '127.0.0.1:0')
  if (options.readyFile !== undefined) args.push('--ready-file', options.readyFile)
  const spawnedAt = performance.now()
  const daemon = startDaemon(process.execPath, args, { env: coldEnv() })
  try {
    const { url, at: urlPrintedAt } = await baseUrlFrom(daemon, timeoutMs)
    await waitFor200(`${url}/v2/${last.repository}/manifests/${last.tag}`, { accept: MANIFEST_ACCEPT }, { timeoutMs, isAlive: () => !daemon.hasExited() })
    const firstGetAt = performance.now()
    const pid = daemon.child.pid
    if (pid === undefined) throw new Error('the server has no pid')
    const byRepo = new Map(options.images.map((image) => [image.repository, image]))
    return {
      name: 'ours',
      host: url.replace(/^http:\/\//, ''),
      url,
      pid,
      spawnedAt,
      urlPrintedAt,
      firstGetAt,
      blobFile: (repository, digest) => blobPath(byRepo.get(repository)?.layoutDir ?? last.layoutDir, digest),
      output: () => daemon.output(),
      stop: () => daemon.stop(),
      [Symbol.asyncDispose]: () => daemon.stop(),
    }
  } catch (error) {
    await daemon.stop()
    throw new Error(`failed to start our server (${daemon.command.slice(0, 300)}): ${(error as Error).message}\n${daemon.output().slice(-2000)}`, {
      cause: error,
    })
  }
}

/** Resolves with the first `http://127.0.0.1:PORT` the server prints on stdout. */
function baseUrlFrom(daemon: Daemon, timeoutMs: number): Promise<{ url: string; at: number }> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    const stdoutStream = daemon.child.stdout
    const finish = (error: Error | undefined, url?: string): void => {
      clearTimeout(timer)
      stdoutStream?.off('data', onData)
      if (error) reject(error)
      else resolve({ url: url ?? '', at: performance.now() })
    }
    const onData = (chunk: Buffer): void => {
      stdout += chunk.toString('utf8')
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(stdout)
      if (match) finish(undefined, match[0])
    }
    const timer = setTimeout(() => finish(new Error(`no base URL on stdout after ${timeoutMs} ms`)), timeoutMs)
    stdoutStream?.on('data', onData)
    void daemon.exited.then(({ code, signal }) => finish(new Error(`the server exited (code ${code}, signal ${signal}) before printing its URL`)))
  })
}
