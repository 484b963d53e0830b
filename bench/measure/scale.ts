// Scaling: whether the cost per item stays flat as what is served grows. Four curves, each point
// measured `runs` times with the points rotated between runs:
//   images     start-up (spawn to the first 200 of the last image's manifest) and RSS after it,
//              serving N one-layer images from a Bazel manifest through a runfiles directory
//              (`serve --manifest F --runfiles D`, as a Bazel test starts it);
//   layers     the same for one image with N layers (`--image`);
//   clients    manifest GET req/s (`ab -k -c N`) and blob MiB/s (N concurrent `curl` of one
//              blob), ours and nginx;
//   platforms  `localregistry pull` of an index of N one-layer images, a fresh process each time.
// Servers and pulls run on the runtime a Bazel test uses (bench/lib/runtimes.ts).

import { mkdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startNginx } from '../contenders/nginx.ts'
import { startOurs } from '../contenders/ours.ts'
import type { Context } from '../lib/context.ts'
import { blobPath, buildImage, buildIndex, type BenchImage } from '../lib/fixtures.ts'
import { rssBytes } from '../lib/proc.ts'
import { rotate } from '../lib/results.ts'
import { MiB } from '../lib/units.ts'
import { downloadBlob, warmFile } from './blob.ts'
import { ourPull } from './pull.ts'
import { loadManifest } from './requests.ts'

/** Every curve runs even when one fails; the failures are reported together at the end. */
export async function scaleSection(ctx: Context): Promise<void> {
  const failures: string[] = []
  for (const [name, curve] of [
    ['images', imagesCurve],
    ['layers', layersCurve],
    ['clients', clientsCurve],
    ['platforms', platformsCurve],
  ] as const) {
    try {
      await curve(ctx, (failure) => failures.push(`${name}: ${failure}`))
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`)
    }
  }
  if (failures.length > 0) throw new Error(failures.join('; '))
}

/** Records a failed point of a curve and goes on with the next one. */
type OnFailure = (failure: string) => void

/** Start-up time and RSS of the primary runtime for each `[point, serve args, image to GET]`, rotated across runs. */
async function startupCurve(ctx: Context, curve: string, points: readonly [number, readonly string[], BenchImage][]): Promise<void> {
  const { settings, recorder, runtimes } = ctx
  for (let runIndex = 0; runIndex < settings.runs; runIndex++) {
    for (const [n, args, last] of rotate(points, runIndex)) {
      await using server = await startOurs({
        images: [last],
        args,
        cli: runtimes.primary.entry,
        nodeArgs: [...settings.nodeArgs, ...runtimes.primary.nodeArgs],
        timeoutMs: 120_000,
      })
      recorder.add(`scale.${curve}.${n}.startup`, 'ours', runIndex, server.firstGetAt - server.spawnedAt)
      recorder.add(`scale.${curve}.${n}.rss`, 'ours', runIndex, (await rssBytes(server.pid)) / MiB)
    }
  }
}

async function imagesCurve(ctx: Context): Promise<void> {
  const { settings } = ctx
  const runfiles = join(ctx.workDir, 'scale-images')
  const most = Math.max(...settings.scale.images)
  ctx.log(`building ${most} one-layer images`)
  const images: BenchImage[] = []
  for (let i = 0; i < most; i++) {
    images.push(await buildImage(join(runfiles, '_main', `i${i}`), `i${i}`, { kind: 'image', name: `scale-${i}`, layerSize: settings.smallLayerSize }))
  }
  const points: [number, string[], BenchImage][] = []
  for (const n of settings.scale.images) {
    const manifest = join(runfiles, `manifest-${n}.prototxt`)
    const entries = images.slice(0, n).map((image, i) => `images {\n  repository: "${image.repository}"\n  tag: "${image.tag}"\n  path: "_main/i${i}"\n}\n`)
    await writeFile(manifest, entries.join(''))
    points.push([n, ['--manifest', manifest, '--runfiles', runfiles], images[n - 1]!])
  }
  await startupCurve(ctx, 'images', points)
}

async function layersCurve(ctx: Context): Promise<void> {
  const { settings } = ctx
  const points: [number, string[], BenchImage][] = []
  for (const n of settings.scale.layers) {
    const image = await buildImage(join(ctx.workDir, `scale-layers-${n}`), `layers${n}`, {
      kind: 'image',
      name: `layers-${n}`,
      layerSize: settings.smallLayerSize,
      layerCount: n,
    })
    points.push([n, ['--image', `${image.repository}:${image.tag}=${image.layoutDir}`], image])
  }
  await startupCurve(ctx, 'layers', points)
}

async function clientsCurve(ctx: Context, onFailure: OnFailure): Promise<void> {
  const { settings, recorder, runtimes } = ctx
  const medium = await buildImage(join(ctx.workDir, 'scale-blob'), 'medium', { kind: 'large', name: 'medium', layerSize: settings.scale.blobSize })
  const prefix = join(ctx.workDir, 'scale-nginx')
  await mkdir(prefix, { recursive: true })
  await using ours = await startOurs({ images: [medium], cli: runtimes.primary.entry, nodeArgs: [...settings.nodeArgs, ...runtimes.primary.nodeArgs] })
  await using nginx = await startNginx({ images: [medium], prefix })
  for (let runIndex = 0; runIndex < settings.runs; runIndex++) {
    for (const clients of rotate(settings.scale.clients, runIndex)) {
      for (const server of rotate([ours, nginx], runIndex + clients)) {
        const csvPath = join(ctx.workDir, `scale-ab-${server.name}-${clients}-${runIndex}.csv`)
        const point = `${server.name}, ${clients} clients, run ${runIndex}`
        try {
          const load = await loadManifest(server, medium, 'get', {
            seconds: settings.scale.requestSeconds,
            cap: settings.requestCap,
            concurrency: clients,
            csvPath,
          })
          recorder.add(`scale.clients.${clients}.manifest_rps`, server.name, runIndex, load.requestsPerSecond)
        } catch (error) {
          onFailure(`manifest GET, ${point}: ${(error as Error).message.split('\n')[0]}`)
        }
        await warmFile(server.blobFile(medium.repository, medium.layerDigest))
        try {
          const transfer = await downloadBlob(server, medium, clients, settings.transferTimeoutMs)
          recorder.add(`scale.clients.${clients}.blob_mibs`, server.name, runIndex, transfer.bytes / MiB / transfer.seconds)
        } catch (error) {
          onFailure(`blob download, ${point}: ${(error as Error).message.replace(/\s*\n\s*/g, ' ').slice(0, 400)}`)
        }
      }
    }
  }
}

async function platformsCurve(ctx: Context): Promise<void> {
  const { settings, recorder, runtimes } = ctx
  const indexes = new Map<number, BenchImage>()
  for (const n of settings.scale.platforms) {
    indexes.set(n, await buildIndex(join(ctx.workDir, `scale-index-${n}`), `index${n}`, n, settings.smallLayerSize))
  }
  const images = [...indexes.values()]
  await using server = await startOurs({ images, cli: runtimes.primary.entry, nodeArgs: [...settings.nodeArgs, ...runtimes.primary.nodeArgs] })
  const command = [...settings.nodeArgs, ...runtimes.primary.nodeArgs, runtimes.primary.entry]
  for (let runIndex = 0; runIndex < settings.runs; runIndex++) {
    for (const n of rotate(settings.scale.platforms, runIndex)) {
      const index = indexes.get(n)!
      const dir = join(ctx.workDir, `scale-pull-${n}-${runIndex}`)
      const start = performance.now()
      await ourPull(command, `${server.host}/${index.repository}:${index.tag}`, dir, settings.transferTimeoutMs)
      const seconds = (performance.now() - start) / 1000
      const size = (await stat(blobPath(dir, index.layerDigest)).catch(() => undefined))?.size
      if (size !== index.layerSize) throw new Error(`pull of ${index.repository} into "${dir}" left no layer of ${index.layerSize} bytes`)
      await rm(dir, { recursive: true, force: true })
      recorder.add(`scale.platforms.${n}.pull`, 'localregistry-pull', runIndex, seconds)
    }
  }
}
