/**
 * A VM node as Monogon's launcher boots one (./vm.ts): QEMU with Debian's cloud kernel and an
 * initramfs holding busybox, containerd 1.6 and runc; user networking with `restrict=on`; the
 * registry (`serve --tls` on the host's loopback) reached through the guest forward that
 * `serve --help` prints, at 10.42.0.82:5000, which the node's /etc/hosts names
 * registry.test.internal. The node gets what `--client-config` writes (certs.d with the run's CA)
 * and pulls the production names through CRI, as kubelet would, then runs a pod from a busybox
 * image served by the registry. The test's CRI client reaches containerd's `[grpc] tcp_address`
 * through a `hostfwd`, reads the container's log through the guest's console, and checks that
 * nothing is left: no pod, no container, no shim in the guest, QEMU powered off, no connector on
 * the host.
 *
 * Run (as root): node_modules/.bin/node --test e2e/launchers/vm.test.ts
 */
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { test } from 'node:test'
import { run } from '../tools/exec.ts'
import { haveRoot, haveTools, toolPath } from '../tools/require-tool.ts'
import { haveSidPackages } from '../tools/sid-debs.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import { buildBusyboxImage } from './busybox-image.ts'
import { criConfigToml } from './containerd-node.ts'
import { CriClient, type PodSandboxConfig } from './cri.ts'
import { serveForNode } from './node-registry.ts'
import { cloudKernel } from './vm-kernel.ts'
import { startVm } from './vm.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const NODE = join(ROOT, 'node_modules', '.bin', 'node')
const CLI = join(ROOT, 'src', 'cli', 'main.ts')
/** containerd's plaintext gRPC (CRI included) in the guest, forwarded to the host's loopback. */
const CRI_PORT = 10010
const GUEST_LOGS = '/var/log/pods/vm-test'
/** Where the guest reaches the registry, as in serve --help's recipe: the guest side of the forward. */
const REGISTRY_FORWARD = { address: '10.42.0.82', port: 5000 }
const GREETING = 'hello from a pod on a VM node'

test('a QEMU VM node pulls production names through CRI over the guest forward, and runs a pod', { timeout: 420_000 }, async (t) => {
  const tools = ['qemu-system-x86_64', 'busybox', 'nc', 'containerd', 'containerd-shim-runc-v2', 'runc', 'apt-get', 'dpkg-deb', 'ldd']
  if (!haveTools(t, ...tools) || !haveSidPackages(t, 'golang-github-kubernetes-cri-api-dev') || !haveRoot(t, 'the kernel cache')) return
  await using work = await makeTempDir('e2e-vm-')
  const kernel = await cloudKernel(['virtio_pci', 'virtio_net', 'overlay'])
  const app = await buildBusyboxImage(work.join('app'), {
    applets: ['sh', 'echo', 'uname'],
    entrypoint: ['/bin/sh', '-c'],
    cmd: [`echo ${GREETING}; uname -s`],
  })
  const agent = await buildBusyboxImage(work.join('agent'), { applets: ['true'], entrypoint: ['/bin/true'] })
  const pause = await buildBusyboxImage(work.join('pause'), { applets: ['sleep'], entrypoint: ['/bin/sleep'], cmd: ['2147483647'] })

  await using registry = await serveForNode(
    { hostAddress: '127.0.0.1' },
    work.join('registry'),
    { 'app:latest': app.layout, 'library/app:1.0': app.layout, 'org/agent:v1': agent.layout, 'pause:1': pause.layout },
    { advertise: `registry.test.internal:${REGISTRY_FORWARD.port}` },
  )
  const registryPort = Number(new URL(registry.url).port)

  const guestForward = (await serveHelpGuestForward()).replace('PORT', String(registryPort))
  assert.ok(guestForward.startsWith(`tcp:${REGISTRY_FORWARD.address}:${REGISTRY_FORWARD.port}-`), guestForward)
  await using vm = await startVm({
    kernel,
    programs: ['containerd', 'containerd-shim-runc-v2', 'runc'].map(toolPath),
    files: [
      { path: 'etc/hosts', data: `127.0.0.1 localhost\n${REGISTRY_FORWARD.address} registry.test.internal\n` },
      { path: 'etc/resolv.conf', data: '# no name servers: the node resolves only its /etc/hosts\n' },
      { path: 'etc/containerd/config.toml', data: guestContainerdConfig() },
      ...(await filesUnder(registry.hostsDir, 'etc/containerd/certs.d')),
    ],
    guestForward,
    forwardedGuestPort: CRI_PORT,
    workDir: work.path,
  })
  const times: Record<string, number> = {}
  const step = (name: string, body: () => Promise<void>): Promise<void> => t.test(name, () => registry.explained(body))

  await step('containerd starts in the guest, and its CRI answers through the host forward', async () => {
    // Emulated (TCG), on two shared cores: a loaded machine slows every step several times.
    await vm.waitForLine(/^localregistry-vm: containerd up$/, { fromStart: true, timeoutMs: 240_000 })
    times['containerd up'] = vm.elapsed()
    for (const line of vm.console().match(/^localregistry-vm: stage \d after .*$/gm) ?? []) t.diagnostic(line)
  })
  using cri = new CriClient({ tcp: `127.0.0.1:${vm.forwardedPort}` }, { timeoutMs: 60_000 })
  await step('CRI reports the runtime ready', async () => {
    assert.match((await cri.version()).runtimeVersion, /^1\.6\./)
    await waitUntil(async () => (await cri.status()).some((condition) => condition.type === 'RuntimeReady' && condition.status), 30_000)
  })

  await step('CRI pulls each production name over HTTPS with the run CA, one guest connection after another', async () => {
    for (const [ref, image] of [
      ['registry.test.internal/app:latest', app],
      ['docker.io/library/app:1.0', app],
      ['ghcr.io/org/agent:v1', agent],
    ] as const) {
      assert.equal(await cri.pullImage(ref), image.config, `${ref}: the image id is the config digest`)
    }
    times['three images pulled'] = vm.elapsed()
    // containerd names the registry it mirrors in ?ns=; the image is found by its path alone.
    for (const request of [
      'HEAD /v2/app/manifests/latest?ns=registry.test.internal 200',
      'HEAD /v2/library/app/manifests/1.0?ns=docker.io 200',
      'HEAD /v2/org/agent/manifests/v1?ns=ghcr.io 200',
    ]) {
      assert.ok(registry.daemon.output().includes(request), `the registry answered ${request}`)
    }
  })

  await step('a pod (host network, sandbox image from the registry) runs the image and logs its output', async () => {
    const sandbox: PodSandboxConfig = {
      metadata: { name: 'vm-test', uid: 'vm-test-uid', namespace: 'default' },
      hostname: '',
      logDirectory: GUEST_LOGS,
      linux: { securityContext: { namespaceOptions: { network: 'NODE' } } },
    }
    const pod = await cri.runPodSandbox(sandbox, { timeoutMs: 120_000 })
    times['pod sandbox ready'] = vm.elapsed()
    const container = await cri.createContainer(pod, { metadata: { name: 'app' }, image: { image: 'app:1.0' }, logPath: 'app.log' }, sandbox)
    await cri.startContainer(container)
    await waitUntil(async () => (await cri.containerStatus(container)).state === 'CONTAINER_EXITED', 60_000)
    const status = await cri.containerStatus(container)
    assert.equal(status.exitCode, 0, status.message)
    assert.equal(status.imageRef, `docker.io/library/app@${app.digest}`)
    const log = await vm.readFile(`${GUEST_LOGS}/app.log`)
    times['pod output'] = vm.elapsed()
    // CRI's log format: TIMESTAMP STREAM TAG MESSAGE.
    assert.deepEqual(
      log
        .trim()
        .split('\n')
        .map((line) => line.split(' ').slice(1).join(' ')),
      [`stdout F ${GREETING}`, 'stdout F Linux'],
    )
    await cri.stopPodSandbox(pod)
    await cri.removePodSandbox(pod)
    assert.deepEqual(await cri.listContainers(), [])
    assert.deepEqual(await cri.listPodSandbox(), [])
  })

  await step('nothing is left: in the guest only init and containerd; QEMU powers off; no connector on the host', async () => {
    const processes = await vm.processes()
    assert.deepEqual(
      processes.filter((line) => !/^\d+ (\/bin\/sh \/init node|containerd --config \/etc\/containerd\/config\.toml)\s*$/.test(line)),
      [],
      'processes besides init and containerd',
    )
    cri.close()
    assert.deepEqual(await vm.shutdown(), { code: 0, signal: null })
    assert.match(vm.console(), /^localregistry-vm: containerd exited with 0$/m)
    await registry.stop()
    await waitUntil(async () => (await connectorsFor(registryPort)).length === 0, 10_000)
  })
  t.diagnostic(
    `QEMU start to: ${Object.entries(times)
      .map(([what, ms]) => `${what} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}`,
  )
})

/** The guest forward `serve --help` tells a launcher to use, e.g. `tcp:10.42.0.82:5000-cmd:nc -N 127.0.0.1 PORT`. */
async function serveHelpGuestForward(): Promise<string> {
  const { stdout } = await run(NODE, [CLI, 'serve', '--help'])
  const recipe = /guestfwd=(tcp:\S+?-.*?PORT)/.exec(stdout)?.[1]
  if (recipe === undefined) throw new Error(`serve --help gives no guestfwd=...PORT recipe:\n${stdout}`)
  return recipe
}

/** The CRI configuration of a Kubernetes node (./containerd-node.ts), with CRI on TCP too. */
function guestContainerdConfig(): string {
  return criConfigToml({
    major: 1,
    root: '/var/lib/containerd',
    state: '/run/containerd',
    address: '/run/containerd/containerd.sock',
    tcpAddress: `0.0.0.0:${CRI_PORT}`,
    hostsDir: '/etc/containerd/certs.d',
    sandboxImage: 'registry.test.internal/pause:1',
    snapshotter: 'overlayfs',
    shim: toolPath('containerd-shim-runc-v2'),
    runc: toolPath('runc'),
    runcRoot: '/run/runc',
    cniDir: '/etc/cni/net.d',
  })
}

/** Every file under `dir`, at `prefix/` plus its path under `dir`. */
async function filesUnder(dir: string, prefix: string): Promise<Array<{ path: string; data: Buffer }>> {
  const files: Array<{ path: string; data: Buffer }> = []
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    files.push({ path: join(prefix, relative(dir, path)), data: await readFile(path) })
  }
  return files
}

/** Host processes running the guest forward's connector to `port`. */
async function connectorsFor(port: number): Promise<number[]> {
  const found: number[] = []
  for (const entry of await readdir('/proc')) {
    const cmdline = await readFile(join('/proc', entry, 'cmdline'), 'utf8').catch(() => '')
    if (cmdline.split('\0').join(' ').trim() === `nc -N 127.0.0.1 ${port}`) found.push(Number(entry))
  }
  return found
}

/** Polls `condition` every 200 ms until it holds; fails after `timeoutMs`. */
async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms: ${condition.toString()}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
