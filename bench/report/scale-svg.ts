// A hand-made SVG of the scaling curves: one small panel per measurement, the number of items
// on a log scale (x), the median on a linear scale from 0 (y), the min–max of the runs as a
// whisker, one line per subject (ours, and nginx where it was measured too).

import { formatNumber, type Subject, type Summary } from '../lib/results.ts'
import { metricInfo } from './metrics.ts'
import { escapeXml } from './svg.ts'

interface Panel {
  curve: string
  metric: string
  title: string
  xLabel: string
}

const PANELS: readonly Panel[] = [
  { curve: 'images', metric: 'startup', title: 'start-up vs images served', xLabel: 'images' },
  { curve: 'images', metric: 'rss', title: 'RSS vs images served', xLabel: 'images' },
  { curve: 'layers', metric: 'startup', title: 'start-up vs layers of one image', xLabel: 'layers' },
  { curve: 'clients', metric: 'manifest_rps', title: 'manifest GET vs concurrent clients', xLabel: 'clients' },
  { curve: 'clients', metric: 'blob_mibs', title: 'blob download vs concurrent clients', xLabel: 'clients' },
  { curve: 'platforms', metric: 'pull', title: 'pull of an index vs its platforms', xLabel: 'platforms' },
]

const LINE_COLORS: Partial<Record<Subject, string>> = { ours: '#c0392b', 'localregistry-pull': '#c0392b', nginx: '#2f6db5' }
const PANEL_WIDTH = 300
const PANEL_HEIGHT = 190
const MARGIN = { left: 58, right: 16, top: 26, bottom: 36 }
const COLUMNS = 3

interface Point {
  n: number
  summary: Summary
}

export function scaleChart(summaries: readonly Summary[], title: string): string | undefined {
  const drawn = PANELS.map((panel) => drawPanel(panel, summaries)).filter((p): p is string => p !== undefined)
  if (drawn.length === 0) return undefined
  const rows = Math.ceil(drawn.length / COLUMNS)
  const width = COLUMNS * PANEL_WIDTH + 20
  const height = rows * PANEL_HEIGHT + 70
  const placed = drawn.map(
    (svg, i) => `<g transform="translate(${10 + (i % COLUMNS) * PANEL_WIDTH},${50 + Math.floor(i / COLUMNS) * PANEL_HEIGHT})">${svg}</g>`,
  )
  const legend = Object.entries({ ours: LINE_COLORS.ours, nginx: LINE_COLORS.nginx })
    .map(
      ([name, color], i) =>
        `<rect x="${10 + i * 90}" y="${height - 16}" width="10" height="10" fill="${color}"/><text x="${24 + i * 90}" y="${height - 7}" font-size="11">${name}</text>`,
    )
    .join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>
<text x="10" y="38" fill="#444">Medians, with the min–max of the runs as whiskers; items on a log scale, values on a linear scale from 0.</text>
${placed.join('\n')}
${legend}
</svg>
`
}

function pointsOf(summaries: readonly Summary[], curve: string, metric: string): Map<Subject, Point[]> {
  const bySubject = new Map<Subject, Point[]>()
  for (const s of summaries) {
    const match = new RegExp(`^scale\\.${curve}\\.(\\d+)\\.${metric}$`).exec(s.metric)
    if (!match) continue
    bySubject.set(s.subject, [...(bySubject.get(s.subject) ?? []), { n: Number(match[1]), summary: s }])
  }
  for (const points of bySubject.values()) points.sort((a, b) => a.n - b.n)
  return bySubject
}

function drawPanel(panel: Panel, summaries: readonly Summary[]): string | undefined {
  const series = pointsOf(summaries, panel.curve, panel.metric)
  const all = [...series.values()].flat()
  if (all.length === 0) return undefined
  const { unit } = metricInfo(`scale.${panel.curve}.1.${panel.metric}`)
  const plotW = PANEL_WIDTH - MARGIN.left - MARGIN.right
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom
  const ns = [...new Set(all.map((p) => p.n))].sort((a, b) => a - b)
  const [minLog, maxLog] = [Math.log10(ns[0]!), Math.log10(ns.at(-1)!)]
  const x = (n: number): number => MARGIN.left + (maxLog === minLog ? plotW / 2 : ((Math.log10(n) - minLog) / (maxLog - minLog)) * plotW)
  const top = niceCeiling(Math.max(...all.map((p) => p.summary.max)))
  const y = (v: number): number => MARGIN.top + plotH - (v / top) * plotH
  const out: string[] = [`<text x="${MARGIN.left}" y="14" font-weight="bold">${escapeXml(panel.title)}</text>`]
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4
    out.push(`<line x1="${MARGIN.left}" y1="${y(v).toFixed(1)}" x2="${MARGIN.left + plotW}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${MARGIN.left - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="10">${formatNumber(v)}</text>`)
  }
  for (const n of ns)
    out.push(`<text x="${x(n).toFixed(1)}" y="${MARGIN.top + plotH + 14}" text-anchor="middle" font-size="10">${n.toLocaleString('en')}</text>`)
  out.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH + 28}" text-anchor="middle" font-size="10" fill="#444">${escapeXml(panel.xLabel)}</text>`,
  )
  out.push(
    `<text x="12" y="${MARGIN.top + plotH / 2}" text-anchor="middle" font-size="10" fill="#444" transform="rotate(-90 12 ${MARGIN.top + plotH / 2})">${escapeXml(unit)}</text>`,
  )
  for (const [subject, points] of series) {
    const color = LINE_COLORS[subject] ?? '#888'
    const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.n).toFixed(1)},${y(p.summary.median).toFixed(1)}`).join(' ')
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="1.5"/>`)
    for (const p of points) {
      const px = x(p.n).toFixed(1)
      out.push(`<line x1="${px}" y1="${y(p.summary.min).toFixed(1)}" x2="${px}" y2="${y(p.summary.max).toFixed(1)}" stroke="${color}" stroke-opacity="0.5"/>`)
      out.push(`<circle cx="${px}" cy="${y(p.summary.median).toFixed(1)}" r="2.5" fill="${color}"/>`)
    }
  }
  return out.join('\n')
}

/** 1, 2 or 5 times a power of ten, at least `v`. */
function niceCeiling(v: number): number {
  if (!(v > 0)) return 1
  const power = 10 ** Math.floor(Math.log10(v))
  return [1, 2, 5, 10].map((m) => m * power).find((c) => c >= v) ?? 10 * power
}
