// Runs the real Bazel e2e (e2e/bazel/run.sh): the localregistry_manifest rule under Bazel,
// serving its manifest with the runtime and pulling every image, with a runfiles tree and
// manifest-only, plus the rule's analysis-time errors. run.sh exits 77 when bazel is missing
// (skip); under CI=true it fails instead.

import { join } from 'node:path'
import { test } from 'node:test'
import { E2E_SCRIPT_TIMEOUT_MS, runE2eScript } from './tools/e2e-script.ts'

const RUN_SH = join(import.meta.dirname, 'bazel', 'run.sh')

test('Bazel e2e: e2e/bazel/run.sh passes', { timeout: E2E_SCRIPT_TIMEOUT_MS + 10_000 }, (t) =>
  runE2eScript(t, RUN_SH, [], { ...process.env, LOCALREGISTRY_NODE: process.env['LOCALREGISTRY_NODE'] ?? process.execPath }),
)
