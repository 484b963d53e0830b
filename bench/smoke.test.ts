// Runs the benchmark's smoke mode (tiny sizes, one run, every contender) so the
// harness cannot rot: it asserts only that every measurement produced a number,
// never a timing (the machine is shared and noisy).

import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { run } from '../e2e/tools/exec.ts'
import { haveTools } from '../e2e/tools/require-tool.ts'
import { haveSidPackages } from '../e2e/tools/sid-debs.ts'
import { makeTempDir } from '../test/support/temp-dir.ts'

const RUN_TS = fileURLToPath(new URL('./run.ts', import.meta.url))

interface Results {
  errors: string[]
  summaries: { metric: string; subject: string; median: number }[]
}

test('the benchmark smoke run gives every measurement of every contender a number', { timeout: 300_000 }, async (t) => {
  if (
    !haveTools(t, 'curl', 'ab', 'nginx', 'docker-registry', 'skopeo', 'containerd', 'ctr', 'runc') ||
    !haveSidPackages(t, 'containerd', 'golang-github-kubernetes-cri-api-dev')
  )
    return
  await using out = await makeTempDir('bench-smoke-')
  await run(process.execPath, [RUN_TS, '--smoke', '--out', out.path], { timeoutMs: 280_000 })
  const results = JSON.parse(await readFile(out.join('results.json'), 'utf8')) as Results
  assert.deepEqual(results.errors, [])
  const subjects = new Set(results.summaries.map((s) => s.subject))
  for (const subject of ['ours', 'nginx', 'distribution', 'localregistry-pull', 'skopeo-copy', 'serve-pull', 'tarball-import', 'push-pull'])
    assert.ok(subjects.has(subject), `no numbers for ${subject}`)
  for (const s of results.summaries) assert.ok(Number.isFinite(s.median), `${s.metric} of ${s.subject} is ${s.median}`)
  const svg = await readFile(out.join('chart.svg'), 'utf8')
  assert.match(svg, /^<svg /)
  assert.match(await readFile(out.join('workflow.svg'), 'utf8'), /^<svg /)
})
