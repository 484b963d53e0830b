// Loading a layout must not read layer bytes: one whose single layer is 1 GiB should load about
// as fast as one whose layer is 1 KiB. Builds both in a temp dir, loads them interleaved, prints
// the median load time of each and their ratio.
//   node bench/load-layout.ts [--runs N] [--large-bytes BYTES]

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { readLayout } from '../src/oci/layout.ts'
import { buildFixtureLayout } from '../src/testing/fixtures.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, 'large-bytes': { type: 'string', default: String(1024 ** 3) } } })
const runs = Math.max(5, Number(values.runs))
const largeBytes = Number(values['large-bytes'])

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

async function timeLoad(dir: string): Promise<number> {
  const start = performance.now()
  await readLayout(dir)
  return performance.now() - start
}

const root = await mkdtemp(join(tmpdir(), 'localregistry-bench-'))
try {
  const build = performance.now()
  const small = (await buildFixtureLayout(join(root, 'small'), { kind: 'large', name: 'small', layerSize: 1024 })).dir
  const large = (await buildFixtureLayout(join(root, 'large'), { kind: 'large', name: 'large', layerSize: largeBytes })).dir
  console.log(`built layouts with a ${largeBytes}-byte and a 1024-byte layer in ${((performance.now() - build) / 1000).toFixed(1)} s`)
  await timeLoad(small) // warm up the module and JIT, not the data: loading never reads layers
  await timeLoad(large)
  const times = { small: [] as number[], large: [] as number[] }
  for (let i = 0; i < runs; i++) {
    const [first, second] = i % 2 === 0 ? (['small', 'large'] as const) : (['large', 'small'] as const)
    times[first].push(await timeLoad(first === 'small' ? small : large))
    times[second].push(await timeLoad(second === 'small' ? small : large))
  }
  const s = median(times.small)
  const l = median(times.large)
  console.log(`runs: ${runs} each, interleaved`)
  console.log(`1 KiB layer: median ${s.toFixed(2)} ms  (${times.small.map((x) => x.toFixed(2)).join(', ')})`)
  console.log(`${(largeBytes / 1024 ** 3).toFixed(2)} GiB layer: median ${l.toFixed(2)} ms  (${times.large.map((x) => x.toFixed(2)).join(', ')})`)
  console.log(`ratio large/small: ${(l / s).toFixed(2)}`)
} finally {
  await rm(root, { recursive: true, force: true })
}
