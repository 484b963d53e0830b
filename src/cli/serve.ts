// `localregistry serve`: load manifests and layouts, listen, print the base URL (the only line on
// stdout), write the ready file, and serve until the stop signal (SIGINT/SIGTERM) aborts.

import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { type ImageOption, type RunningRegistry, startRegistry } from '../api.ts'
import { UsageError } from '../errors.ts'
import { type Io, parseCommandArgs } from './io.ts'
import { DEFAULT_LISTEN, SERVE_HELP } from './help.ts'
import { LAUNCHER_ARGS, type LauncherOptions, parseLauncherOptions, tlsOption, writeLauncherFiles } from './launcher-options.ts'

export interface ServeOptions {
  manifests: string[]
  images: ImageOption[]
  listen: string
  readyFile: string | undefined
  runfiles: string | undefined
  logRequests: boolean
  /** HTTPS and runtime configuration for cluster launchers. */
  launcher: LauncherOptions
}

/** Parses `serve` arguments; undefined means --help. */
export function parseServeArgs(args: string[]): ServeOptions | undefined {
  const { values } = parseCommandArgs('serve', () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        manifest: { type: 'string', multiple: true, default: [] },
        image: { type: 'string', multiple: true, default: [] },
        listen: { type: 'string', default: DEFAULT_LISTEN },
        'ready-file': { type: 'string' },
        runfiles: { type: 'string' },
        'log-requests': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        ...LAUNCHER_ARGS,
      },
    }),
  )
  if (values.help) return undefined
  const images = values.image.map(parseImageOption)
  if (values.manifest.length === 0 && images.length === 0) throw new UsageError('nothing to serve: give at least one --manifest FILE or --image REPO[:TAG]=DIR')
  return {
    manifests: values.manifest,
    images,
    listen: values.listen,
    readyFile: values['ready-file'],
    runfiles: values.runfiles,
    logRequests: values['log-requests'],
    launcher: parseLauncherOptions(values),
  }
}

/** `REPO[:TAG]=DIR` (split at the first '=': a repository or tag never holds one). */
export function parseImageOption(value: string): ImageOption {
  const source = `--image ${value}`
  const eq = value.indexOf('=')
  if (eq <= 0 || eq === value.length - 1) throw new UsageError(`${source}: expected REPO[:TAG]=DIR, e.g. app:latest=bazel-bin/app/image`)
  const name = value.slice(0, eq)
  const layout = value.slice(eq + 1)
  const colon = name.indexOf(':')
  if (colon < 0) return { repository: name, layout, source }
  return { repository: name.slice(0, colon), tag: name.slice(colon + 1), layout, source }
}

/** Runs `serve` until `stop` aborts; returns the exit code. */
export async function runServeCommand(args: string[], io: Io, stop: AbortSignal): Promise<number> {
  const options = parseServeArgs(args)
  if (options === undefined) {
    io.stdout.write(SERVE_HELP)
    return 0
  }
  // A ready file left by an earlier run must not announce a URL before this one serves.
  if (options.readyFile !== undefined) await rm(options.readyFile, { force: true })
  const registry = await startRegistry({
    manifests: options.manifests,
    images: options.images,
    listen: options.listen,
    runfiles: options.runfiles,
    tls: await tlsOption(options.launcher),
    ...(options.logRequests && { log: (line: string) => io.stderr.write(`${line}\n`) }),
  })
  try {
    // Stopped while loading: close without ever announcing the URL.
    if (stop.aborted) return 0
    await writeLauncherFiles(options.launcher, registry, io)
    if (options.readyFile !== undefined) await writeReadyFile(options.readyFile, registry.url)
    io.stdout.write(`${registry.url}\n`)
    io.stderr.write(`localregistry: ${summary(registry)} at ${registry.url}\n`)
    if (!stop.aborted) await once(stop, 'abort')
  } finally {
    await registry.close()
    if (options.readyFile !== undefined) await rm(options.readyFile, { force: true })
  }
  return 0
}

function summary(registry: RunningRegistry): string {
  const names = registry.registry.repositories()
  let tags = 0
  let manifests = 0
  for (const name of names) {
    const repo = registry.registry.repository(name)
    tags += repo?.tags.size ?? 0
    manifests += repo?.manifests.size ?? 0
  }
  return `serving ${plural(names.length, 'repository', 'repositories')}, ${plural(tags, 'tag', 'tags')}, ${plural(manifests, 'manifest', 'manifests')}`
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

/** Writes `url\n` to a temp file beside `file`, then renames it over `file`: readers never see half a URL. */
export async function writeReadyFile(file: string, url: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await writeFile(temp, `${url}\n`)
    await rename(temp, file)
  } catch (error) {
    await rm(temp, { force: true })
    throw new UsageError(`--ready-file ${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
}
