// What a cluster launcher compares: the ways to get a Bazel-built image (the large layout) into
// its nodes' containerd, each timed from the layout on disk to the image unpacked in every node:
//
//   serve-pull      `localregistry serve` (with --client-config), then each node's CRI PullImage
//                   (what kubelet calls) through the hosts.toml it wrote;
//   tarball-import  rules_oci's `oci_load` route: `skopeo copy oci:… docker-archive:FILE`, then
//                   each node's own `ctr -n k8s.io images import FILE` (what `kind load` runs);
//   push-pull       distribution started, `skopeo copy oci:… docker://…` into it, a hosts.toml
//                   for it, then each node's CRI PullImage through it.
//
// A node is containerd with its CRI plugin as kubelet's node runs it (e2e/launchers/containerd-node.ts),
// config_path the route's certs.d, started fresh before each timed run and stopped after it;
// 4 nodes take the image at once. Each node release (Debian 12's containerd 1.6, sid's 2) is a
// series of its own. Bytes written outside the nodes' stores are the write_bytes of /proc/self/io
// across the run: every helper (serve, distribution, skopeo, ctr) is a child this process reaps,
// and the kernel adds a reaped child's I/O counts to its parent's; the nodes' containerd processes
// are reaped only after the reading (and start no shims: no pod runs).

import { join } from 'node:path'
import {
  NODE_RELEASES,
  nodeRelease,
  startCriContainerd,
  type ContainerdRelease,
  type CriContainerd,
  type NodeReleaseName,
} from '../../e2e/launchers/containerd-node.ts'
import { parseImagesCheck } from '../../e2e/tools/containerd.ts'
import { startDistribution } from '../../e2e/tools/distribution.ts'
import { run } from '../../e2e/tools/exec.ts'
import { createSkopeo, type Skopeo } from '../../e2e/tools/skopeo.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import { writeClientConfig } from '../../src/client-config/index.ts'
import { startOurs } from '../contenders/ours.ts'
import type { Context } from '../lib/context.ts'
import { blobPath } from '../lib/fixtures.ts'
import { ownWriteBytes } from '../lib/proc.ts'
import { rotate } from '../lib/results.ts'
import { warmFile } from './blob.ts'

export const WORKFLOW_ROUTES = ['serve-pull', 'tarball-import', 'push-pull'] as const
export type WorkflowRoute = (typeof WORKFLOW_ROUTES)[number]

/** The node releases, each a series of its own. */
export const WORKFLOW_RELEASES = Object.keys(NODE_RELEASES) as NodeReleaseName[]

/** Nodes that take the image at once. */
export const WORKFLOW_NODES = [1, 4] as const

/** The metric of one series: `workflow.containerd1.nodes4.seconds`. */
export function workflowMetric(release: NodeReleaseName, nodes: number, what: 'seconds' | 'written'): string {
  return `workflow.${release}.nodes${nodes}.${what}`
}

/** The production name the nodes ask for; hosts.toml sends it to the registry of the route. */
const REGISTRY_HOST = 'registry.test.internal'
const IMAGE_REF = `${REGISTRY_HOST}/bench:latest`
/** CRI needs a sandbox image named; no pod runs, so it is never pulled. */
const SANDBOX_IMAGE = `${REGISTRY_HOST}/pause:1`

/** Runs a route into `nodes`; returns what stops its servers (not timed, but their writes count). */
type Route = (ctx: RouteContext, nodes: readonly CriContainerd[]) => Promise<() => Promise<void>>

interface RouteContext {
  ctx: Context
  skopeo: Skopeo
  /** This run's scratch directory: the tarball. */
  scratch: string
  /** Where the route's client configuration goes: the nodes' config_path is its containerd/certs.d. */
  config: string
}

const ROUTES: Record<WorkflowRoute, Route> = {
  'serve-pull': async ({ ctx, config }, nodes) => {
    const { primary } = ctx.runtimes
    const server = await startOurs({
      images: [ctx.large],
      args: ['--image', `${ctx.large.repository}:${ctx.large.tag}=${ctx.large.layoutDir}`, '--client-config', config, '--mirror-for', REGISTRY_HOST],
      cli: primary.entry,
      nodeArgs: [...primary.nodeArgs, ...ctx.settings.nodeArgs],
    })
    await pullAll(ctx, nodes)
    return () => server.stop()
  },
  'tarball-import': async ({ ctx, skopeo, scratch }, nodes) => {
    const tarball = join(scratch, 'image.tar')
    // docker-archive holds a Docker manifest: the digests change, and it holds one image.
    await skopeo.copy(`oci:${ctx.large.layoutDir}:${ctx.large.tag}`, `docker-archive:${tarball}:${IMAGE_REF}`, { all: false, preserveDigests: false })
    // As `kind load image-archive` does: the node's own ctr, the daemon's default import path
    // (containerd 2: its transfer service; 1.6 has none and imports in ctr).
    await Promise.all(nodes.map((node) => node.ctr(['images', 'import', tarball], { timeoutMs: ctx.settings.transferTimeoutMs })))
    return async () => undefined
  },
  'push-pull': async ({ ctx, skopeo, config }, nodes) => {
    const registry = await startDistribution()
    try {
      await skopeo.pushLayout(ctx.large.layoutDir, ctx.large.tag, `${registry.host}/${ctx.large.repository}:${ctx.large.tag}`)
      await writeClientConfig(config, { url: registry.url, mirrorFor: [REGISTRY_HOST] })
      await pullAll(ctx, nodes)
    } catch (error) {
      await registry.stop()
      throw error
    }
    return () => registry.stop()
  },
}

/** Every node pulls the image at once through CRI, as kubelet does; config_path sends it to the route's registry. */
async function pullAll(ctx: Context, nodes: readonly CriContainerd[]): Promise<void> {
  await Promise.all(nodes.map((node) => node.cri.pullImage(IMAGE_REF, { timeoutMs: ctx.settings.transferTimeoutMs })))
}

export async function workflowSection(ctx: Context): Promise<void> {
  const { settings, recorder } = ctx
  await using skopeo = await createSkopeo({ timeoutMs: settings.transferTimeoutMs })
  const releases = await Promise.all(WORKFLOW_RELEASES.map(async (name) => [name, await nodeRelease(name)] as const))
  for (const [name, release] of releases) ctx.log(`  ${NODE_RELEASES[name].name}: containerd ${release.version} (${release.containerd})`)
  for (let runIndex = 0; runIndex < settings.runs; runIndex++) {
    for (const nodeCount of WORKFLOW_NODES) {
      for (const [name, release] of rotate(releases, runIndex)) {
        for (const route of rotate(WORKFLOW_ROUTES, runIndex)) {
          const { seconds, written } = await timedRoute(ctx, skopeo, { name, release }, route, nodeCount)
          recorder.add(workflowMetric(name, nodeCount, 'seconds'), route, runIndex, seconds)
          recorder.add(workflowMetric(name, nodeCount, 'written'), route, runIndex, written / 2 ** 20)
        }
      }
    }
  }
}

interface Release {
  name: NodeReleaseName
  release: ContainerdRelease
}

/** One route into `nodeCount` fresh nodes: seconds until every node has the image, and bytes written outside their stores. */
async function timedRoute(
  ctx: Context,
  skopeo: Skopeo,
  { name, release }: Release,
  route: WorkflowRoute,
  nodeCount: number,
): Promise<{ seconds: number; written: number }> {
  const timeoutMs = ctx.settings.transferTimeoutMs
  await using scratch = await makeTempDir('bench-workflow-')
  const config = scratch.join('client-config')
  // The route writes it (serve, or writeClientConfig for distribution): containerd reads it at each pull.
  const hostsDir = join(config, 'containerd', 'certs.d')
  const started = await Promise.allSettled(
    Array.from({ length: nodeCount }, () =>
      startCriContainerd({ containerd: release, hostsDir, sandboxImage: SANDBOX_IMAGE, timeoutMs, readyTimeoutMs: 120_000 }),
    ),
  )
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  try {
    const failed = started.find((s) => s.status === 'rejected')
    if (failed) throw failed.reason
    await warmFile(blobPath(ctx.large.layoutDir, ctx.large.layerDigest))
    await run('sync', [], { timeoutMs: 120_000 })
    const writtenBefore = await ownWriteBytes()
    const start = performance.now()
    const stopServers = await ROUTES[route]({ ctx, skopeo, scratch: scratch.path, config }, nodes)
    const seconds = (performance.now() - start) / 1000
    await stopServers()
    const written = (await ownWriteBytes()) - writtenBefore
    await Promise.all(nodes.map((node, i) => checkImage(node, `${name} ${route} node ${i}`)))
    ctx.log(
      `    ${name}, ${route}, ${nodeCount} node${nodeCount === 1 ? '' : 's'}: ${seconds.toFixed(2)} s, ${(written / 2 ** 20).toFixed(2)} MiB written outside the nodes`,
    )
    return { seconds, written }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()))
  }
}

/**
 * The image must be complete and unpacked (what a pod needs) in the node. Read from the content
 * store by `ctr images check`: CRI's own image list follows the store's events asynchronously, so
 * right after an import it may not show the image yet.
 */
async function checkImage(node: CriContainerd, where: string): Promise<void> {
  const image = parseImagesCheck((await node.ctr(['images', 'check'])).stdout).find((row) => row.ref === IMAGE_REF)
  if (image === undefined || !image.status.startsWith('complete') || !image.unpacked)
    throw new Error(`${where}: ${IMAGE_REF} is ${image === undefined ? 'missing' : `${image.status}, unpacked ${image.unpacked}`} after the route`)
}
