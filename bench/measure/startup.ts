// Start-up: from spawning `localregistry serve --image small:1=DIR --listen 127.0.0.1:0
// --ready-file F` to the first 200 of a manifest GET, for each runtime (bundle, dist/, .ts
// sources), interleaved with bare `node -e 0` (spawn to exit: the floor every runtime pays) and
// a minimal node:http server (spawn to its first 200: the floor of any Node server). Also the
// RSS of each right after that first 200, and the primary runtime with one image whose layer is
// the large one (start-up must not read or hash layers).

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { startOurs } from '../contenders/ours.ts'
import type { Context } from '../lib/context.ts'
import { buildImage, type BenchImage } from '../lib/fixtures.ts'
import { waitFor200 } from '../lib/http.ts'
import { rssBytes } from '../lib/proc.ts'
import { rotate, type Subject } from '../lib/results.ts'
import { coldEnv } from '../lib/runtimes.ts'
import { MiB } from '../lib/units.ts'

/** A node:http server that answers 200 to everything and prints its URL: the least a Node server does. */
const NODE_HTTP_FLOOR = `const s = require('node:http').createServer((q, r) => r.end('{}')).listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + s.address().port))`

interface Started {
  ms: number
  rssMiB?: number
}

type Starter = [Subject, string, () => Promise<Started>]

/** Spawn of `node -e 0` to its exit. */
async function bareNode(): Promise<Started> {
  const start = performance.now()
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore', env: coldEnv() })
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`node -e 0 exited with ${code}`)
  return { ms: performance.now() - start }
}

/** Spawn of the minimal node:http server to its first 200. */
async function nodeHttpFloor(): Promise<Started> {
  const start = performance.now()
  const child = spawn(process.execPath, ['-e', NODE_HTTP_FLOOR], { stdio: ['ignore', 'pipe', 'inherit'], env: coldEnv() })
  try {
    let out = ''
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8')
        const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out)
        if (match) resolve(match[0])
      })
      child.once('exit', (code) => reject(new Error(`the node:http server exited with ${code}`)))
    })
    await waitFor200(`${url}/`, {}, { timeoutMs: 10_000 })
    const ms = performance.now() - start
    return { ms, rssMiB: (await rssBytes(child.pid!)) / MiB }
  } finally {
    child.kill('SIGKILL')
  }
}

export async function startupSection(ctx: Context): Promise<void> {
  const { settings, recorder, runtimes } = ctx
  const small = await buildImage(join(ctx.workDir, 'startup-small'), 'small', { kind: 'image', name: 'startup-small', layerSize: settings.smallLayerSize })
  const serve = (cli: string, image: BenchImage, tag: string) => async (): Promise<Started> => {
    const readyFile = join(ctx.workDir, `ready-${tag}`)
    await using server = await startOurs({ images: [image], cli, nodeArgs: settings.nodeArgs, readyFile })
    return { ms: server.firstGetAt - server.spawnedAt, rssMiB: (await rssBytes(server.pid)) / MiB }
  }
  const starters: Starter[] = [
    ['node', 'startup.first_200', bareNode],
    ['node-http', 'startup.first_200', nodeHttpFloor],
    ...runtimes.all.map((r): Starter => [r.name, 'startup.first_200', serve(r.entry, small, r.name)]),
    [runtimes.primary.name, 'startup.large_layer', serve(runtimes.primary.entry, ctx.large, 'large')],
  ]
  for (let runIndex = 0; runIndex < settings.startupRuns; runIndex++) {
    for (const [subject, metric, start] of rotate(starters, runIndex)) {
      const { ms, rssMiB } = await start()
      recorder.add(metric, subject, runIndex, ms)
      if (rssMiB !== undefined && metric === 'startup.first_200') recorder.add('startup.idle_rss', subject, runIndex, rssMiB)
    }
  }
}
