// The client: `localregistry pull` of the large image vs `skopeo copy` to an
// oci: directory, both from our server, both as fresh processes, the blob file
// warm before each. Each pull goes to a new directory, checked and removed after,
// with a `sync` so one pull's writeback does not land in the next one's time.

import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { run } from '../../e2e/tools/exec.ts'
import { createSkopeo, type Skopeo } from '../../e2e/tools/skopeo.ts'
import type { Contender } from '../contenders/contender.ts'
import type { Context } from '../lib/context.ts'
import { blobPath, type BenchImage } from '../lib/fixtures.ts'
import { rotate, type Subject } from '../lib/results.ts'
import { coldEnv } from '../lib/runtimes.ts'
import { warmFile } from './blob.ts'

type Puller = (ref: string, dir: string) => Promise<void>

export async function pullSection(ctx: Context): Promise<void> {
  const { settings, recorder, large } = ctx
  const server = await ctx.contender('ours')
  await using skopeo = await createSkopeo({ timeoutMs: settings.transferTimeoutMs })
  const pullers: [Subject, Puller][] = [
    ['localregistry-pull', (ref, dir) => ourPull([...settings.nodeArgs, settings.cli], ref, dir, settings.transferTimeoutMs)],
    ['skopeo-copy', (ref, dir) => skopeoCopy(skopeo, ref, dir)],
  ]
  const ref = `${server.host}/${large.repository}:${large.tag}`
  for (let runIndex = 0; runIndex < settings.runs; runIndex++) {
    for (const [subject, pull] of rotate(pullers, runIndex)) {
      const seconds = await timedPull(ctx, server, large, pull, ref, join(ctx.workDir, `pull-${subject}-${runIndex}`))
      recorder.add('pull.seconds', subject, runIndex, seconds)
    }
  }
}

async function timedPull(ctx: Context, server: Contender, image: BenchImage, pull: Puller, ref: string, dir: string): Promise<number> {
  await warmFile(server.blobFile(image.repository, image.layerDigest))
  const start = performance.now()
  await pull(ref, dir)
  const seconds = (performance.now() - start) / 1000
  const size = (await stat(blobPath(dir, image.layerDigest)).catch(() => undefined))?.size
  if (size !== image.layerSize) throw new Error(`pull of ${ref} into "${dir}" left a layer of ${size} bytes, expected ${image.layerSize}`)
  await rm(dir, { recursive: true, force: true })
  await run('sync', [], { timeoutMs: 120_000 })
  ctx.log(`    pulled ${ref} in ${seconds.toFixed(2)} s`)
  return seconds
}

/** `node ...command pull REF DIR`, to completion. */
export async function ourPull(command: readonly string[], ref: string, dir: string, timeoutMs: number): Promise<void> {
  await run(process.execPath, [...command, 'pull', ref, dir], { timeoutMs, env: coldEnv() })
}

async function skopeoCopy(skopeo: Skopeo, ref: string, dir: string): Promise<void> {
  await skopeo.copy(`docker://${ref}`, `oci:${dir}:latest`)
}
