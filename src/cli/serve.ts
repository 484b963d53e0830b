// `localregistry serve`: load manifests and layouts, listen, print the base URL (the only line on
// stdout) and, on stderr, what it serves and how to pull it, write the ready file, and serve until
// the stop signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) aborts, or with --stop-on-stdin-close stdin
// ends (the parent that holds the pipe is gone, even SIGKILLed).

import { once } from 'node:events'
import { join } from 'node:path'
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util'
import { type ImageOption, type RunningRegistry, startRegistry } from '../api.ts'
import { UsageError } from '../errors.ts'
import { type Io, parseCommandArgs } from './io.ts'
import { DEFAULT_LISTEN, SERVE_HELP } from './help.ts'
import { type PullTarget, serveHints } from './pull-hints.ts'
import { stageAll } from '../files/write-file-atomic.ts'
import { LAUNCHER_ARGS, type LauncherOptions, launcherFileStages, parseLauncherOptions, tlsOption } from './launcher-options.ts'
import { LIMIT_ARGS, type LimitOptions, parseLimitOptions } from './limit-options.ts'
import { ReadyFile } from './ready-file.ts'

export interface ServeOptions {
  manifests: string[]
  images: ImageOption[]
  listen: string
  readyFile: string | undefined
  runfiles: string | undefined
  logRequests: boolean
  /** Stop once stdin reaches end of file: the launcher holding the pipe's write end is gone. */
  stopOnStdinClose: boolean
  /** HTTPS and runtime configuration for cluster launchers. */
  launcher: LauncherOptions
  /** --max-connections, --send-timeout, --blob-memory; unset ones keep the server's defaults. */
  limits: LimitOptions
}

/** Every option `serve` takes, as parseArgs specs (SERVE_HELP and the README's table list exactly these: serve-flags.test.ts). */
export const SERVE_ARGS = {
  manifest: { type: 'string', multiple: true, default: [] as string[] },
  image: { type: 'string', multiple: true, default: [] as string[] },
  listen: { type: 'string', default: DEFAULT_LISTEN },
  'ready-file': { type: 'string' },
  runfiles: { type: 'string' },
  'log-requests': { type: 'boolean', default: false },
  'stop-on-stdin-close': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  ...LAUNCHER_ARGS,
  ...LIMIT_ARGS,
} satisfies ParseArgsOptionsConfig

/** Parses `serve` arguments; undefined means --help. */
export function parseServeArgs(args: string[]): ServeOptions | undefined {
  const { values } = parseCommandArgs('serve', () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: SERVE_ARGS,
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
    stopOnStdinClose: values['stop-on-stdin-close'],
    launcher: parseLauncherOptions(values),
    limits: parseLimitOptions(values),
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

/** Runs `serve` until `stop` aborts (or, with --stop-on-stdin-close, stdin ends); returns the exit code. */
export async function runServeCommand(args: string[], io: Io, stop: AbortSignal): Promise<number> {
  const options = parseServeArgs(args)
  if (options === undefined) {
    io.stdout.write(SERVE_HELP)
    return 0
  }
  if (!options.stopOnStdinClose) return serve(options, io, stop)
  // Watched from before loading: a launcher that is gone by then needs no registry at all.
  const closed = new AbortController()
  const onClose = (): void => {
    if (closed.signal.aborted) return
    io.stderr.write('localregistry: standard input closed (--stop-on-stdin-close): stopping\n')
    closed.abort()
  }
  const stdin = process.stdin.on('end', onClose).on('error', onClose).resume()
  try {
    return await serve(options, io, AbortSignal.any([stop, closed.signal]))
  } finally {
    stdin.off('end', onClose).off('error', onClose)
    // A pipe still open would keep the process alive after a stop signal.
    stdin.destroy()
  }
}

async function serve(options: ServeOptions, io: Io, stop: AbortSignal): Promise<number> {
  // An existing ready file is left alone until this instance serves: it may be another
  // instance's, and this one may yet fail (a port in use, a bad layout).
  const registry = await startRegistry({
    manifests: options.manifests,
    images: options.images,
    listen: options.listen,
    runfiles: options.runfiles,
    tls: await tlsOption(options.launcher),
    ...options.limits,
    ...(options.logRequests && { log: (line: string) => io.stderr.write(`${line}\n`) }),
  })
  // Set once staged; until committed, removing it leaves the file at its path alone (not ours).
  let ready: ReadyFile | undefined
  // A crash must not leave the URL of a registry that is gone.
  const onExit = (): void => ready?.removeSync()
  process.once('exit', onExit)
  try {
    // Stopped while loading: close without ever announcing the URL.
    if (stop.aborted) return 0
    if (registry.wildcard) {
      io.stderr.write(
        `localregistry: warning: --listen ${options.listen} listens on every interface: other machines can pull these images too; on this one use ${registry.url} (--listen 127.0.0.1:PORT keeps it local)\n`,
      )
    }
    // The announced files (--ca-out, --client-config, --ready-file) all, or none: each is staged
    // beside its place first, so a failure replaces no file of another instance's; the ready
    // file is renamed last, so a launcher that sees it finds the others in place.
    const readyFile = options.readyFile
    const announced = await stageAll([
      ...launcherFileStages(options.launcher, registry, io),
      ...(readyFile === undefined ? [] : [async () => (ready = await ReadyFile.stage(readyFile, registry.url))]),
    ])
    await announced.commit()
    io.stdout.write(`${registry.url}\n`)
    // One write, so that whoever waits for "Ctrl-C stops" finds the whole block.
    io.stderr.write(
      `localregistry: ${summary(registry)} at ${registry.url}; Ctrl-C stops\n${serveHints(pullTarget(registry, options.launcher), registry.registry)}`,
    )
    if (!stop.aborted) await once(stop, 'abort')
  } finally {
    await registry.close()
    await ready?.remove()
    process.off('exit', onExit)
  }
  return 0
}

/** Where clients find the CA of a generated certificate: --ca-out, else the one in --client-config. */
function pullTarget(registry: RunningRegistry, launcher: LauncherOptions): PullTarget {
  const written = registry.caCertificate === undefined ? undefined : (launcher.caOut ?? (launcher.clientConfig && join(launcher.clientConfig.dir, 'ca.crt')))
  return { url: registry.url, wildcard: registry.wildcard, caFile: written }
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
