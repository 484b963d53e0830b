// Runs the real Bazel e2e (e2e/bazel/run.sh): the localregistry_manifest rule under Bazel,
// serving its manifest with the runtime and pulling every image, with a runfiles tree and
// manifest-only, plus the rule's analysis-time errors. run.sh exits 77 when bazel is missing
// (skip); under CI=true it fails instead.

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { test } from 'node:test'
import assert from 'node:assert/strict'

const RUN_SH = join(import.meta.dirname, 'bazel', 'run.sh')
const TIMEOUT_MS = 10 * 60_000
const SKIP = 77

test('Bazel e2e: e2e/bazel/run.sh passes', { timeout: TIMEOUT_MS + 10_000 }, async (t) => {
  const child = spawn('bash', [RUN_SH], {
    env: { ...process.env, LOCALREGISTRY_NODE: process.env['LOCALREGISTRY_NODE'] ?? process.execPath },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: TIMEOUT_MS,
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null]
  if (code === SKIP) {
    t.skip(output.trim().split('\n').at(-1) ?? 'bazel not found')
    return
  }
  const tail = output.split('\n').slice(-80).join('\n')
  assert.equal(code, 0, `run.sh exited with ${code ?? signal}; last lines of its output:\n${tail}`)
  t.diagnostic(
    output
      .split('\n')
      .filter((l) => l.startsWith('=== done') || l.startsWith('PASS'))
      .join('; '),
  )
})
