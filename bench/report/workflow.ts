// The workflow section's report: per node release, a table of each route's wall time and bytes
// written outside the nodes' stores (1 and 4 nodes), its targets and its chart. Published into a block of its
// own in BENCHMARKS.md, so a run of this section alone keeps the other sections' numbers.

import { formatNumber, type Summary } from '../lib/results.ts'
import { NODE_RELEASES, type NodeReleaseName } from '../../e2e/launchers/containerd-node.ts'
import { WORKFLOW_NODES, WORKFLOW_RELEASES, WORKFLOW_ROUTES, workflowMetric, type WorkflowRoute } from '../measure/workflow.ts'
import { cell, ratio, runHeader, targetTable, type RunInput } from './table.ts'
import { lookupIn, type Lookup, type TargetResult } from './targets.ts'
import { barChart, type Bar } from './svg.ts'

const ROUTE_LABELS: Record<WorkflowRoute, string> = {
  'serve-pull': "ours: `localregistry serve --client-config`, each node's CRI `PullImage` through its `hosts.toml`",
  'tarball-import': "the tarball (rules_oci's `oci_load`): `skopeo copy oci:… docker-archive:FILE`, each node `ctr -n k8s.io images import FILE`",
  'push-pull': "the push: distribution started, `skopeo copy oci:… docker://…`, each node's CRI `PullImage` through a `hosts.toml`",
}

/** The short names of the baselines, for targets and the chart. */
const AGAINST: Record<Exclude<WorkflowRoute, 'serve-pull'>, string> = { 'tarball-import': 'tarball', 'push-pull': 'push' }

/** Below this, a route wrote none of the image outside the nodes (our client configuration is a few KiB). */
const NOTHING_MIB = 1

function nodesLabel(n: number): string {
  return `${n} node${n === 1 ? '' : 's'}`
}

export function hasWorkflow(summaries: readonly Summary[]): boolean {
  return summaries.some((s) => s.metric.startsWith('workflow.'))
}

/** The table of one node release. */
export function workflowTable(summaries: readonly Summary[], release: NodeReleaseName): string {
  const get = lookupIn(summaries)
  const seconds = (n: number, route: WorkflowRoute): Summary | undefined => get(workflowMetric(release, n, 'seconds'), route)
  const header = ['route']
  for (const n of WORKFLOW_NODES)
    header.push(`${nodesLabel(n)}: wall time (s) ↓`, `${nodesLabel(n)}: written outside the node store${n === 1 ? '' : 's'} (MiB) ↓`)
  header.push(...WORKFLOW_NODES.map((n) => `time / ours, ${nodesLabel(n)}`))
  const lines = [
    `| ${header.join(' | ')} |`,
    `| --- | ${header
      .slice(1)
      .map(() => '---:')
      .join(' | ')} |`,
  ]
  for (const route of WORKFLOW_ROUTES) {
    const row = [ROUTE_LABELS[route]]
    for (const n of WORKFLOW_NODES) row.push(cell(seconds(n, route)), cell(get(workflowMetric(release, n, 'written'), route)))
    row.push(...WORKFLOW_NODES.map((n) => ratio(seconds(n, route), seconds(n, 'serve-pull'))))
    lines.push(`| ${row.join(' | ')} |`)
  }
  return lines.join('\n')
}

/** The releases this run measured. */
function measuredReleases(summaries: readonly Summary[]): NodeReleaseName[] {
  return WORKFLOW_RELEASES.filter((release) => summaries.some((s) => s.metric.startsWith(`workflow.${release}.`)))
}

export function workflowTargets(summaries: readonly Summary[]): TargetResult[] {
  const get = lookupIn(summaries)
  return measuredReleases(summaries).flatMap((release) => [...WORKFLOW_NODES.map((n) => speedTarget(get, release, n)), writtenTarget(get, release)])
}

function speedTarget(get: Lookup, release: NodeReleaseName, n: number): TargetResult {
  const target = `${NODE_RELEASES[release].name}, the large image into ${nodesLabel(n)}: ours ≥ 2× as fast as the tarball route and the push route`
  const metric = workflowMetric(release, n, 'seconds')
  const ours = get(metric, 'serve-pull')
  const others = (['tarball-import', 'push-pull'] as const).map((route) => [route, get(metric, route)] as const)
  if (!ours || others.some(([, s]) => !s)) return { target, measured: 'not measured', met: undefined }
  const ratios = others.map(([route, s]) => [route, s!.median / ours.median] as const)
  const worst = Math.min(...ratios.map(([, r]) => r))
  const detail = ratios.map(([route, r]) => `${AGAINST[route]} ${r.toFixed(2)}×`).join(', ')
  const times = [`ours ${formatNumber(ours.median)} s`, ...others.map(([route, s]) => `${AGAINST[route]} ${formatNumber(s!.median)} s`)].join(', ')
  return { target, measured: `${detail} (${times})`, met: worst >= 2, value: worst }
}

function writtenTarget(get: Lookup, release: NodeReleaseName): TargetResult {
  const target = `${NODE_RELEASES[release].name}: ours writes nothing of the image outside the nodes' content stores (< ${NOTHING_MIB} MiB)`
  const written = WORKFLOW_NODES.map((n) => get(workflowMetric(release, n, 'written'), 'serve-pull'))
  if (written.some((s) => !s)) return { target, measured: 'not measured', met: undefined }
  const most = Math.max(...written.map((s) => s!.max))
  return { target, measured: `at most ${formatNumber(most * 1024)} KiB`, met: most < NOTHING_MIB, value: most }
}

/** Bars of how much faster ours is than each other route, per node release, 1 and 4 nodes. */
function workflowBars(summaries: readonly Summary[]): Bar[] {
  const get = lookupIn(summaries)
  const bars: Bar[] = []
  for (const release of measuredReleases(summaries))
    for (const n of WORKFLOW_NODES) {
      const metric = workflowMetric(release, n, 'seconds')
      const ours = get(metric, 'serve-pull')
      for (const route of ['tarball-import', 'push-pull'] as const) {
        const other = get(metric, route)
        if (ours && other && ours.median > 0)
          bars.push({ label: `${NODE_RELEASES[release].name}, ${nodesLabel(n)}`, against: AGAINST[route], advantage: other.median / ours.median })
      }
    }
  return bars
}

export function workflowChart(summaries: readonly Summary[], title: string): string {
  return barChart(workflowBars(summaries), title, "Bars right of 1× = ours faster (log scale, clipped at 16×): the route's wall time / ours.")
}

export interface WorkflowReportInput extends RunInput {
  summaries: readonly Summary[]
  /** The run's errors: those of this section are listed. */
  errors: readonly string[]
  /** Relative path of the chart from the markdown file, if any. */
  chart?: string
}

/** The workflow block: how it was run, the targets, the table, the chart. */
export function workflowReport(r: WorkflowReportInput): string {
  const parts = [...runHeader(r), '', targetTable(workflowTargets(r.summaries))]
  for (const release of measuredReleases(r.summaries)) parts.push('', `#### ${NODE_RELEASES[release].name}`, '', workflowTable(r.summaries, release))
  if (r.chart) parts.push('', `![ours against the tarball and the push route](${r.chart})`)
  const errors = r.errors.filter((e) => e.includes('workflow'))
  if (errors.length > 0) parts.push('', '#### Errors', '', ...errors.map((e) => `- ${e.split('\n')[0]}`))
  return `${parts.join('\n')}\n`
}
