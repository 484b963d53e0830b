// Markdown tables: every metric with ours, nginx and distribution side by side
// (median, and min–max over the runs) and the ratios of the medians; the client
// comparison; the targets.

import type { Machine } from '../lib/machine.ts'
import { describeLoad, describeMachineLine, describeTools } from '../lib/machine.ts'
import { formatNumber, type Subject, type Summary } from '../lib/results.ts'
import type { RuntimeName } from '../lib/runtimes.ts'
import { metricInfo } from './metrics.ts'
import { lookupIn, type TargetResult } from './targets.ts'

export function cell(s: Summary | undefined): string {
  if (!s) return ''
  if (s.n === 1) return formatNumber(s.median)
  return `${formatNumber(s.median)} (${formatNumber(s.min)}–${formatNumber(s.max)})`
}

export function ratio(a: Summary | undefined, b: Summary | undefined): string {
  if (!a || !b || b.median === 0) return ''
  return `${(a.median / b.median).toFixed(2)}×`
}

/** Metrics in the order they were first measured (start-up and scaling have tables of their own). */
function metricsOf(summaries: readonly Summary[], subjects: readonly Subject[]): string[] {
  const own = (metric: string): boolean => !metric.startsWith('startup.') && !metric.startsWith('scale.')
  return [...new Set(summaries.filter((s) => subjects.includes(s.subject) && own(s.metric)).map((s) => s.metric))]
}

const RUNTIME_HEADINGS: Record<RuntimeName, string> = { bundle: 'bundle', dist: '`dist/`', sources: '`.ts` sources' }

/** Start-up next to bare node: each runtime, a minimal node:http server, and the ratios to `node -e 0`. */
export function startupTable(summaries: readonly Summary[], runtimes: readonly RuntimeName[]): string {
  const get = lookupIn(summaries)
  if (!get('startup.first_200', 'node')) return ''
  const subjects: Subject[] = ['node', 'node-http', ...runtimes]
  const lines = [
    `| measurement | unit | bare \`node -e 0\` | node:http server | ${runtimes.map((r) => RUNTIME_HEADINGS[r]).join(' | ')} | ${runtimes.map((r) => `${RUNTIME_HEADINGS[r]} / node`).join(' | ')} |`,
    `| --- | --- | ${subjects.map(() => '---:').join(' | ')} | ${runtimes.map(() => '---:').join(' | ')} |`,
  ]
  for (const metric of ['startup.first_200', 'startup.idle_rss']) {
    const info = metricInfo(metric)
    const node = get(metric, 'node') ?? get('startup.idle_rss', 'node-http')
    const cells = subjects.map((subject) => cell(get(metric, subject)))
    const ratios = metric === 'startup.first_200' ? runtimes.map((r) => ratio(get(metric, r), node)) : runtimes.map(() => '')
    lines.push(`| ${info.label} ↓ | ${info.unit} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`)
  }
  const large = runtimes.map((r) => get('startup.large_layer', r)).find((s) => s !== undefined)
  if (large)
    lines.push(
      `| ${metricInfo('startup.large_layer').label} ↓ | ms | | | ${runtimes.map((r) => cell(get('startup.large_layer', r))).join(' | ')} | ${runtimes.map(() => '').join(' | ')} |`,
    )
  const [alone, wrapped] = [get('startup.trivial_test', 'unwrapped'), get('startup.trivial_test', 'wrapped')]
  const node = get('startup.first_200', 'node')
  if (alone && wrapped && node) {
    const added = wrapped.median - alone.median
    lines.push(
      '',
      '| a trivial test (`exit 0`), spawn to exit ↓ | unwrapped | wrapped by the `localregistry_test` launcher | added by the wrapper | added / bare node |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| ms | ${cell(alone)} | ${cell(wrapped)} | ${formatNumber(added)} | ${(added / node.median).toFixed(2)}× |`,
    )
  }
  return lines.join('\n')
}

/** One scaling curve: each point's median, the cost per item, and the cost of each item added since the point before. */
export function scaleTable(summaries: readonly Summary[], curve: ScaleCurve): string {
  const get = lookupIn(summaries)
  const points = [...new Set(summaries.flatMap((s) => (s.metric.startsWith(`scale.${curve.name}.`) ? [Number(s.metric.split('.')[2])] : [])))].sort(
    (a, b) => a - b,
  )
  if (points.length === 0) return ''
  const header = [curve.item]
  const align = ['---:']
  for (const { metric, heading } of curve.columns) {
    const { unit } = metricInfo(`scale.${curve.name}.1.${metric}`)
    header.push(`${heading} (${unit})`, `${unit} per ${curve.unitItem}`)
    align.push('---:', '---:')
    if (curve.marginal) {
      header.push(`added per ${curve.unitItem} since the row before`)
      align.push('---:')
    }
  }
  const lines = [`| ${header.join(' | ')} |`, `| ${align.join(' | ')} |`]
  for (const [i, n] of points.entries()) {
    const row = [n.toLocaleString('en')]
    for (const { metric, subject } of curve.columns) {
      const here = get(`scale.${curve.name}.${n}.${metric}`, subject)
      row.push(cell(here), here ? formatNumber(here.median / n) : '')
      if (curve.marginal) {
        const previous = i === 0 ? undefined : get(`scale.${curve.name}.${points[i - 1]}.${metric}`, subject)
        row.push(here && previous ? formatNumber((here.median - previous.median) / (n - points[i - 1]!)) : '')
      }
    }
    lines.push(`| ${row.join(' | ')} |`)
  }
  return lines.join('\n')
}

export interface ScaleCurve {
  name: string
  title: string
  item: string
  unitItem: string
  /** Also the cost of each item added (start-up and memory, where a fixed cost comes first). */
  marginal: boolean
  columns: { metric: string; subject: Subject; heading: string }[]
}

export const SCALE_CURVES: readonly ScaleCurve[] = [
  {
    name: 'images',
    title: 'Start-up and RSS vs images served (one-layer images, `serve --manifest`, through a runfiles directory)',
    item: 'images',
    unitItem: 'image',
    marginal: true,
    columns: [
      { metric: 'startup', subject: 'ours', heading: 'start-up' },
      { metric: 'rss', subject: 'ours', heading: 'RSS' },
    ],
  },
  {
    name: 'layers',
    title: 'Start-up and RSS vs layers of one image (`serve --image`)',
    item: 'layers',
    unitItem: 'layer',
    marginal: true,
    columns: [
      { metric: 'startup', subject: 'ours', heading: 'start-up' },
      { metric: 'rss', subject: 'ours', heading: 'RSS' },
    ],
  },
  {
    name: 'clients',
    title: 'Throughput vs concurrent clients, ours and nginx',
    item: 'clients',
    unitItem: 'client',
    marginal: false,
    columns: [
      { metric: 'manifest_rps', subject: 'ours', heading: 'ours manifest GET' },
      { metric: 'manifest_rps', subject: 'nginx', heading: 'nginx manifest GET' },
      { metric: 'blob_mibs', subject: 'ours', heading: 'ours blob' },
      { metric: 'blob_mibs', subject: 'nginx', heading: 'nginx blob' },
    ],
  },
  {
    name: 'platforms',
    title: 'Pull of an index by `localregistry pull` vs platforms in it (one-layer images)',
    item: 'platforms',
    unitItem: 'platform',
    marginal: true,
    columns: [{ metric: 'pull', subject: 'localregistry-pull', heading: 'pull' }],
  },
]

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
  /** The runtimes measured, the one a Bazel test uses first. */
  runtimes: readonly RuntimeName[]
  summaries: readonly Summary[]
  targets: readonly TargetResult[]
  errors: readonly string[]
  /** Relative paths of the charts from the markdown file, if any. */
  chart?: string
  scaleChart?: string
}

/** How, when and where the numbers were measured: the paragraphs that open a report. */
export function runHeader(r: RunInput): string[] {
  return [
    `Run ${r.date} on commit \`${r.commit}\`${r.smoke ? ' (**smoke run: tiny sizes, numbers meaningless**)' : ''}: ${r.runs} run${r.runs === 1 ? '' : 's'} of each measurement, interleaved; the large layer is ${formatBytes(r.largeLayerSize)}. Cells show the median (min–max); ratios are of medians. ↑ higher is better, ↓ lower is better.`,
    '',
    `Machine: ${describeMachineLine(r.machine)}; ${describeLoad(r.machine)} (${r.machine.nproc} cores). Tools: ${describeTools(r.machine)}.`,
  ]
}

/** What a report says about the run itself. */
export type RunInput = Pick<ReportInput, 'machine' | 'date' | 'commit' | 'runs' | 'smoke' | 'largeLayerSize'>

/** The whole report as markdown (BENCHMARKS.md's generated part, and results/report.md). */
export function markdownReport(r: ReportInput): string {
  const parts = [...runHeader(r), '', '### Targets', '', targetTable(r.targets), '', '### Servers', '', serverTable(r.summaries)]
  const startup = startupTable(r.summaries, r.runtimes)
  if (startup !== '') parts.push('', '### Start-up', '', startup)
  const scales = SCALE_CURVES.map((curve) => [curve, scaleTable(r.summaries, curve)] as const).filter(([, table]) => table !== '')
  if (scales.length > 0) parts.push('', '### Scaling')
  for (const [curve, table] of scales) parts.push('', `#### ${curve.title}`, '', table)
  if (scales.length > 0 && r.scaleChart) parts.push('', `![scaling curves](${r.scaleChart})`)
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
