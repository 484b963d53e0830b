// Start-up: from spawning `localregistry serve` to the first successful manifest
// GET (of the last image), for 1, 100 and 1,000 small images, and for one image
// whose layer is the large one (start-up must not read or hash layers).

import { join } from 'node:path'
import { startOurs } from '../contenders/ours.ts'
import type { Context } from '../lib/context.ts'
import { buildImage, type BenchImage } from '../lib/fixtures.ts'
import { rotate } from '../lib/results.ts'

interface Scenario {
  metric: string
  images: readonly BenchImage[]
}

/** Distinct small layouts (no shared blobs), one repository each: s0, s1, ... */
async function buildSmallImages(dir: string, count: number, layerSize: number): Promise<BenchImage[]> {
  const images: BenchImage[] = []
  for (let i = 0; i < count; i++) {
    images.push(await buildImage(join(dir, `s${i}`), `s${i}`, { kind: 'image', name: `startup-${i}`, layerSize }))
  }
  return images
}

export async function startupSection(ctx: Context): Promise<void> {
  const { settings, recorder } = ctx
  const most = Math.max(...settings.startupCounts)
  ctx.log(`building ${most} small layouts for start-up`)
  const small = await buildSmallImages(join(ctx.workDir, 'startup'), most, settings.smallLayerSize)
  const scenarios: Scenario[] = [
    ...settings.startupCounts.map((n) => ({ metric: `startup.images_${n}`, images: small.slice(0, n) })),
    { metric: 'startup.large_layer', images: [ctx.large] },
  ]
  for (let runIndex = 0; runIndex < settings.runs; runIndex++) {
    for (const scenario of rotate(scenarios, runIndex)) {
      await using server = await startOurs({ images: scenario.images, cli: settings.cli, nodeArgs: settings.nodeArgs })
      recorder.add(scenario.metric, 'ours', runIndex, server.firstGetAt - server.spawnedAt)
    }
  }
}
