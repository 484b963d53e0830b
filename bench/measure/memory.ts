// Memory: peak RSS (VmHWM, and RSS sampled every 50 ms) of a freshly started server of ours
// while 4 clients download the large layer at once, plus its RSS just before. The same transfer
// gives the throughput of a fresh server's first GET of a blob, which includes the one-time
// check of the file against its digest (the blob section measures servers that have served it).

import { MiB } from '../lib/units.ts'
import { startOurs } from '../contenders/ours.ts'
import type { Context } from '../lib/context.ts'
import { peakRssBytes, rssBytes } from '../lib/proc.ts'
import { downloadBlob, type Transfer, warmFile } from './blob.ts'

const CLIENTS = 4

export async function memorySection(ctx: Context): Promise<void> {
  const { settings, recorder, large } = ctx
  for (let runIndex = 0; runIndex < settings.runs; runIndex++) {
    await using server = await startOurs({ images: [large], cli: settings.cli, nodeArgs: settings.nodeArgs })
    await warmFile(server.blobFile(large.repository, large.layerDigest))
    const idle = await rssBytes(server.pid)
    // downloadBlob resets VmHWM first, so this is the peak while the clients pull.
    let transfer: Transfer | undefined
    const sampled = await sampleWhile(server.pid, async () => {
      transfer = await downloadBlob(server, large, CLIENTS, settings.transferTimeoutMs)
    })
    const peak = Math.max(sampled, await peakRssBytes(server.pid))
    recorder.add('memory.first_get_throughput', 'ours', runIndex, transfer!.bytes / MiB / transfer!.seconds)
    recorder.add('memory.idle_rss', 'ours', runIndex, idle / MiB)
    recorder.add('memory.peak_rss', 'ours', runIndex, peak / MiB)
  }
}

/** Runs `work`, sampling the RSS every 50 ms; returns the highest sample. */
async function sampleWhile(pid: number, work: () => Promise<unknown>): Promise<number> {
  let highest = 0
  let done = false
  const sampler = (async () => {
    while (!done) {
      highest = Math.max(highest, await rssBytes(pid))
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  try {
    await work()
  } finally {
    done = true
    await sampler
  }
  return highest
}
