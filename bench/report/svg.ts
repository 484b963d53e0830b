// A hand-made SVG bar chart: for each metric, how ours compares with nginx and
// with distribution, on a log scale centred on 1 (parity). Bars point right when
// ours is better: throughput and req/s are ours / baseline, latency, CPU and
// memory are baseline / ours. The client row is skopeo's time / ours.

import { lookupIn } from './targets.ts'
import { metricInfo } from './metrics.ts'
import type { Summary } from '../lib/results.ts'

export interface Bar {
  label: string
  against: string
  /** > 1: ours is better. */
  advantage: number
}

const COLORS: Record<string, string> = { nginx: '#2f6db5', distribution: '#d9822b', skopeo: '#5a9e4b', tarball: '#8e5ba8', push: '#b5452f' }
const LABEL_WIDTH = 340
/** Room between the labels and the plot for the value text of bars clipped on the left. */
const GUTTER = 100
const PLOT_WIDTH = 480
const BAR_HEIGHT = 14
const GROUP_GAP = 10
const MAX_DOUBLINGS = 4

export function bars(summaries: readonly Summary[]): Bar[] {
  const get = lookupIn(summaries)
  const result: Bar[] = []
  // Start-up and scaling have no baseline server: their tables and scale-svg.ts show them.
  const compared = (metric: string): boolean => !metric.startsWith('startup.') && !metric.startsWith('scale.')
  const metrics = [...new Set(summaries.filter((s) => s.subject === 'ours' && compared(s.metric)).map((s) => s.metric))]
  for (const metric of metrics) {
    const info = metricInfo(metric)
    const ours = get(metric, 'ours')
    for (const against of ['nginx', 'distribution'] as const) {
      const other = get(metric, against)
      if (!ours || !other || ours.median <= 0 || other.median <= 0) continue
      const advantage = info.better === 'higher' ? ours.median / other.median : other.median / ours.median
      result.push({ label: info.label, against, advantage })
    }
  }
  const pull = get('pull.seconds', 'localregistry-pull')
  const skopeo = get('pull.seconds', 'skopeo-copy')
  if (pull && skopeo && pull.median > 0) result.push({ label: 'pull of the large image (client)', against: 'skopeo', advantage: skopeo.median / pull.median })
  return result
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

export function ratioChart(summaries: readonly Summary[], title: string): string {
  return barChart(
    bars(summaries),
    title,
    'Bars right of 1× = ours better (log scale, clipped at 16×): ours/baseline for throughput and req/s, baseline/ours for latency, CPU, memory and time.',
  )
}

/** Grouped bars of ours against baselines, on a log scale centred on parity; `caption` says what a bar is. */
export function barChart(items: readonly Bar[], title: string, caption: string): string {
  const groups = [...new Set(items.map((b) => b.label))]
  const top = 64
  const centre = LABEL_WIDTH + GUTTER + PLOT_WIDTH / 2
  const perDoubling = PLOT_WIDTH / 2 / MAX_DOUBLINGS
  const xOf = (advantage: number): number => centre + Math.max(-MAX_DOUBLINGS, Math.min(MAX_DOUBLINGS, Math.log2(advantage))) * perDoubling
  const out: string[] = []
  let y = top
  for (const group of groups) {
    const groupBars = items.filter((b) => b.label === group)
    out.push(`<text x="${LABEL_WIDTH - 8}" y="${y + (groupBars.length * BAR_HEIGHT) / 2 + 4}" text-anchor="end">${escapeXml(group)}</text>`)
    for (const bar of groupBars) {
      const x = xOf(bar.advantage)
      const [left, width] = x >= centre ? [centre, x - centre] : [x, centre - x]
      const value = `${bar.advantage >= 10 ? bar.advantage.toFixed(0) : bar.advantage.toFixed(2)}× vs ${bar.against}`
      const textX = x >= centre ? x + 4 : x - 4
      out.push(
        `<rect x="${left.toFixed(1)}" y="${y + 1}" width="${Math.max(width, 1).toFixed(1)}" height="${BAR_HEIGHT - 2}" fill="${COLORS[bar.against] ?? '#888'}"/>`,
      )
      out.push(
        `<text x="${textX.toFixed(1)}" y="${y + BAR_HEIGHT - 3}" font-size="10" text-anchor="${x >= centre ? 'start' : 'end'}">${escapeXml(value)}</text>`,
      )
      y += BAR_HEIGHT
    }
    y += GROUP_GAP
  }
  const bottom = y
  const axis: string[] = []
  for (let d = -MAX_DOUBLINGS; d <= MAX_DOUBLINGS; d++) {
    const x = centre + d * perDoubling
    const label = d >= 0 ? `${2 ** d}×` : `1/${2 ** -d}`
    axis.push(`<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${bottom}" stroke="${d === 0 ? '#000' : '#ddd'}" stroke-width="${d === 0 ? 1.5 : 1}"/>`)
    axis.push(`<text x="${x}" y="${top - 10}" font-size="10" text-anchor="middle">${label}</text>`)
  }
  const used = Object.entries(COLORS).filter(([name]) => items.some((b) => b.against === name))
  const legend = used.map(
    ([name, color], i) =>
      `<rect x="${centre - PLOT_WIDTH / 2 + i * 140}" y="${bottom + 12}" width="10" height="10" fill="${color}"/><text x="${centre - PLOT_WIDTH / 2 + i * 140 + 14}" y="${bottom + 21}" font-size="11">vs ${name}</text>`,
  )
  const width = LABEL_WIDTH + GUTTER + PLOT_WIDTH + 110
  const height = bottom + 36
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>
<text x="10" y="38" font-size="11" fill="#444">${escapeXml(caption)}</text>
${axis.join('\n')}
${out.join('\n')}
${legend.join('\n')}
</svg>
`
}
