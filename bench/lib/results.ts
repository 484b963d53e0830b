// The results model: every measurement is a flat sample (metric, subject, run,
// value); summaries group samples by metric and subject into min/median/max.

import type { WorkflowRoute } from '../measure/workflow.ts'
import type { RuntimeName } from './runtimes.ts'

/**
 * A server (ours, nginx, distribution); for the client section, a client; for start-up, bare
 * `node -e 0`, a minimal node:http server, one of our runtimes (bench/lib/runtimes.ts), or a
 * trivial test run alone or wrapped by the localregistry_test launcher; for the workflow, a route
 * of an image into a node's containerd.
 */
export type Subject =
  'ours' | 'nginx' | 'distribution' | 'localregistry-pull' | 'skopeo-copy' | 'node' | 'node-http' | RuntimeName | 'unwrapped' | 'wrapped' | WorkflowRoute

export interface Sample {
  /** Dotted key, e.g. `blob.c4.throughput`: see METRICS in report/metrics.ts. */
  metric: string
  subject: Subject
  run: number
  value: number
}

export interface Summary {
  metric: string
  subject: Subject
  n: number
  min: number
  median: number
  max: number
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function summarize(samples: readonly Sample[]): Summary[] {
  const groups = new Map<string, Sample[]>()
  for (const s of samples) {
    const key = `${s.metric}\u0000${s.subject}`
    groups.set(key, [...(groups.get(key) ?? []), s])
  }
  return [...groups.values()].map((group) => {
    const values = group.map((s) => s.value)
    return {
      metric: group[0]!.metric,
      subject: group[0]!.subject,
      n: values.length,
      min: Math.min(...values),
      median: median(values),
      max: Math.max(...values),
    }
  })
}

/** Collects samples as the sections produce them, and logs each one. */
export class Recorder {
  readonly samples: Sample[] = []
  readonly #log: (line: string) => void

  constructor(log: (line: string) => void) {
    this.#log = log
  }

  add(metric: string, subject: Subject, run: number, value: number): void {
    if (!Number.isFinite(value)) throw new Error(`measurement ${metric} of ${subject} (run ${run}) is not a number: ${value}`)
    this.samples.push({ metric, subject, run, value })
    this.#log(`  ${metric} ${subject} run ${run}: ${formatNumber(value)}`)
  }
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  const abs = Math.abs(value)
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  if (abs >= 1) return value.toFixed(2)
  return value.toPrecision(2)
}

/** `items` rotated left by `by`: interleaves contenders so each takes each slot across runs. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return []
  const k = by % items.length
  return [...items.slice(k), ...items.slice(0, k)]
}
