// Runs e2e/consumer/run.sh: a user's workspace outside the repository installs rules_localregistry
// from its release archive and Node from the rules' toolchain (no node_modules anywhere), on
// Debian's Bazel 4.2.3 (WORKSPACE, http_archive) and on Bazel 7.7.1 in the sid chroot (bzlmod,
// archive_override): localregistry_test, a Node test of the API, `bazel run //:serve`,
// hermeticity, and (7.7.1) remote-execution readiness and the Bazel Central Registry presubmit's
// test module (examples/smoke) from the archive, through the entry rendered from .bcr/. The two
// share state, so run.sh runs them one at a time.

import { join } from 'node:path'
import { test } from 'node:test'
import { E2E_SCRIPT_TIMEOUT_MS, runE2eScript } from './tools/e2e-script.ts'

const RUN_SH = join(import.meta.dirname, 'consumer', 'run.sh')

// bazel7-future: Bazel 7.7.1 with the flags Bazel 8 and 9 flip (e2e/bazel-future.bazelrc).
// bazel7-remote: the tests on Bazel's own remote worker (e2e/consumer/remote_check.sh).
for (const bazel of ['bazel4', 'bazel7', 'bazel7-future', 'bazel7-remote']) {
  test(`consumer e2e: e2e/consumer/run.sh ${bazel} passes`, { timeout: E2E_SCRIPT_TIMEOUT_MS + 10_000 }, (t) => runE2eScript(t, RUN_SH, [bazel]))
}
