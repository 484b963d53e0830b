// Names, units and direction of every metric, and which ones each section must produce.

import { CONTENDERS } from '../contenders/contender.ts'
import type { Settings } from '../lib/context.ts'
import type { Subject } from '../lib/results.ts'
import type { RuntimeName } from '../lib/runtimes.ts'
import { NODE_RELEASES, type NodeReleaseName } from '../../e2e/launchers/containerd-node.ts'
import { WORKFLOW_NODES, WORKFLOW_RELEASES, WORKFLOW_ROUTES, workflowMetric } from '../measure/workflow.ts'

export type Better = 'higher' | 'lower'

export interface MetricInfo {
  label: string
  unit: string
  better: Better
}

export const SECTIONS = ['blob', 'requests', 'memory', 'startup', 'scale', 'pull', 'workflow'] as const
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
  if (metric === 'startup.first_200') return { label: 'start-up: spawn to the first 200 of a manifest GET, 1 image', unit: 'ms', better: 'lower' }
  if (metric === 'startup.idle_rss') return { label: 'idle RSS right after that first 200', unit: 'MiB', better: 'lower' }
  if (metric === 'startup.trivial_test') return { label: 'a trivial test (`exit 0`), spawn to exit', unit: 'ms', better: 'lower' }
  if (metric === 'startup.large_layer') return { label: 'start-up to first GET, 1 image with the large layer', unit: 'ms', better: 'lower' }
  const scale = /^scale\.(\w+)\.(\d+)\.(\w+)$/.exec(metric)
  if (scale) return SCALE_METRICS[scale[3]!] ?? { label: metric, unit: '', better: 'lower' }
  if (metric === 'memory.idle_rss') return { label: 'our server RSS before the 4 clients', unit: 'MiB', better: 'lower' }
  if (metric === 'memory.first_get_throughput')
    return { label: 'blob throughput of a fresh server, 4 clients (the first GET checks the file)', unit: 'MiB/s', better: 'higher' }
  if (metric === 'memory.peak_rss') return { label: 'our server peak RSS, 4 clients pulling the large blob', unit: 'MiB', better: 'lower' }
  if (metric === 'pull.seconds') return { label: 'pull of the large image from our server', unit: 's', better: 'lower' }
  const workflow = /^workflow\.(\w+)\.nodes(\d+)\.(seconds|written)$/.exec(metric)
  if (workflow) {
    const release = NODE_RELEASES[workflow[1] as NodeReleaseName]?.name ?? workflow[1]
    const one = workflow[2] === '1'
    if (workflow[3] === 'seconds')
      return { label: `the large image into ${one ? "1 node's" : `${workflow[2]} nodes'`} containerd (${release}), wall time`, unit: 's', better: 'lower' }
    return { label: `written outside the content store${one ? '' : 's'} of ${workflow[2]} node${one ? '' : 's'} (${release})`, unit: 'MiB', better: 'lower' }
  }
  return { label: metric, unit: '', better: 'lower' }
}

const SCALE_METRICS: Record<string, MetricInfo> = {
  startup: { label: 'start-up to the first 200', unit: 'ms', better: 'lower' },
  rss: { label: 'RSS after start-up', unit: 'MiB', better: 'lower' },
  manifest_rps: { label: 'manifest GET', unit: 'req/s', better: 'higher' },
  blob_mibs: { label: 'blob download', unit: 'MiB/s', better: 'higher' },
  pull: { label: 'pull of the index', unit: 's', better: 'lower' },
}

/** Every (metric, subject) pair the selected sections must produce a number for. */
export function expectedMetrics(
  settings: Settings,
  sections: readonly Section[],
  runtimes: readonly RuntimeName[],
  withWrapper: boolean,
): { metric: string; subject: Subject }[] {
  const expected: { metric: string; subject: Subject }[] = []
  const all = (metric: string): void => {
    for (const subject of CONTENDERS) expected.push({ metric, subject })
  }
  for (const section of sections) {
    if (section === 'blob') for (const c of settings.blobClients) for (const m of ['throughput', 'cpu_per_gib', 'peak_rss']) all(`blob.c${c}.${m}`)
    if (section === 'requests') for (const k of ['get', 'head']) for (const m of ['rps', 'p99', 'cpu_per_req']) all(`manifest.${k}.${m}`)
    if (section === 'memory') for (const m of ['idle_rss', 'peak_rss', 'first_get_throughput']) expected.push({ metric: `memory.${m}`, subject: 'ours' })
    if (section === 'startup') {
      for (const subject of ['node', 'node-http', ...runtimes] as const) expected.push({ metric: 'startup.first_200', subject })
      for (const subject of ['node-http', ...runtimes] as const) expected.push({ metric: 'startup.idle_rss', subject })
      expected.push({ metric: 'startup.large_layer', subject: runtimes[0]! })
      if (withWrapper) for (const subject of ['unwrapped', 'wrapped'] as const) expected.push({ metric: 'startup.trivial_test', subject })
    }
    if (section === 'scale') {
      const { scale } = settings
      for (const curve of ['images', 'layers'] as const)
        for (const n of scale[curve]) for (const m of ['startup', 'rss']) expected.push({ metric: `scale.${curve}.${n}.${m}`, subject: 'ours' })
      for (const n of scale.clients)
        for (const m of ['manifest_rps', 'blob_mibs'])
          for (const subject of ['ours', 'nginx'] as const) expected.push({ metric: `scale.clients.${n}.${m}`, subject })
      for (const n of scale.platforms) expected.push({ metric: `scale.platforms.${n}.pull`, subject: 'localregistry-pull' })
    }
    if (section === 'pull') for (const subject of ['localregistry-pull', 'skopeo-copy'] as const) expected.push({ metric: 'pull.seconds', subject })
    if (section === 'workflow')
      for (const release of WORKFLOW_RELEASES)
        for (const n of WORKFLOW_NODES)
          for (const m of ['seconds', 'written'] as const)
            for (const subject of WORKFLOW_ROUTES) expected.push({ metric: workflowMetric(release, n, m), subject })
  }
  return expected
}
