// `localregistry pull`: copy a reference from a registry into an OCI layout directory.
// On a terminal it shows one updating progress line on stderr; otherwise (or with --quiet)
// it is silent until it prints the digest, the only line on stdout. Errors are thrown for
// the command runner to print (usage errors exit 2, others 1).

import { parseArgs } from 'node:util'
import { UsageError } from '../../errors.ts'
import { parseCommandArgs } from '../../cli/io.ts'
import { type PullProgress, pull } from './pull.ts'

export const PULL_HELP = `Usage: localregistry pull [options] <host[:port]/repository[:tag][@digest]> <dir>

Copies an image or index (with every image in it) from a registry into the OCI image
layout <dir>, creating it or adding to it. Blobs already in <dir> are not fetched again,
everything is verified against its digest, and an interrupted pull leaves <dir> as it
was. Pulled by tag, the layout entry is named after the tag
(org.opencontainers.image.ref.name); with tag and digest, the tag is fetched and must
have that digest. Prints the digest of what was written on stdout.

Plain HTTP is used for localhost, 127.0.0.1 and [::1]; HTTPS for everything else
unless --plain-http is given. Transient failures are retried, broken downloads resumed.

Options:
  --plain-http        Use plain HTTP for any host.
  --platform OS/ARCH  Pull only this platform's image of an index (e.g. linux/arm64,
                      linux/arm/v7).
  -q, --quiet         No progress line, even on a terminal.
  -h, --help          Show this help.

Examples:
  localregistry pull 127.0.0.1:5000/app:latest ./app-layout
  localregistry pull --plain-http registry.internal:5000/base@sha256:... ./base
`

export interface PullCommandIo {
  stdout: Pick<NodeJS.WritableStream, 'write'>
  stderr: Pick<NodeJS.WritableStream, 'write'>
  /** Whether stderr is a terminal: only then is progress shown. */
  isTTY: boolean
  /** Stops the pull (e.g. on SIGINT); the layout is left as it was. */
  signal?: AbortSignal
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
