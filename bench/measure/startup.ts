// Start-up: from spawning `localregistry serve --image small:1=DIR --listen 127.0.0.1:0
// --ready-file F` to the first 200 of a manifest GET, for each runtime (bundle, dist/, .ts
// sources), interleaved with bare `node -e 0` (spawn to exit: the floor every runtime pays) and
// a minimal node:http server (spawn to its first 200: the floor of any Node server). Also the
// RSS of each right after that first 200, the primary runtime with one image whose layer is
// the large one (start-up must not read or hash layers), and a trivial test (`exit 0`) run
// alone and wrapped by the localregistry_test launcher (bench/lib/wrapper.ts), spawn to exit.

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startOurs } from '../contenders/ours.ts'
import type { Context } from '../lib/context.ts'
import { buildImage, type BenchImage } from '../lib/fixtures.ts'
import { waitFor200 } from '../lib/http.ts'
import { rssBytes } from '../lib/proc.ts'
import { rotate, type Subject } from '../lib/results.ts'
import { coldEnv, type Runtime } from '../lib/runtimes.ts'
import { MiB } from '../lib/units.ts'
import { LAUNCHER_TEMPLATE, makeWrapper } from '../lib/wrapper.ts'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** A node:http server that answers 200 to everything and prints its URL: the least a Node server does. */
const NODE_HTTP_FLOOR = `const s = require('node:http').createServer((q, r) => r.end('{}')).listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + s.address().port))`

interface Started {
  ms: number
  rssMiB?: number
}

type Starter = [Subject, string, () => Promise<Started>]

/** Spawn of a command to its exit, which must be 0. */
async function toExit(file: string, args: readonly string[], env: NodeJS.ProcessEnv = coldEnv()): Promise<Started> {
  const start = performance.now()
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const [code] = (await once(child, 'close')) as [number | null]
  if (code !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${code}: ${stderr.trim().slice(-1000)}`)
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
  const serve = (runtime: Runtime, image: BenchImage, tag: string) => async (): Promise<Started> => {
    const readyFile = join(ctx.workDir, `ready-${tag}`)
    await using server = await startOurs({ images: [image], cli: runtime.entry, nodeArgs: [...settings.nodeArgs, ...runtime.nodeArgs], readyFile })
    return { ms: server.firstGetAt - server.spawnedAt, rssMiB: (await rssBytes(server.pid)) / MiB }
  }
  const wrapper = existsSync(join(REPO_ROOT, LAUNCHER_TEMPLATE))
    ? await makeWrapper(REPO_ROOT, join(ctx.workDir, 'wrapper'), runtimes.primary.entry, small)
    : undefined
  const starters: Starter[] = [
    ['node', 'startup.first_200', () => toExit(process.execPath, ['-e', '0'])],
    ['node-http', 'startup.first_200', nodeHttpFloor],
    ...runtimes.all.map((r): Starter => [r.name, 'startup.first_200', serve(r, small, r.name)]),
    [runtimes.primary.name, 'startup.large_layer', serve(runtimes.primary, ctx.large, 'large')],
  ]
  if (wrapper) {
    starters.push(
      ['unwrapped', 'startup.trivial_test', () => toExit(wrapper.test, [])],
      ['wrapped', 'startup.trivial_test', () => toExit(wrapper.launcher, [], { ...coldEnv(), ...wrapper.env })],
    )
  }
  for (let runIndex = 0; runIndex < settings.startupRuns; runIndex++) {
    for (const [subject, metric, start] of rotate(starters, runIndex)) {
      const { ms, rssMiB } = await start()
      recorder.add(metric, subject, runIndex, ms)
      if (rssMiB !== undefined && metric === 'startup.first_200') recorder.add('startup.idle_rss', subject, runIndex, rssMiB)
    }
  }
}
