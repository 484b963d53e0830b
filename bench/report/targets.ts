// The targets, judged on the medians of one run (only ratios inside one
// run mean anything on a shared machine).

import type { Settings } from '../lib/context.ts'
import type { RuntimeName } from '../lib/runtimes.ts'
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

export type Lookup = (metric: string, subject: Subject) => Summary | undefined

export function lookupIn(summaries: readonly Summary[]): Lookup {
  return (metric, subject) => summaries.find((s) => s.metric === metric && s.subject === subject)
}

export function evaluateTargets(summaries: readonly Summary[], settings: Settings, runtimes: readonly RuntimeName[]): TargetResult[] {
  const get = lookupIn(summaries)
  const results: TargetResult[] = []
  for (const clients of settings.blobClients) results.push(blobTarget(get, clients))
  results.push(...requestTargets(get, 'get', 0.6), ...requestTargets(get, 'head', 0.7))
  results.push(...startupTargets(get, settings, runtimes))
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

function requestTargets(get: Lookup, kind: 'get' | 'head', least: number): TargetResult[] {
  const what = kind === 'get' ? 'manifest GET by tag' : 'manifest HEAD by digest'
  const rpsTarget = `${what}: req/s ≥ ${least}× nginx`
  const p99Target = `${what}: p99 ≤ 2× nginx`
  const ours = get(`manifest.${kind}.rps`, 'ours')
  const nginx = get(`manifest.${kind}.rps`, 'nginx')
  const ourP99 = get(`manifest.${kind}.p99`, 'ours')
  const nginxP99 = get(`manifest.${kind}.p99`, 'nginx')
  const rps: TargetResult =
    ours && nginx
      ? ratioResult(rpsTarget, ours.median / nginx.median, `ours ${formatNumber(ours.median)}, nginx ${formatNumber(nginx.median)} req/s`, (r) => r >= least)
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

const RUNTIME_LABELS: Record<RuntimeName, string> = { bundle: 'the bundle', dist: 'dist/', sources: 'the .ts sources' }

function startupTargets(get: Lookup, settings: Settings, runtimes: readonly RuntimeName[]): TargetResult[] {
  const node = get('startup.first_200', 'node')
  const primary = runtimes[0] ?? 'dist'
  const versusNode = (target: string, ours: Summary | undefined, most: number): TargetResult =>
    ours && node
      ? ratioResult(target, ours.median / node.median, `${formatNumber(ours.median)} ms, bare node ${formatNumber(node.median)} ms`, (r) => r <= most)
      : missing(target)
  const results = [
    versusNode(`start-up, 1 image, ${RUNTIME_LABELS[primary]} (what a Bazel test runs): ≤ 2× bare \`node -e 0\``, get('startup.first_200', primary), 2),
    versusNode('start-up, 1 image, the .ts sources: ≤ 3× bare `node -e 0`', get('startup.first_200', 'sources'), 3),
  ]
  const thousand = settings.scale.images.includes(1000) ? 1000 : Math.max(...settings.scale.images)
  results.push(versusNode(`start-up, ${thousand} images: ≤ 4× bare \`node -e 0\``, get(`scale.images.${thousand}.startup`, 'ours'), 4))
  results.push(flatTarget(get, settings.scale.images))
  results.push(wrapperTarget(get, node))
  const layerTarget = 'start-up with the large layer ≤ 1.2× with a 1 KiB layer'
  const small = get('startup.first_200', primary)
  const large = get('startup.large_layer', primary)
  results.push(
    small && large
      ? ratioResult(layerTarget, large.median / small.median, `${formatNumber(large.median)} ms vs ${formatNumber(small.median)} ms`, (r) => r <= 1.2)
      : missing(layerTarget),
  )
  return results
}

/** What the localregistry_test launcher adds to a trivial test, against bare node's start. */
function wrapperTarget(get: Lookup, node: Summary | undefined): TargetResult {
  const target = 'the `localregistry_test` wrapper adds ≤ 2× bare `node -e 0` to a trivial test (launcher script outside Bazel)'
  const [alone, wrapped] = [get('startup.trivial_test', 'unwrapped'), get('startup.trivial_test', 'wrapped')]
  if (!alone || !wrapped || !node) return missing(target)
  const added = wrapped.median - alone.median
  return ratioResult(target, added / node.median, `adds ${formatNumber(added)} ms, bare node ${formatNumber(node.median)} ms`, (r) => r <= 2)
}

/** The cost of one more image, from one point of the images curve to the next. */
export function marginalCosts(get: Lookup, metric: (n: number) => string, subject: Subject, points: readonly number[]): (number | undefined)[] {
  return points.map((n, i) => {
    const here = get(metric(n), subject)
    const before = i === 0 ? undefined : get(metric(points[i - 1]!), subject)
    return here && before ? (here.median - before.median) / (n - points[i - 1]!) : undefined
  })
}

/** The last step's cost per image at most 1.5× the step before it (noise allowed for, growth not). */
function flatTarget(get: Lookup, points: readonly number[]): TargetResult {
  const most = Math.max(...points)
  const target = `start-up, ${most} images: cost per image flat (the last step's ms per image ≤ 1.5× the step before)`
  const costs = marginalCosts(get, (n) => `scale.images.${n}.startup`, 'ours', points)
  const [before, last] = costs.slice(-2)
  if (before === undefined || last === undefined) return missing(target)
  const ratio = last / before
  return ratioResult(target, ratio, `${formatNumber(last)} vs ${formatNumber(before)} ms per image`, (r) => r <= 1.5)
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
