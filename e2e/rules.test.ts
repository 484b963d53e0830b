// Runs e2e/rules/run.sh: the rules' own unit and analysis tests, localregistry_test,
// localregistry_serve, the //:localregistry CLI and the Node toolchain (from a file:// archive
// through the repository rule) under Debian's Bazel 4.2.3 in WORKSPACE mode.

import { join } from 'node:path'
import { test } from 'node:test'
import { E2E_SCRIPT_TIMEOUT_MS, runE2eScript } from './tools/e2e-script.ts'

const RUN_SH = join(import.meta.dirname, 'rules', 'run.sh')

test('rules e2e: e2e/rules/run.sh passes (WORKSPACE mode)', { timeout: E2E_SCRIPT_TIMEOUT_MS + 10_000 }, (t) => runE2eScript(t, RUN_SH))
