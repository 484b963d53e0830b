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
import { dirname, join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { buildFixtures, type SourceImage } from '../clients/fixtures.ts'
import { run } from '../tools/exec.ts'
import { haveRoot, haveTools, toolPath } from '../tools/require-tool.ts'
import { haveSidPackages } from '../tools/sid-debs.ts'
import { makeTempDir, mountPointsUnder } from '../../test/support/temp-dir.ts'
import { buildBusyboxImage, type BusyboxImage } from './busybox-image.ts'
import { NODE_RELEASES, nodeRelease, startCriContainerd, type ContainerdRelease, type CriContainerd, type NodeReleaseName } from './containerd-node.ts'
import { CriClient, withoutGogoproto } from './cri.ts'
import { createNode } from './node.ts'
import { serveForNode, type NodeRegistry } from './node-registry.ts'
import { runPod } from './pod.ts'

const HELLO = 'registry.test.internal/hello:1'
const PAUSE = 'registry.test.internal/pause:1'
const GREETING = 'hello from a busybox image served by localregistry'
/** Where CRI also listens in the node: nothing else listens in a namespace the test made. */
const CRI_TCP_PORT = 10010

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
  const busybox = toolPath('busybox')
  const hello = await buildBusyboxImage(work.join('hello'), {
    busybox,
    applets: ['sh', 'uname'],
    entrypoint: ['/bin/sh', '-c'],
    cmd: [`echo ${GREETING}; uname -s`],
  })
  const pause = await buildBusyboxImage(work.join('pause'), { busybox, applets: ['sleep'], entrypoint: ['/bin/sleep'], cmd: ['2147483647'] })
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
    for (const [key, { name }] of Object.entries(NODE_RELEASES)) {
      await t.test(name, (subtest) =>
        registry.explained(async () => {
          const release = await nodeRelease(key as NodeReleaseName)
          await runNode(subtest, registry, node.runtimeWrapper, { release, nodeAddress: node.nodeAddress, pulls, hello, pause })
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

test("CRI's api.proto is loaded without its gogoproto import and options, and nothing else", () => {
  const proto = [
    'syntax = "proto3";',
    'import "github.com/gogo/protobuf/gogoproto/gogo.proto";',
    'option (gogoproto.marshaler_all) = true;',
    'message M {',
    '  option (gogoproto.goproto_stringer) = false;',
    '  repeated Mount mounts = 1 [(gogoproto.nullable) = false];',
    '  string name = 2 [json_name = "n"];',
    '}',
  ].join('\n')
  assert.equal(
    withoutGogoproto(proto, 'api.proto'),
    ['syntax = "proto3";', '', '', 'message M {', '', '  repeated Mount mounts = 1;', '  string name = 2 [json_name = "n"];', '}'].join('\n'),
  )
  assert.throws(() => withoutGogoproto('message M { int32 a = 1 [deprecated = true, (gogoproto.nullable) = false]; }', 'x.proto'), /x\.proto: a gogoproto use/)
})

function fromFixture(ref: string, repository: string, fixture: SourceImage): Pull {
  return { ref, repository, digest: fixture.digest, config: fixture.host.config }
}

async function runNode(
  t: TestContext,
  registry: NodeRegistry,
  wrapper: readonly string[],
  subject: { release: ContainerdRelease; nodeAddress: string; pulls: Pull[]; hello: BusyboxImage; pause: BusyboxImage },
): Promise<void> {
  const started = Date.now()
  const tcp = `${subject.nodeAddress}:${CRI_TCP_PORT}`
  const ctrd = await startCriContainerd({ containerd: subject.release, wrapper, hostsDir: registry.hostsDir, sandboxImage: PAUSE, tcpAddress: tcp })
  const up = Date.now()
  const dir = dirname(ctrd.address)
  let times: string
  try {
    times = await exercise(ctrd, registry, subject, tcp)
  } finally {
    await ctrd.stop()
  }
  t.diagnostic(`containerd ${subject.release.version}: CRI ready ${up - started} ms, ${times}; with start and stop ${Date.now() - started} ms`)
  assert.deepEqual(await ctrd.leftoverProcesses(), [], 'no shim or container process is left')
  assert.deepEqual(await ctrd.leftoverCgroups(), [], 'no cgroup is left')
  assert.deepEqual(await mountPointsUnder(dir), [], 'nothing is mounted under its directory')
  assert.ok(!existsSync(dir), `${dir} is removed`)
}

/** Pulls, runs the pod and checks its output, and reaches CRI over TCP; returns how long the steps took. */
async function exercise(
  ctrd: CriContainerd,
  registry: NodeRegistry,
  subject: { pulls: Pull[]; hello: BusyboxImage; pause: BusyboxImage },
  tcp: string,
): Promise<string> {
  // containerd names the registry it mirrors in ?ns=; the image is found by its path alone.
  const requests = [
    'HEAD /v2/app/manifests/latest?ns=registry.test.internal 200',
    'HEAD /v2/library/app/manifests/1.0?ns=docker.io 200',
    'HEAD /v2/org/agent/manifests/v1?ns=ghcr.io 200',
  ]
  const before = requests.map((request) => registry.daemon.output().split(request).length)
  const started = Date.now()
  await pullEach(ctrd, subject.pulls)
  requests.forEach((request, i) => assert.ok(registry.daemon.output().split(request).length > (before[i] ?? 0), `the registry answered ${request}`))
  const pulled = Date.now()
  const { status, output } = await runPod(ctrd, { name: 'hello', image: HELLO })
  assert.equal(status.state, 'CONTAINER_EXITED', status.reason)
  assert.equal(status.exitCode, 0, `${status.reason} ${status.message}`)
  assert.deepEqual(output, [GREETING, 'Linux'])
  assert.deepEqual(await ctrd.cri.listPodSandbox(), [], 'the pod is removed')
  const ran = Date.now()
  assert.equal((await ctrd.cri.imageStatus(PAUSE))?.id, subject.pause.config, 'the sandbox image, pulled from the registry')
  assert.equal((await ctrd.cri.imageStatus(HELLO))?.id, subject.hello.config)
  // What a VM node's launcher does: the same API over containerd's tcp_address.
  using overTcp = new CriClient({ tcp })
  assert.equal((await overTcp.version()).runtimeVersion, (await ctrd.cri.version()).runtimeVersion)
  assert.deepEqual(await overTcp.imageStatus(HELLO), await ctrd.cri.imageStatus(HELLO))
  return `4 pulls ${pulled - started} ms, pod run to its output ${ran - pulled} ms`
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
