// Runs e2e/rules/run.sh: the rules' own unit and analysis tests (and, on Bazel 7, the generated
// docs' staleness test), localregistry_test, localregistry_serve, the //:localregistry CLI and the
// Node toolchain (a file:// archive through the repository rule), on Debian's Bazel 4.2.3
// (WORKSPACE) and on Bazel 7.7.1 in the sid chroot (bzlmod). One at a time: they share the
// generated files of e2e/rules.

import { join } from 'node:path'
import { test } from 'node:test'
import { E2E_SCRIPT_TIMEOUT_MS, runE2eScript } from './tools/e2e-script.ts'

const RUN_SH = join(import.meta.dirname, 'rules', 'run.sh')

// bazel7-future: Bazel 7.7.1 with the flags Bazel 8 and 9 flip (e2e/bazel-future.bazelrc).
for (const bazel of ['bazel4', 'bazel7', 'bazel7-future']) {
  test(`rules e2e: e2e/rules/run.sh ${bazel} passes`, { timeout: E2E_SCRIPT_TIMEOUT_MS + 10_000 }, (t) => runE2eScript(t, RUN_SH, [bazel]))
}
