// Run by localregistry_test vm_pod_test (checks/repo_node.sh): a VM node as Monogon's launcher
// boots one (e2e/launchers/vm.ts), written as a Bazel test. The wrapper serves the Bazel-built
// busybox (busybox:image) and pause image from the vm_images manifest over HTTPS on the host's
// loopback, with client configuration for registry.test.internal, docker.io and ghcr.io
// advertised as registry.test.internal:5000: the guest side of the forward that `serve --help`
// prints (10.42.0.82:5000, named registry.test.internal in the node's /etc/hosts). QEMU boots
// Debian's cloud kernel and an initramfs with busybox, containerd 1.6 and runc, user networking
// with `restrict=on`; the node gets LOCALREGISTRY_CLIENT_CONFIG's containerd/certs.d, pulls the
// production names through CRI as kubelet would, and runs a pod from the Bazel-built image. The
// test's CRI client reaches containerd's `[grpc] tcp_address` through a `hostfwd`, reads the
// container's log through the guest's console, checks it is exactly what the image's command
// prints ($GREETING, which busybox/BUILD.bazel bakes into it), and that nothing is left: no pod,
// no container, no shim in the guest, QEMU powered off, no connector on the host.
//
// Environment (vm_pod_test's env): BUSYBOX_LAYOUT and PAUSE_LAYOUT, the layouts in the runfiles;
// GREETING; LOCALREGISTRY_CLI, the runtime's CLI. Needs root, QEMU, nc, containerd 1.6, runc,
// busybox-static and scripts/setup-sid-debs.sh's CRI api.proto.
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { readLayout } from '../../../src/oci/layout.ts'
import { withServerLog } from '../../clients/server.ts'
import { criConfigToml } from '../../launchers/containerd-node.ts'
import { CriClient, type PodSandboxConfig } from '../../launchers/cri.ts'
import { cloudKernel } from '../../launchers/vm-kernel.ts'
import { startVm } from '../../launchers/vm.ts'
import { run } from '../../tools/exec.ts'
import { haveRoot, haveTools, toolPath } from '../../tools/require-tool.ts'
import { haveSidPackages } from '../../tools/sid-debs.ts'
import { makeTempDir } from '../../../test/support/temp-dir.ts'
import { requiredEnv } from './required-env.ts'

const env = (name: string): string => requiredEnv(name, 'vm_pod_test')

/** containerd's plaintext gRPC (CRI included) in the guest, forwarded to the host's loopback. */
const CRI_PORT = 10010
const GUEST_LOGS = '/var/log/pods/vm-test'
/** Where the guest reaches the registry, as in serve --help's recipe: the guest side of the forward (vm_pod_test's advertise). */
const REGISTRY_FORWARD = { address: '10.42.0.82', port: 5000 }

const registryHost = env('LOCALREGISTRY_HOST')
const hostsDir = join(env('LOCALREGISTRY_CLIENT_CONFIG'), 'containerd', 'certs.d')
const greeting = env('GREETING')
const requestLog = join(env('TEST_UNDECLARED_OUTPUTS_DIR'), 'localregistry.log')
const cli = resolve(env('LOCALREGISTRY_CLI'))
const [busybox, pause] = await Promise.all([image(env('BUSYBOX_LAYOUT')), image(env('PAUSE_LAYOUT'))])
// QEMU's Unix sockets live in the work directory, whose path must stay short; the test's
// TMPDIR is deep in Bazel's output base.
process.env.TMPDIR = '/tmp'

test('a QEMU VM node pulls the Bazel-built images by production names through CRI over the guest forward, and runs a pod', { timeout: 420_000 }, async (t) => {
  const tools = ['qemu-system-x86_64', 'busybox', 'nc', 'containerd', 'containerd-shim-runc-v2', 'runc', 'apt-get', 'dpkg-deb', 'ldd']
  if (!haveTools(t, ...tools) || !haveSidPackages(t, 'golang-github-kubernetes-cri-api-dev') || !haveRoot(t, 'the kernel cache')) return
  await using work = await makeTempDir('e2e-vm-')
  const kernel = await cloudKernel(['virtio_pci', 'virtio_net', 'overlay'])
  const registryPort = Number(registryHost.split(':').at(-1))
  const guestForward = (await serveHelpGuestForward()).replace('PORT', String(registryPort))
  assert.ok(guestForward.startsWith(`tcp:${REGISTRY_FORWARD.address}:${REGISTRY_FORWARD.port}-`), guestForward)
  await using vm = await startVm({
    kernel,
    programs: ['containerd', 'containerd-shim-runc-v2', 'runc'].map(toolPath),
    files: [
      { path: 'etc/hosts', data: `127.0.0.1 localhost\n${REGISTRY_FORWARD.address} registry.test.internal\n` },
      { path: 'etc/resolv.conf', data: '# no name servers: the node resolves only its /etc/hosts\n' },
      { path: 'etc/containerd/config.toml', data: guestContainerdConfig() },
      ...(await filesUnder(hostsDir, 'etc/containerd/certs.d')),
    ],
    guestForward,
    forwardedGuestPort: CRI_PORT,
    workDir: work.path,
  })
  const times: Record<string, number> = {}
  const step = (name: string, body: () => Promise<void>): Promise<void> => t.test(name, () => explained(body))

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
    for (const [ref, pulled] of [
      ['registry.test.internal/busybox:latest', busybox],
      ['docker.io/library/busybox:latest', busybox],
      ['ghcr.io/org/agent:v1', pause],
    ] as const) {
      assert.equal(await cri.pullImage(ref), pulled.config, `${ref}: the image id is the config digest of the Bazel-built layout`)
    }
    times['three images pulled'] = vm.elapsed()
    // containerd names the registry it mirrors in ?ns=; the image is found by its path alone.
    const log = await readFile(requestLog, 'utf8')
    for (const request of [
      'HEAD /v2/busybox/manifests/latest?ns=registry.test.internal 200',
      'HEAD /v2/library/busybox/manifests/latest?ns=docker.io 200',
      'HEAD /v2/org/agent/manifests/v1?ns=ghcr.io 200',
    ]) {
      assert.ok(log.includes(request), `the registry answered ${request}`)
    }
  })

  await step('a pod (host network, sandbox image from the registry) runs the Bazel-built image and logs exactly what it prints', async () => {
    const sandbox: PodSandboxConfig = {
      metadata: { name: 'vm-test', uid: 'vm-test-uid', namespace: 'default' },
      hostname: '',
      logDirectory: GUEST_LOGS,
      linux: { securityContext: { namespaceOptions: { network: 'NODE' } } },
    }
    const pod = await cri.runPodSandbox(sandbox, { timeoutMs: 120_000 })
    times['pod sandbox ready'] = vm.elapsed()
    // The image as it is: its entrypoint and command, no args.
    const container = await cri.createContainer(pod, { metadata: { name: 'app' }, image: { image: 'busybox:latest' }, logPath: 'app.log' }, sandbox)
    await cri.startContainer(container)
    await waitUntil(async () => (await cri.containerStatus(container)).state === 'CONTAINER_EXITED', 60_000)
    const status = await cri.containerStatus(container)
    assert.equal(status.exitCode, 0, status.message)
    assert.equal(status.imageRef, `docker.io/library/busybox@${busybox.digest}`)
    const log = await vm.readFile(`${GUEST_LOGS}/app.log`)
    times['pod output'] = vm.elapsed()
    // CRI's log format: TIMESTAMP STREAM TAG MESSAGE.
    assert.deepEqual(
      log
        .trim()
        .split('\n')
        .map((line) => line.split(' ').slice(1).join(' ')),
      [`stdout F ${greeting}`],
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
    await waitUntil(async () => (await connectorsFor(registryPort)).length === 0, 10_000)
  })
  const summary = `QEMU start to: ${Object.entries(times)
    .map(([what, ms]) => `${what} ${(ms / 1000).toFixed(1)} s`)
    .join(', ')}`
  t.diagnostic(summary)
})

/** The digests a runtime reports for the image of a layout with one entry. */
async function image(dir: string): Promise<{ digest: string; config: string }> {
  const [entry, ...more] = (await readLayout(dir)).entries
  assert.ok(entry !== undefined && more.length === 0 && entry.ref.kind === 'image', `${dir} holds one image`)
  return { digest: entry.ref.digest, config: entry.ref.manifest.config.digest }
}

/** Runs `body`; a failure carries what the registry logged meanwhile. */
async function explained(body: () => Promise<void>): Promise<void> {
  const start = (await readFile(requestLog, 'utf8')).length
  try {
    await body()
  } catch (error) {
    throw withServerLog(error, (await readFile(requestLog, 'utf8')).slice(start).trimEnd().split('\n'))
  }
}

/** The guest forward `serve --help` tells a launcher to use, e.g. `tcp:10.42.0.82:5000-cmd:nc -N 127.0.0.1 PORT`. */
async function serveHelpGuestForward(): Promise<string> {
  const { stdout } = await run(cli, ['serve', '--help'])
  const recipe = /guestfwd=(tcp:\S+?-.*?PORT)/.exec(stdout)?.[1]
  if (recipe === undefined) throw new Error(`serve --help gives no guestfwd=...PORT recipe:\n${stdout}`)
  return recipe
}

/** The CRI configuration of a Kubernetes node (e2e/launchers/containerd-node.ts), with CRI on TCP too. */
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
