// The targets, judged on the medians of one run (only ratios inside one
// run mean anything on a shared machine).

import type { Settings } from '../lib/context.ts'
import { formatNumber, type Subject, type Summary } from '../lib/results.ts'

export interface TargetResult {
  target: string
  /** What was measured, e.g. "1.12× (ours 950 MiB/s, faster baseline 850 MiB/s)". */
  measured: string
  /** undefined when a number is missing (the section did not run). */
  met: boolean | undefined
  /** The figure compared with the threshold, for the chart. */
  value?: number
}

type Lookup = (metric: string, subject: Subject) => Summary | undefined

export function lookupIn(summaries: readonly Summary[]): Lookup {
  return (metric, subject) => summaries.find((s) => s.metric === metric && s.subject === subject)
}

export function evaluateTargets(summaries: readonly Summary[], settings: Settings): TargetResult[] {
  const get = lookupIn(summaries)
  const results: TargetResult[] = []
  for (const clients of settings.blobClients) results.push(blobTarget(get, clients))
  for (const kind of ['get', 'head'] as const) results.push(...requestTargets(get, kind))
  results.push(...startupTargets(get, settings))
  results.push(memoryTarget(get))
  results.push(pullTarget(get))
  return results
}

function missing(target: string): TargetResult {
  return { target, measured: 'not measured', met: undefined }
}

function blobTarget(get: Lookup, clients: number): TargetResult {
  const target = `blob throughput, ${clients} client${clients === 1 ? '' : 's'}: ≥ 1.0× the faster of nginx and distribution`
  const metric = `blob.c${clients}.throughput`
  const ours = get(metric, 'ours')
  const others = [get(metric, 'nginx'), get(metric, 'distribution')].filter((s): s is Summary => s !== undefined)
  if (!ours || others.length === 0) return missing(target)
  const best = others.reduce((a, b) => (a.median >= b.median ? a : b))
  const ratio = ours.median / best.median
  return {
    target,
    measured: `${ratio.toFixed(2)}× (ours ${formatNumber(ours.median)} MiB/s, ${best.subject} ${formatNumber(best.median)} MiB/s)`,
    met: ratio >= 1.0,
    value: ratio,
  }
}

function requestTargets(get: Lookup, kind: 'get' | 'head'): TargetResult[] {
  const what = kind === 'get' ? 'manifest GET by tag' : 'manifest HEAD by digest'
  const rpsTarget = `${what}: req/s ≥ 0.6× nginx`
  const p99Target = `${what}: p99 ≤ 2× nginx`
  const ours = get(`manifest.${kind}.rps`, 'ours')
  const nginx = get(`manifest.${kind}.rps`, 'nginx')
  const ourP99 = get(`manifest.${kind}.p99`, 'ours')
  const nginxP99 = get(`manifest.${kind}.p99`, 'nginx')
  const rps: TargetResult =
    ours && nginx
      ? ratioResult(rpsTarget, ours.median / nginx.median, `ours ${formatNumber(ours.median)}, nginx ${formatNumber(nginx.median)} req/s`, (r) => r >= 0.6)
      : missing(rpsTarget)
  const p99: TargetResult =
    ourP99 && nginxP99
      ? ratioResult(
          p99Target,
          ourP99.median / nginxP99.median,
          `ours ${formatNumber(ourP99.median)} ms, nginx ${formatNumber(nginxP99.median)} ms`,
          (r) => r <= 2,
        )
      : missing(p99Target)
  return [rps, p99]
}

function ratioResult(target: string, ratio: number, detail: string, ok: (ratio: number) => boolean): TargetResult {
  return { target, measured: `${ratio.toFixed(2)}× (${detail})`, met: ok(ratio), value: ratio }
}

function startupTargets(get: Lookup, settings: Settings): TargetResult[] {
  const most = Math.max(...settings.startupCounts)
  const manyTarget = `start-up with ${most} images < 1 s`
  const many = get(`startup.images_${most}`, 'ours')
  const manyResult: TargetResult = many
    ? { target: manyTarget, measured: `median ${formatNumber(many.median)} ms (max ${formatNumber(many.max)} ms)`, met: many.median < 1000, value: many.median }
    : missing(manyTarget)
  const layerTarget = 'start-up with the large layer ≤ 1.2× with a 1 KiB layer'
  const small = get('startup.images_1', 'ours')
  const large = get('startup.large_layer', 'ours')
  const layerResult =
    small && large
      ? ratioResult(layerTarget, large.median / small.median, `${formatNumber(large.median)} ms vs ${formatNumber(small.median)} ms`, (r) => r <= 1.2)
      : missing(layerTarget)
  return [manyResult, layerResult]
}

function memoryTarget(get: Lookup): TargetResult {
  const target = 'peak RSS of our server < 150 MiB, 4 clients pulling the large blob'
  const peak = get('memory.peak_rss', 'ours')
  if (!peak) return missing(target)
  return { target, measured: `max ${formatNumber(peak.max)} MiB (median ${formatNumber(peak.median)} MiB)`, met: peak.max < 150, value: peak.max }
}

function pullTarget(get: Lookup): TargetResult {
  const target = '`localregistry pull` ≥ 2× as fast as `skopeo copy`'
  const ours = get('pull.seconds', 'localregistry-pull')
  const skopeo = get('pull.seconds', 'skopeo-copy')
  if (!ours || !skopeo) return missing(target)
  return ratioResult(target, skopeo.median / ours.median, `pull ${formatNumber(ours.median)} s, skopeo ${formatNumber(skopeo.median)} s`, (r) => r >= 2)
}
