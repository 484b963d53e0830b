// Names, units and direction of every metric, and which ones each section must produce.

import { CONTENDERS } from '../contenders/contender.ts'
import type { Settings } from '../lib/context.ts'
import type { Subject } from '../lib/results.ts'

export type Better = 'higher' | 'lower'

export interface MetricInfo {
  label: string
  unit: string
  better: Better
}

export const SECTIONS = ['blob', 'requests', 'memory', 'startup', 'pull'] as const
export type Section = (typeof SECTIONS)[number]

export function metricInfo(metric: string): MetricInfo {
  const blob = /^blob\.c(\d+)\.(\w+)$/.exec(metric)
  if (blob) {
    const clients = `${blob[1]} client${blob[1] === '1' ? '' : 's'}`
    if (blob[2] === 'throughput') return { label: `blob throughput, ${clients}`, unit: 'MiB/s', better: 'higher' }
    if (blob[2] === 'cpu_per_gib') return { label: `blob server CPU, ${clients}`, unit: 'CPU s/GiB', better: 'lower' }
    return { label: `blob server peak RSS, ${clients}`, unit: 'MiB', better: 'lower' }
  }
  const manifest = /^manifest\.(get|head)\.(\w+)$/.exec(metric)
  if (manifest) {
    const what = manifest[1] === 'get' ? 'manifest GET by tag' : 'manifest HEAD by digest'
    if (manifest[2] === 'rps') return { label: `${what}, req/s`, unit: 'req/s', better: 'higher' }
    if (manifest[2] === 'p99') return { label: `${what}, p99 latency`, unit: 'ms', better: 'lower' }
    return { label: `${what}, server CPU`, unit: 'CPU µs/req', better: 'lower' }
  }
  const startup = /^startup\.images_(\d+)$/.exec(metric)
  if (startup) return { label: `start-up to first GET, ${startup[1]} image${startup[1] === '1' ? '' : 's'} (1 KiB layer)`, unit: 'ms', better: 'lower' }
  if (metric === 'startup.large_layer') return { label: 'start-up to first GET, 1 image with the large layer', unit: 'ms', better: 'lower' }
  if (metric === 'memory.idle_rss') return { label: 'our server RSS before the 4 clients', unit: 'MiB', better: 'lower' }
  if (metric === 'memory.peak_rss') return { label: 'our server peak RSS, 4 clients pulling the large blob', unit: 'MiB', better: 'lower' }
  if (metric === 'pull.seconds') return { label: 'pull of the large image from our server', unit: 's', better: 'lower' }
  return { label: metric, unit: '', better: 'lower' }
}

/** Every (metric, subject) pair the selected sections must produce a number for. */
export function expectedMetrics(settings: Settings, sections: readonly Section[]): { metric: string; subject: Subject }[] {
  const expected: { metric: string; subject: Subject }[] = []
  const all = (metric: string): void => {
    for (const subject of CONTENDERS) expected.push({ metric, subject })
  }
  for (const section of sections) {
    if (section === 'blob') for (const c of settings.blobClients) for (const m of ['throughput', 'cpu_per_gib', 'peak_rss']) all(`blob.c${c}.${m}`)
    if (section === 'requests') for (const k of ['get', 'head']) for (const m of ['rps', 'p99', 'cpu_per_req']) all(`manifest.${k}.${m}`)
    if (section === 'memory') for (const m of ['idle_rss', 'peak_rss']) expected.push({ metric: `memory.${m}`, subject: 'ours' })
    if (section === 'startup') {
      for (const n of settings.startupCounts) expected.push({ metric: `startup.images_${n}`, subject: 'ours' })
      expected.push({ metric: 'startup.large_layer', subject: 'ours' })
    }
    if (section === 'pull') for (const subject of ['localregistry-pull', 'skopeo-copy'] as const) expected.push({ metric: 'pull.seconds', subject })
  }
  return expected
}
