// Run by localregistry_test cri_pod_test (checks/repo_node.sh): a cluster launcher written as
// a Bazel test. The wrapper serves the Bazel-built busybox (busybox:image) and a pause image over
// HTTPS with client configuration for docker.io and registry.test.internal, advertised as
// localhost; this starts sid's containerd 2 with its CRI plugin reading that configuration's
// containerd/certs.d as config_path, runs docker.io/library/busybox:latest in a pod as kubelet
// does (the sandbox image registry.test.internal/pause:1 also from the registry), checks what it
// prints, and that nothing of containerd is left. Needs root, runc and scripts/setup-sid-debs.sh.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { nodeRelease, startCriContainerd } from '../../launchers/containerd-node.ts'
import { runPod } from '../../launchers/pod.ts'
import { requiredEnv } from './required-env.ts'

const env = (name: string): string => requiredEnv(name, 'cri_pod_test')

const hostsDir = join(env('LOCALREGISTRY_CLIENT_CONFIG'), 'containerd', 'certs.d')
const greeting = env('GREETING')
// containerd's unix socket path must stay short; the test's TMPDIR is deep in Bazel's output base.
process.env.TMPDIR = '/tmp'

const release = await nodeRelease('containerd2')
const ctrd = await startCriContainerd({ containerd: release, hostsDir, sandboxImage: 'registry.test.internal/pause:1' })
try {
  const { status, output } = await runPod(ctrd, { name: 'busybox', image: 'docker.io/library/busybox:latest' })
  assert.equal(status.exitCode, 0, `${status.reason} ${status.message}`)
  assert.deepEqual(output, [greeting])
  console.log(`ok: containerd ${release.version} ran docker.io/library/busybox:latest through CRI; it printed: ${output.join('\n')}`)
} catch (error) {
  console.error(`containerd's output:\n${ctrd.output()}`)
  throw error
} finally {
  await ctrd.stop()
}
assert.deepEqual(await ctrd.leftoverProcesses(), [], 'no shim or container process is left')
assert.deepEqual(await ctrd.leftoverCgroups(), [], 'no cgroup is left')
console.log('ok: containerd stopped; no process or cgroup of it is left')
