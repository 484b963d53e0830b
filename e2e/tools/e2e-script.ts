/**
 * Runs an e2e shell script (e2e/bazel/run.sh, e2e/rules/run.sh) as one test: its output is kept
 * and the last lines are shown when it fails; exit status 77 means "skipped" (the tool it drives
 * is missing; the scripts themselves fail instead under CI=true). Its `=== done`, `PASS` and
 * `TIMES:` lines (what a step inside it measured) become the test's diagnostics.
 *
 * ```ts
 * test('Bazel e2e', { timeout: E2E_SCRIPT_TIMEOUT_MS + 10_000 }, (t) => runE2eScript(t, 'e2e/bazel/run.sh'))
 * ```
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'

export const E2E_SCRIPT_TIMEOUT_MS = 10 * 60_000
const SKIP = 77

export async function runE2eScript(t: TestContext, script: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const child = spawn('bash', [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: E2E_SCRIPT_TIMEOUT_MS })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null]
  if (code === SKIP) {
    t.skip(output.trim().split('\n').at(-1) ?? 'skipped')
    return
  }
  const tail = output.split('\n').slice(-80).join('\n')
  assert.equal(code, 0, `${script} exited with ${code ?? signal}; last lines of its output:\n${tail}`)
  t.diagnostic(
    output
      .split('\n')
      .filter((l) => l.startsWith('=== done') || l.startsWith('PASS') || l.startsWith('TIMES:'))
      .join('; '),
  )
}
