// Markdown tables: every metric with ours, nginx and distribution side by side
// (median, and min–max over the runs) and the ratios of the medians; the client
// comparison; the targets.

import type { Machine } from '../lib/machine.ts'
import { describeLoad, describeMachineLine, describeTools } from '../lib/machine.ts'
import { formatNumber, type Subject, type Summary } from '../lib/results.ts'
import { metricInfo } from './metrics.ts'
import { lookupIn, type TargetResult } from './targets.ts'

function cell(s: Summary | undefined): string {
  if (!s) return ''
  if (s.n === 1) return formatNumber(s.median)
  return `${formatNumber(s.median)} (${formatNumber(s.min)}–${formatNumber(s.max)})`
}

function ratio(a: Summary | undefined, b: Summary | undefined): string {
  if (!a || !b || b.median === 0) return ''
  return `${(a.median / b.median).toFixed(2)}×`
}

/** Metrics in the order they were first measured. */
function metricsOf(summaries: readonly Summary[], subjects: readonly Subject[]): string[] {
  return [...new Set(summaries.filter((s) => subjects.includes(s.subject)).map((s) => s.metric))]
}

export function serverTable(summaries: readonly Summary[]): string {
  const get = lookupIn(summaries)
  const lines = [
    '| measurement | unit | ours | nginx | distribution | ours / nginx | ours / distribution |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const metric of metricsOf(summaries, ['ours', 'nginx', 'distribution'])) {
    const info = metricInfo(metric)
    const [ours, nginx, dist] = [get(metric, 'ours'), get(metric, 'nginx'), get(metric, 'distribution')]
    const arrow = info.better === 'higher' ? '↑' : '↓'
    lines.push(`| ${info.label} ${arrow} | ${info.unit} | ${cell(ours)} | ${cell(nginx)} | ${cell(dist)} | ${ratio(ours, nginx)} | ${ratio(ours, dist)} |`)
  }
  return lines.join('\n')
}

export function clientTable(summaries: readonly Summary[]): string {
  const get = lookupIn(summaries)
  const ours = get('pull.seconds', 'localregistry-pull')
  const skopeo = get('pull.seconds', 'skopeo-copy')
  if (!ours && !skopeo) return ''
  return [
    '| measurement | unit | `localregistry pull` | `skopeo copy` | skopeo / ours (speed-up) |',
    '| --- | --- | ---: | ---: | ---: |',
    `| ${metricInfo('pull.seconds').label} ↓ | s | ${cell(ours)} | ${cell(skopeo)} | ${ratio(skopeo, ours)} |`,
  ].join('\n')
}

export function targetTable(targets: readonly TargetResult[]): string {
  const mark = (met: boolean | undefined): string => (met === undefined ? '–' : met ? '✅ met' : '❌ missed')
  return ['| target | measured | |', '| --- | --- | --- |', ...targets.map((t) => `| ${t.target} | ${t.measured} | ${mark(t.met)} |`)].join('\n')
}

export interface ReportInput {
  machine: Machine
  date: string
  commit: string
  runs: number
  smoke: boolean
  largeLayerSize: number
  summaries: readonly Summary[]
  targets: readonly TargetResult[]
  errors: readonly string[]
  /** Relative path of the chart from the markdown file, if any. */
  chart?: string
}

/** The whole report as markdown (BENCHMARKS.md's generated part, and results/report.md). */
export function markdownReport(r: ReportInput): string {
  const parts = [
    `Run ${r.date} on commit \`${r.commit}\`${r.smoke ? ' (**smoke run: tiny sizes, numbers meaningless**)' : ''}: ${r.runs} run${r.runs === 1 ? '' : 's'} of each measurement, interleaved; the large layer is ${formatBytes(r.largeLayerSize)}. Cells show the median (min–max); ratios are of medians. ↑ higher is better, ↓ lower is better.`,
    '',
    `Machine: ${describeMachineLine(r.machine)}; ${describeLoad(r.machine)} (${r.machine.nproc} cores). Tools: ${describeTools(r.machine)}.`,
    '',
    '### Targets',
    '',
    targetTable(r.targets),
    '',
    '### Servers',
    '',
    serverTable(r.summaries),
  ]
  const client = clientTable(r.summaries)
  if (client !== '') parts.push('', '### Client', '', client)
  if (r.chart) parts.push('', `![ours relative to nginx and distribution](${r.chart})`)
  if (r.errors.length > 0) parts.push('', '### Errors', '', ...r.errors.map((e) => `- ${e.split('\n')[0]}`))
  return `${parts.join('\n')}\n`
}

function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${formatNumber(bytes / 2 ** 30)} GiB`
  if (bytes >= 2 ** 20) return `${formatNumber(bytes / 2 ** 20)} MiB`
  return `${formatNumber(bytes / 2 ** 10)} KiB`
}
