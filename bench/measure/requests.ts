// Manifest requests: `ab -k -c 32 -t 10` of GET by tag and HEAD by digest (`-i`),
// the same tool for both (wrk cannot do HEAD), with a registry client's Accept
// header. Records requests/s, p99 latency (from ab's CSV percentiles, which keep
// fractions of a millisecond) and the server's CPU time per request.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { run } from '../../e2e/tools/exec.ts'
import { toolPath } from '../../e2e/tools/require-tool.ts'
import { CONTENDERS, type Contender } from '../contenders/contender.ts'
import type { Context } from '../lib/context.ts'
import { MANIFEST_ACCEPT, type BenchImage } from '../lib/fixtures.ts'
import { cpuSeconds } from '../lib/proc.ts'
import { rotate } from '../lib/results.ts'

export type RequestKind = 'get' | 'head'

export interface LoadResult {
  requests: number
  requestsPerSecond: number
  p99Ms: number
  cpuSeconds: number
}

export interface LoadOptions {
  seconds: number
  cap: number
  concurrency: number
  csvPath: string
}

export function manifestUrl(server: Contender, image: BenchImage, kind: RequestKind): string {
  const ref = kind === 'get' ? image.tag : image.manifestDigest
  return `${server.url}/v2/${image.repository}/manifests/${ref}`
}

export async function loadManifest(server: Contender, image: BenchImage, kind: RequestKind, options: LoadOptions): Promise<LoadResult> {
  const url = manifestUrl(server, image, kind)
  // -t before -n: ab's -t resets the request cap to 50,000, -n after it raises it again.
  const args = [
    '-q',
    '-k',
    '-c',
    String(options.concurrency),
    '-t',
    String(options.seconds),
    '-n',
    String(options.cap),
    '-s',
    '10',
    '-H',
    `Accept: ${MANIFEST_ACCEPT}`,
    '-e',
    options.csvPath,
  ]
  if (kind === 'head') args.push('-i')
  args.push(url)
  const cpuBefore = await cpuSeconds(server.pid)
  const { stdout } = await run(toolPath('ab'), args, { timeoutMs: (options.seconds + 30) * 1000 })
  const cpuAfter = await cpuSeconds(server.pid)
  const complete = abField(stdout, 'Complete requests')
  const failed = abField(stdout, 'Failed requests')
  const non2xx = /^Non-2xx responses:\s+(\d+)/m.exec(stdout)
  if (complete === 0 || failed > 0 || non2xx) {
    throw new Error(
      `${server.name}: ab ${kind.toUpperCase()} ${url}: ${complete} complete, ${failed} failed, ${non2xx?.[1] ?? 0} non-2xx\n${stdout.slice(-1500)}`,
    )
  }
  return {
    requests: complete,
    requestsPerSecond: abField(stdout, 'Requests per second'),
    p99Ms: await percentile(options.csvPath, 99),
    cpuSeconds: cpuAfter - cpuBefore,
  }
}

function abField(stdout: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+([\\d.]+)`, 'm').exec(stdout)
  if (!match) throw new Error(`ab printed no "${name}":\n${stdout.slice(-1500)}`)
  return Number(match[1])
}

/** ab's `-e` CSV: "Percentage served,Time in ms" then one row per percent 0..100. */
async function percentile(csvPath: string, percent: number): Promise<number> {
  const rows = (await readFile(csvPath, 'utf8')).split('\n').slice(1)
  const row = rows.find((line) => line.split(',')[0] === String(percent))
  if (row === undefined) throw new Error(`no ${percent}th percentile in ${csvPath}`)
  return Number(row.split(',')[1])
}

export async function requestsSection(ctx: Context): Promise<void> {
  const { settings, recorder, large } = ctx
  const servers = await Promise.all(CONTENDERS.map((name) => ctx.contender(name)))
  const kinds: RequestKind[] = ['get', 'head']
  for (let runIndex = 0; runIndex < settings.runs; runIndex++) {
    for (const kind of kinds) {
      for (const server of rotate(servers, runIndex)) {
        const csvPath = join(ctx.workDir, `ab-${server.name}-${kind}-${runIndex}.csv`)
        const r = await loadManifest(server, large, kind, {
          seconds: settings.requestSeconds,
          cap: settings.requestCap,
          concurrency: settings.requestConcurrency,
          csvPath,
        })
        recorder.add(`manifest.${kind}.rps`, server.name, runIndex, r.requestsPerSecond)
        recorder.add(`manifest.${kind}.p99`, server.name, runIndex, r.p99Ms)
        recorder.add(`manifest.${kind}.cpu_per_req`, server.name, runIndex, (r.cpuSeconds / r.requests) * 1e6)
      }
    }
  }
}
