// Blob throughput: N concurrent `curl -o /dev/null` of the large layer from each
// server, the blob file read into the page cache right before each run (the cache
// is evicted within a minute here, and a cold read is slower than any server).
// Also records the server's CPU seconds per GiB and its peak RSS during the run.

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { run, type RunResult } from '../../e2e/tools/exec.ts'
import { toolPath } from '../../e2e/tools/require-tool.ts'
import { CONTENDERS, type Contender } from '../contenders/contender.ts'
import type { Context } from '../lib/context.ts'
import type { BenchImage } from '../lib/fixtures.ts'
import { cpuSeconds, peakRssBytes, resetPeakRss } from '../lib/proc.ts'
import { rotate } from '../lib/results.ts'
import { GiB, MiB } from '../lib/units.ts'

export interface Transfer {
  seconds: number
  bytes: number
  cpuSeconds: number
  peakRssBytes: number
}

/** Reads `path` once (`cat > /dev/null`) so every contender starts from a warm page cache. */
export async function warmFile(path: string, timeoutMs = 120_000): Promise<void> {
  const child = spawn('cat', [path], { stdio: ['ignore', 'ignore', 'pipe'], signal: AbortSignal.timeout(timeoutMs), killSignal: 'SIGKILL' })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const [code] = (await once(child, 'close')) as [number | null]
  if (code !== 0) throw new Error(`failed to read "${path}" into the page cache: cat exited with ${code}: ${stderr.trim()}`)
}

/** `clients` concurrent downloads of the image's layer; checks status and size of each. */
export async function downloadBlob(server: Contender, image: BenchImage, clients: number, timeoutMs: number): Promise<Transfer> {
  const curl = toolPath('curl')
  const url = `${server.url}/v2/${image.repository}/blobs/${image.layerDigest}`
  const args = ['-sS', '-o', '/dev/null', '--max-time', String(Math.ceil(timeoutMs / 1000)), '-w', '%{http_code} %{size_download}', url]
  await resetPeakRss(server.pid)
  const cpuBefore = await cpuSeconds(server.pid)
  const start = performance.now()
  // Settled, not all: a failed client must not leave the others running into the next measurement.
  const settled = await Promise.allSettled(Array.from({ length: clients }, () => run(curl, args, { timeoutMs: timeoutMs + 10_000 })))
  const seconds = (performance.now() - start) / 1000
  const failed = settled.filter((r) => r.status === 'rejected')
  if (failed.length > 0) throw new Error(`${server.name}: ${failed.length} of ${clients} clients failed, the first: ${(failed[0]!.reason as Error).message}`)
  const results = settled.map((r) => (r as PromiseFulfilledResult<RunResult>).value)
  const cpuAfter = await cpuSeconds(server.pid)
  for (const { stdout } of results) {
    const [status, size] = stdout.trim().split(' ')
    if (status !== '200' || Number(size) !== image.layerSize) {
      throw new Error(
        `${server.name}: GET ${url} gave status ${status} and ${size} bytes, expected 200 and ${image.layerSize}\n${server.output().slice(-1000)}`,
      )
    }
  }
  return { seconds, bytes: clients * image.layerSize, cpuSeconds: cpuAfter - cpuBefore, peakRssBytes: await peakRssBytes(server.pid) }
}

export async function blobSection(ctx: Context): Promise<void> {
  const { settings, recorder, large } = ctx
  const servers = await Promise.all(CONTENDERS.map((name) => ctx.contender(name)))
  for (let runIndex = 0; runIndex < settings.runs; runIndex++) {
    for (const clients of settings.blobClients) {
      for (const server of rotate(servers, runIndex + clients)) {
        await warmFile(server.blobFile(large.repository, large.layerDigest))
        const t = await downloadBlob(server, large, clients, settings.transferTimeoutMs)
        const key = `blob.c${clients}`
        recorder.add(`${key}.throughput`, server.name, runIndex, t.bytes / MiB / t.seconds)
        recorder.add(`${key}.cpu_per_gib`, server.name, runIndex, t.cpuSeconds / (t.bytes / GiB))
        recorder.add(`${key}.peak_rss`, server.name, runIndex, t.peakRssBytes / MiB)
      }
    }
  }
}
