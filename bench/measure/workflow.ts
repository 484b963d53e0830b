// What a cluster launcher compares: the ways to get a Bazel-built image (the large layout) into
// its nodes' containerd, each timed from the layout on disk to the image unpacked in every node:
//
//   serve-pull      `localregistry serve` (with --client-config), then each node `ctr images pull`s
//                   through the hosts.toml it wrote;
//   tarball-import  rules_oci's `oci_load` route: `skopeo copy oci:… docker-archive:FILE`, then each
//                   node `ctr images import FILE`;
//   push-pull       distribution started, `skopeo copy oci:… docker://…` into it, a hosts.toml
//                   for it, then each node pulls through it.
//
// A node is a containerd of its own (root, state and socket in a temp dir), started fresh before
// each timed run and stopped after it; 4 nodes pull or import at once. Bytes written outside the
// nodes' stores are the write_bytes of /proc/self/io across the run: every helper (serve,
// distribution, skopeo, ctr) is a child this process reaps, and the kernel adds a reaped child's
// I/O counts to its parent's; the nodes' containerd processes are reaped only after the reading.

import { join } from 'node:path'
import { startContainerd, type Containerd } from '../../e2e/tools/containerd.ts'
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

/** Nodes that take the image at once. */
export const WORKFLOW_NODES = [1, 4] as const

/** The production name the nodes ask for; hosts.toml sends it to the registry of the route. */
const REGISTRY_HOST = 'registry.test.internal'
const IMAGE_REF = `${REGISTRY_HOST}/bench:latest`

/** Runs a route into `nodes`; returns what stops its servers (not timed, but their writes count). */
type Route = (ctx: RouteContext, nodes: readonly Containerd[]) => Promise<() => Promise<void>>

interface RouteContext {
  ctx: Context
  skopeo: Skopeo
  /** This run's scratch directory: the tarball, the client configuration. */
  scratch: string
}

const ROUTES: Record<WorkflowRoute, Route> = {
  'serve-pull': async ({ ctx, scratch }, nodes) => {
    const { primary } = ctx.runtimes
    const config = join(scratch, 'client-config')
    const server = await startOurs({
      images: [ctx.large],
      args: ['--image', `${ctx.large.repository}:${ctx.large.tag}=${ctx.large.layoutDir}`, '--client-config', config, '--mirror-for', REGISTRY_HOST],
      cli: primary.entry,
      nodeArgs: [...primary.nodeArgs, ...ctx.settings.nodeArgs],
    })
    await pullAll(ctx, nodes, config)
    return () => server.stop()
  },
  'tarball-import': async ({ ctx, skopeo, scratch }, nodes) => {
    const tarball = join(scratch, 'image.tar')
    // docker-archive holds a Docker manifest: the digests change, and it holds one image.
    await skopeo.copy(`oci:${ctx.large.layoutDir}:${ctx.large.tag}`, `docker-archive:${tarball}:${IMAGE_REF}`, { all: false, preserveDigests: false })
    await Promise.all(nodes.map((node) => node.ctr(['images', 'import', tarball], { timeoutMs: ctx.settings.transferTimeoutMs })))
    return async () => undefined
  },
  'push-pull': async ({ ctx, skopeo, scratch }, nodes) => {
    const registry = await startDistribution()
    try {
      await skopeo.pushLayout(ctx.large.layoutDir, ctx.large.tag, `${registry.host}/${ctx.large.repository}:${ctx.large.tag}`)
      const config = join(scratch, 'client-config')
      await writeClientConfig(config, { url: registry.url, mirrorFor: [REGISTRY_HOST] })
      await pullAll(ctx, nodes, config)
    } catch (error) {
      await registry.stop()
      throw error
    }
    return () => registry.stop()
  },
}

/** Every node pulls the image at once through the hosts.toml under `config`. */
async function pullAll(ctx: Context, nodes: readonly Containerd[], config: string): Promise<void> {
  const hostsDir = join(config, 'containerd', 'certs.d')
  await Promise.all(nodes.map((node) => node.ctr(['images', 'pull', '--hosts-dir', hostsDir, IMAGE_REF], { timeoutMs: ctx.settings.transferTimeoutMs })))
}

export async function workflowSection(ctx: Context): Promise<void> {
  const { settings, recorder } = ctx
  await using skopeo = await createSkopeo({ timeoutMs: settings.transferTimeoutMs })
  for (let runIndex = 0; runIndex < settings.runs; runIndex++) {
    for (const nodeCount of WORKFLOW_NODES) {
      for (const route of rotate(WORKFLOW_ROUTES, runIndex)) {
        const { seconds, written } = await timedRoute(ctx, skopeo, route, nodeCount)
        recorder.add(`workflow.nodes${nodeCount}.seconds`, route, runIndex, seconds)
        recorder.add(`workflow.nodes${nodeCount}.written`, route, runIndex, written / 2 ** 20)
      }
    }
  }
}

/** One route into `nodeCount` fresh nodes: seconds until every node has the image, and bytes written outside their stores. */
async function timedRoute(ctx: Context, skopeo: Skopeo, route: WorkflowRoute, nodeCount: number): Promise<{ seconds: number; written: number }> {
  const timeoutMs = ctx.settings.transferTimeoutMs
  await using scratch = await makeTempDir('bench-workflow-')
  const started = await Promise.allSettled(Array.from({ length: nodeCount }, () => startContainerd({ timeoutMs, readyTimeoutMs: 60_000 })))
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  try {
    const failed = started.find((s) => s.status === 'rejected')
    if (failed) throw failed.reason
    await warmFile(blobPath(ctx.large.layoutDir, ctx.large.layerDigest))
    await run('sync', [], { timeoutMs: 120_000 })
    const writtenBefore = await ownWriteBytes()
    const start = performance.now()
    const stopServers = await ROUTES[route]({ ctx, skopeo, scratch: scratch.path }, nodes)
    const seconds = (performance.now() - start) / 1000
    await stopServers()
    const written = (await ownWriteBytes()) - writtenBefore
    await Promise.all(nodes.map((node, i) => checkImage(node, `${route} node ${i}`)))
    ctx.log(
      `    ${route}, ${nodeCount} node${nodeCount === 1 ? '' : 's'}: ${seconds.toFixed(2)} s, ${(written / 2 ** 20).toFixed(2)} MiB written outside the nodes`,
    )
    return { seconds, written }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()))
  }
}

/** The image must be complete and unpacked (what a pod needs) in the node. */
async function checkImage(node: Containerd, where: string): Promise<void> {
  const image = await node.image(IMAGE_REF)
  if (image === undefined || !image.status.startsWith('complete') || !image.unpacked)
    throw new Error(`${where}: ${IMAGE_REF} is ${image === undefined ? 'missing' : `${image.status}, unpacked ${image.unpacked}`} after the route`)
}
