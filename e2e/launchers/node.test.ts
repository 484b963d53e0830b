/**
 * What a cluster launcher does, end to end, with no code of its own: start
 * `localregistry serve --tls --client-config DIR --mirror-for ...` on the host side of a node's
 * network, install what DIR holds into the node, and let the node's runtimes pull production
 * names (registry.test.internal/app:latest, docker.io/library/app:1.0, app:1.0,
 * ghcr.io/org/agent:v1) over HTTPS, verified with the CA generated for the run.
 *
 * The node is a network namespace made by the test (./node.ts): a veth pair in 198.18.0.0/15,
 * no default route, its own /etc/hosts mapping registry.test.internal to the registry's address.
 * Inside it run a containerd of its own (config_path = DIR's certs.d; ctr gets --hosts-dir),
 * podman (DIR's registries.conf.d drop-in and certs.d installed in its config directory) and
 * skopeo (--registries-conf, --cert-dir). No client gets a plain-HTTP or skip-verify flag.
 *
 * Run (as root): node_modules/.bin/node --test e2e/launchers/node.test.ts
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { buildFixtures, type SourceImage } from '../clients/fixtures.ts'
import { readPulledLayout } from '../clients/pulled.ts'
import { startContainerd } from '../tools/containerd.ts'
import { run } from '../tools/exec.ts'
import { createPodman } from '../tools/podman.ts'
import { haveRoot, haveTools, toolPath } from '../tools/require-tool.ts'
import { createSkopeo } from '../tools/skopeo.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import { createNode } from './node.ts'
import { serveForNode } from './node-registry.ts'

const TIMEOUT_MS = 60_000

test('a node in its own network namespace pulls production names over HTTPS through the written client configuration', async (t) => {
  if (!haveTools(t, 'ip', 'containerd', 'ctr', 'podman', 'skopeo') || !haveRoot(t, 'a network namespace')) return
  await using work = await makeTempDir('e2e-launcher-')
  const fixtures = await buildFixtures(work.join('layouts'))
  const app = fixtures.image
  const agent = fixtures.index
  const stale = await leaveStaleNode()
  await using node = await createNode({ hosts: { 'registry.test.internal': 'host' } })
  await t.test("a crashed run's namespace, veth and /etc/netns files are removed", async () => {
    assert.ok(!(await run(toolPath('ip'), ['netns', 'list'])).stdout.includes(stale.name), stale.name)
    assert.ok(!existsSync(join('/etc/netns', stale.name)))
    await assert.rejects(run(toolPath('ip'), ['link', 'show', stale.veth]), /does not exist/)
  })

  await using registry = await serveForNode(node, work.join('registry'), {
    'app:latest': app.layout,
    'library/app:1.0': app.layout,
    'org/agent:v1': agent.layout,
  })
  const { config, address } = registry
  assert.match(registry.url, new RegExp(`^https://${node.hostAddress.replaceAll('.', '\\.')}:\\d+$`))
  assert.equal(await readFile(join(config, 'ca.crt'), 'utf8'), await readFile(registry.caFile, 'utf8'))

  /** Production names and what each must resolve to. */
  const pulls: Array<[string, SourceImage]> = [
    ['registry.test.internal/app:latest', app],
    ['docker.io/library/app:1.0', app],
    ['ghcr.io/org/agent:v1', agent],
  ]
  const step = (name: string, body: () => Promise<void>): Promise<void> => t.test(name, () => registry.explained(body))

  await step('containerd: pulls each name through its hosts.toml, with the CA', async () => {
    await using ctrd = await startContainerd({ wrapper: node.wrapper, hostsDir: registry.hostsDir, timeoutMs: TIMEOUT_MS })
    for (const [ref, fixture] of pulls) {
      assert.equal(await ctrd.pull(ref, { plainHttp: false }), fixture.digest, `${ref}: target digest`)
      assert.match((await ctrd.image(ref))?.status ?? '', /^complete \((\d+)\/\1\)$/, `${ref}: ctr images check`)
    }
    const stored = new Set(await ctrd.contentDigests())
    for (const fixture of [app, agent]) {
      const wanted = [fixture.digest, fixture.host.digest, fixture.host.config, ...fixture.host.layers]
      assert.deepEqual(
        wanted.filter((digest) => !stored.has(digest)),
        [],
        `${fixture.key}: missing from the content store`,
      )
    }
    // containerd names the registry it mirrors in ?ns=; the image is found by its path alone.
    for (const request of [
      'HEAD /v2/app/manifests/latest?ns=registry.test.internal 200',
      'HEAD /v2/library/app/manifests/1.0?ns=docker.io 200',
      'HEAD /v2/org/agent/manifests/v1?ns=ghcr.io 200',
    ]) {
      assert.ok(registry.daemon.output().includes(request), `the registry answered ${request}`)
    }
  })

  await step('containerd: without the CA the certificate is refused; a name not served is not found', async () => {
    const noConfig = work.join('no-config')
    await mkdir(noConfig)
    await using ctrd = await startContainerd({ wrapper: node.wrapper, hostsDir: noConfig, timeoutMs: TIMEOUT_MS })
    await assert.rejects(ctrd.pull(`${address}/app:latest`, { plainHttp: false }), /x509: certificate signed by unknown authority/)
    await assert.rejects(
      ctrd.pull('registry.test.internal/app:latest', { plainHttp: false }),
      /connection refused/,
      'no mirror: port 443, where nothing listens',
    )
    const hostsDir = registry.hostsDir
    for (const ref of ['docker.io/library/nope:1.0', 'ghcr.io/org/agent:nope']) {
      await assert.rejects(ctrd.pull(ref, { plainHttp: false, hostsDir }), new RegExp(`${ref.replaceAll('.', '\\.')}: not found`))
    }
  })

  await step('podman: pulls each name, and the short name app:1.0, through the drop-in and certs.d', async () => {
    await using podman = await createPodman({ wrapper: node.wrapper, timeoutMs: TIMEOUT_MS })
    await cp(join(config, 'containers'), podman.configDir, { recursive: true })
    for (const [ref, fixture] of [...pulls, ['app:1.0', app] as const]) {
      const image = await podman.pull(ref, { tlsVerify: true })
      assert.equal(`sha256:${image.id}`, fixture.host.config, `${ref}: the host platform's image`)
      assert.ok(image.digests.includes(fixture.digest), `${ref}: ${image.digests.join(', ')} includes ${fixture.digest}`)
    }
    await assert.rejects(podman.pull('docker.io/library/nope:1.0', { tlsVerify: true }), /name unknown: repository "library\/nope" is not known/)
    await assert.rejects(podman.pull('docker.io/library/app:nope', { tlsVerify: true }), /manifest unknown/)
  })

  await step('skopeo: --registries-conf and --cert-dir; digests and a full copy checked against the layouts', async () => {
    const registriesConf = join(config, 'containers', 'registries.conf.d', '50-localregistry.conf')
    await using skopeo = await createSkopeo({ wrapper: node.wrapper, registriesConf, timeoutMs: TIMEOUT_MS })
    const certDir = join(config, 'containers', 'certs.d', address)
    for (const [ref, fixture] of pulls) assert.equal((await skopeo.inspectRaw(ref, { certDir })).digest, fixture.digest, ref)
    const out = work.join('skopeo-agent')
    await skopeo.pullToLayout('ghcr.io/org/agent:v1', out, 'pulled', { certDir })
    const pulled = await readPulledLayout(out, 'pulled')
    assert.equal(pulled.digest, agent.digest)
    assert.deepEqual(pulled.manifests, agent.manifests)
    assert.deepEqual(pulled.blobs, agent.blobs)
    await assert.rejects(skopeo.inspectRaw('docker.io/library/nope:1.0', { certDir }), /name unknown: repository \\?"library\/nope\\?" is not known/)
    await assert.rejects(skopeo.inspectRaw('ghcr.io/org/agent:nope', { certDir }), /manifest unknown/)
    // skopeo verifies by default; only the CA in --cert-dir makes the certificate trusted.
    await assert.rejects(skopeo.run(['inspect', '--raw', `docker://${address}/app:latest`]), /x509: certificate signed by unknown authority/)
  })
})

/**
 * What a run that crashed leaves: a namespace named for a process that is gone (pid_max + 1
 * never exists), its /etc/netns directory, and a host veth whose peer is inside it.
 */
async function leaveStaleNode(): Promise<{ name: string; veth: string }> {
  const deadPid = Number(await readFile('/proc/sys/kernel/pid_max', 'utf8')) + 1
  const name = `localregistry-e2e-${deadPid}-${randomBytes(2).toString('hex')}`
  const veth = `lr${randomBytes(3).toString('hex')}h`
  const ip = toolPath('ip')
  await run(ip, ['netns', 'add', name])
  try {
    await mkdir(join('/etc/netns', name), { recursive: true })
    await writeFile(join('/etc/netns', name, 'hosts'), '')
    await run(ip, ['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth.slice(0, -1)}n`, 'netns', name])
  } catch (error) {
    // A run of this test in parallel may clean this "stale" node up at once: only that is expected.
    if ((await run(ip, ['netns', 'list'])).stdout.includes(name)) throw error
  }
  return { name, veth }
}
