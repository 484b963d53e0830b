/**
 * The path kubelet takes: a node's containerd, with its CRI plugin reading `config_path` (the
 * `certs.d` that `serve --client-config` writes), pulls production names from the registry over
 * HTTPS with the run's CA and runs a pod from an image the registry serves. Driven the way
 * kubelet drives it, through CRI's gRPC API (./cri.ts): ImageService/PullImage, then
 * RunPodSandbox (host network, no CNI; the sandbox image comes from the registry too),
 * CreateContainer and StartContainer from a runnable busybox image, and the container's log.
 *
 * Once with Debian 12's containerd 1.6 and once with sid's containerd 2 (unpacked by
 * scripts/setup-sid-debs.sh; its shim runs Debian 12's runc, as sid's runc needs a newer glibc).
 * The node is a network namespace (./node.ts); containerd runs in it through the node's
 * runtimeWrapper. After each run nothing of it is left: no process, cgroup, mount or file.
 *
 * Run (as root): node_modules/.bin/node --test e2e/launchers/cri.test.ts
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { buildFixtures, type SourceImage } from '../clients/fixtures.ts'
import { run } from '../tools/exec.ts'
import { haveRoot, haveTools, toolPath } from '../tools/require-tool.ts'
import { haveSidPackages, sidPackage } from '../tools/sid-debs.ts'
import { makeTempDir, mountPointsUnder } from '../tools/temp-dir.ts'
import { buildBusyboxImage, type BusyboxImage } from './busybox-image.ts'
import { containerdRelease, startCriContainerd, type ContainerdRelease, type CriContainerd } from './containerd-node.ts'
import { createNode } from './node.ts'
import { serveForNode, type NodeRegistry } from './node-registry.ts'
import { runPod } from './pod.ts'

const HELLO = 'registry.test.internal/hello:1'
const PAUSE = 'registry.test.internal/pause:1'
const GREETING = 'hello from a busybox image served by localregistry'

/** An image the node pulls: by which name, which repository the runtime records, what it must resolve to. */
interface Pull {
  ref: string
  repository: string
  /** The manifest or index the name resolves to. */
  digest: string
  /** The config of the host platform's image: the image id. */
  config: string
}

test("kubelet's path: containerd's CRI pulls production names through config_path and runs a pod from the registry", async (t) => {
  if (
    !haveTools(t, 'ip', 'nsenter', 'unshare', 'containerd', 'runc', 'busybox') ||
    !haveSidPackages(t, 'containerd', 'golang-github-kubernetes-cri-api-dev') ||
    !haveRoot(t, 'containerd with CRI in a network namespace')
  ) {
    return
  }
  await using work = await makeTempDir('e2e-cri-')
  const fixtures = await buildFixtures(work.join('layouts'))
  const hello = await buildBusyboxImage(work.join('hello'), {
    applets: ['sh', 'uname'],
    entrypoint: ['/bin/sh', '-c'],
    cmd: [`echo ${GREETING}; uname -s`],
  })
  const pause = await buildBusyboxImage(work.join('pause'), { applets: ['sleep'], entrypoint: ['/bin/sleep'], cmd: ['2147483647'] })
  const node = await createNode({ hosts: { 'registry.test.internal': 'host' } })
  try {
    await using registry = await serveForNode(node, work.join('registry'), {
      'app:latest': fixtures.image.layout,
      'library/app:1.0': fixtures.image.layout,
      'org/agent:v1': fixtures.index.layout,
      'hello:1': hello.layout,
      'pause:1': pause.layout,
    })
    const pulls: Pull[] = [
      fromFixture('registry.test.internal/app:latest', 'registry.test.internal/app', fixtures.image),
      fromFixture('docker.io/library/app:1.0', 'docker.io/library/app', fixtures.image),
      fromFixture('app:1.0', 'docker.io/library/app', fixtures.image),
      fromFixture('ghcr.io/org/agent:v1', 'ghcr.io/org/agent', fixtures.index),
    ]
    const releases = [
      { name: "Debian 12's containerd 1.6", binary: toolPath('containerd'), major: 1 },
      { name: "sid's containerd 2", binary: join(sidPackage('containerd').root, 'usr', 'bin', 'containerd'), major: 2 },
    ]
    for (const { name, binary, major } of releases) {
      await t.test(name, () =>
        registry.explained(async () => {
          const release = await containerdRelease(binary)
          assert.equal(release.major, major, `${binary} is containerd ${release.version}`)
          await runNode(t, registry, node.runtimeWrapper, { release, pulls, hello, pause })
        }),
      )
    }
  } finally {
    await node.remove()
  }
  await t.test('the network namespace is gone', async () => {
    assert.ok(!(await run(toolPath('ip'), ['netns', 'list'])).stdout.includes(node.name), node.name)
    assert.ok(!existsSync(join('/etc/netns', node.name)))
  })
})

function fromFixture(ref: string, repository: string, fixture: SourceImage): Pull {
  return { ref, repository, digest: fixture.digest, config: fixture.host.config }
}

async function runNode(
  t: TestContext,
  registry: NodeRegistry,
  wrapper: readonly string[],
  subject: { release: ContainerdRelease; pulls: Pull[]; hello: BusyboxImage; pause: BusyboxImage },
): Promise<void> {
  const started = Date.now()
  const ctrd = await startCriContainerd({ containerd: subject.release, wrapper, hostsDir: registry.hostsDir, sandboxImage: PAUSE })
  let ctrdStopped = false
  try {
    const ready = Date.now()
    await pullEach(ctrd, subject.pulls)
    // containerd names the registry it mirrors in ?ns=; the image is found by its path alone.
    for (const request of [
      'HEAD /v2/app/manifests/latest?ns=registry.test.internal 200',
      'HEAD /v2/library/app/manifests/1.0?ns=docker.io 200',
      'HEAD /v2/org/agent/manifests/v1?ns=ghcr.io 200',
    ]) {
      assert.ok(registry.daemon.output().includes(request), `the registry answered ${request}`)
    }
    const pulled = Date.now()
    const { status, output } = await runPod(ctrd, { name: 'hello', image: HELLO })
    assert.equal(status.state, 'CONTAINER_EXITED', status.reason)
    assert.equal(status.exitCode, 0, `${status.reason} ${status.message}`)
    assert.deepEqual(output, [GREETING, 'Linux'])
    assert.deepEqual(await ctrd.cri.listPodSandbox(), [], 'the pod is removed')
    assert.equal((await ctrd.cri.imageStatus(PAUSE))?.id, subject.pause.config, 'the sandbox image, pulled from the registry')
    assert.equal((await ctrd.cri.imageStatus(HELLO))?.id, subject.hello.config)
    const ran = Date.now()
    const dir = ctrd.address.replace(/\/containerd\.sock$/, '')
    await ctrd.stop()
    ctrdStopped = true
    t.diagnostic(
      `containerd ${subject.release.version}: CRI ready ${ready - started} ms, 4 pulls ${pulled - ready} ms, ` +
        `pod run and output ${ran - pulled} ms, stopped ${Date.now() - ran} ms (total ${Date.now() - started} ms)`,
    )
    assert.deepEqual(await ctrd.leftoverProcesses(), [], 'no shim or container process is left')
    assert.deepEqual(await ctrd.leftoverCgroups(), [], 'no cgroup is left')
    assert.deepEqual(await mountPointsUnder(dir), [], 'nothing is mounted under its directory')
    assert.ok(!existsSync(dir), `${dir} is removed`)
  } finally {
    if (!ctrdStopped) await ctrd.stop()
  }
}

/** PullImage each name: the id is the host image's config, and the runtime records the name's repository at the digest served. */
async function pullEach(ctrd: CriContainerd, pulls: Pull[]): Promise<void> {
  for (const pull of pulls) {
    assert.equal(await ctrd.cri.pullImage(pull.ref), pull.config, `${pull.ref}: the image id`)
    const image = await ctrd.cri.imageStatus(pull.ref)
    assert.equal(image?.id, pull.config, `${pull.ref}: ImageStatus`)
    assert.ok(image.repoDigests.includes(`${pull.repository}@${pull.digest}`), `${pull.ref}: ${image.repoDigests.join(', ')} includes ${pull.digest}`)
  }
}
