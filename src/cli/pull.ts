// `localregistry pull`: copy a reference from a registry into an OCI layout directory, with the
// pull client (src/registry/client). On a terminal it shows one updating progress line on
// stderr; otherwise (or with --quiet) it is silent until it prints the digest, the only line on
// stdout. Errors are thrown for the command runner to print (usage errors exit 2, others 1).

import { parseArgs } from 'node:util'
import { UsageError } from '../errors.ts'
import { type PullProgress, pull } from '../registry/client/pull.ts'
import { PULL_HELP } from './help.ts'
import { type Io, parseCommandArgs } from './io.ts'

export interface PullCommandIo {
  stdout: Pick<NodeJS.WritableStream, 'write'>
  stderr: Pick<NodeJS.WritableStream, 'write'>
  /** Whether stderr is a terminal: only then is progress shown. */
  isTTY: boolean
  /** Stops the pull (e.g. on SIGINT); the layout is left as it was. */
  signal?: AbortSignal
}

/** Runs `pull`; SIGINT/SIGTERM (`stop`) abort it, leaving the layout as it was, and exit 130. */
export async function runPull(args: string[], io: Io, stop?: AbortSignal): Promise<number> {
  const isTTY = 'isTTY' in io.stderr && io.stderr.isTTY === true
  try {
    return await runPullCommand(args, { stdout: io.stdout, stderr: io.stderr, isTTY, ...(stop && { signal: stop }) })
  } catch (error) {
    if (stop?.aborted) {
      io.stderr.write('localregistry: pull interrupted\n')
      return 130
    }
    throw error
  }
}

/** Runs `localregistry pull ARGS`; resolves to the exit code (0), throws on failure. */
export async function runPullCommand(args: string[], io: PullCommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('pull', () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        'plain-http': { type: 'boolean' },
        platform: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  )
  if (values.help) {
    io.stdout.write(PULL_HELP)
    return 0
  }
  const [reference, dir, ...extra] = positionals
  if (reference === undefined || dir === undefined || extra.length > 0) {
    throw new UsageError(
      `pull takes a reference and a directory, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'} (see 'localregistry pull --help')`,
    )
  }
  const line = io.isTTY && !values.quiet ? new ProgressLine(io.stderr, reference) : undefined
  try {
    const result = await pull(reference, dir, {
      plainHttp: values['plain-http'] ?? false,
      ...(values.platform !== undefined && { platform: values.platform }),
      ...(io.signal && { signal: io.signal }),
      ...(line && { onProgress: (p: PullProgress) => line.update(p) }),
    })
    line?.finish()
    io.stdout.write(`${result.digest}\n`)
    return 0
  } catch (error) {
    line?.abandon()
    throw error
  }
}

/** One line on stderr, rewritten in place at most every 100 ms. */
class ProgressLine {
  readonly #out: Pick<NodeJS.WritableStream, 'write'>
  readonly #name: string
  #last: PullProgress | undefined
  #drawnAt = 0
  #drawn = false

  constructor(out: Pick<NodeJS.WritableStream, 'write'>, name: string) {
    this.#out = out
    this.#name = name
  }

  update(progress: PullProgress): void {
    this.#last = progress
    const now = Date.now()
    if (now - this.#drawnAt < 100 && progress.blobsDone < progress.blobsTotal) return
    this.#drawnAt = now
    this.#draw()
  }

  finish(): void {
    if (this.#last !== undefined) this.#draw()
    if (this.#drawn) this.#out.write('\n')
  }

  /** On failure: end the line so the error message starts on its own. */
  abandon(): void {
    if (this.#drawn) this.#out.write('\n')
  }

  #draw(): void {
    const p = this.#last
    if (p === undefined) return
    this.#drawn = true
    this.#out.write(`\r\x1b[2Kpulling ${this.#name}: ${p.blobsDone}/${p.blobsTotal} blobs, ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}`)
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]}`
}
