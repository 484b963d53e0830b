// `localregistry pull`: copy a reference from a registry into an OCI layout directory, with the
// pull client (src/registry/client). On a terminal it shows one updating progress line on
// stderr; otherwise (or with --quiet) it is silent until it prints the digest, the only line on
// stdout. Errors are thrown for the command runner to print (usage errors exit 2, others 1).

import { X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { DeadlineError, UsageError, messageOf } from '../errors.ts'
import type { Credentials, CredentialsProvider } from '../registry/client/auth.ts'
import { dockerCredentials } from '../registry/client/docker-config.ts'
import { type PullProgress, pull } from '../registry/client/pull.ts'
import { parseReference } from '../registry/client/reference.ts'
import { PULL_HELP } from './help.ts'
import { type Io, parseCommandArgs } from './io.ts'
import { parseSeconds } from './durations.ts'

export interface PullCommandIo {
  stdout: Pick<NodeJS.WritableStream, 'write'>
  stderr: Pick<NodeJS.WritableStream, 'write'>
  /** Whether stderr is a terminal: only then is progress shown. */
  isTTY: boolean
  /** Stops the pull (e.g. on SIGINT); the layout is left as it was. */
  signal?: AbortSignal
  /** Where --password-stdin reads from. Default process.stdin. */
  stdin?: NodeJS.ReadableStream
  /** DOCKER_CONFIG, HOME and PATH (for credential helpers). Default process.env. */
  env?: NodeJS.ProcessEnv
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
        tls: { type: 'boolean' },
        'ca-file': { type: 'string', multiple: true },
        platform: { type: 'string' },
        timeout: { type: 'string' },
        username: { type: 'string', short: 'u' },
        'password-stdin': { type: 'boolean' },
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
  const timeout = values.timeout === undefined ? undefined : parseSeconds('--timeout', values.timeout)
  const parsed = parseReference(reference, { plainHttp: values['plain-http'], tls: values.tls })
  const ca = await readCaFiles(values['ca-file'] ?? [], parsed.scheme)
  const credentials = await credentialsFor(parsed.host, values.username, values['password-stdin'] ?? false, io)
  const line = io.isTTY && !values.quiet ? new ProgressLine(io.stderr, reference) : undefined
  try {
    const result = await pull(parsed, dir, {
      credentials,
      ca,
      ...(timeout !== undefined && { timeout: timeout * 1000 }),
      ...(values.platform !== undefined && { platform: values.platform }),
      ...(io.signal && { signal: io.signal }),
      ...(line && { onProgress: (p: PullProgress) => line.update(p) }),
    })
    line?.finish()
    io.stdout.write(`${result.digest}\n`)
    return 0
  } catch (error) {
    line?.abandon()
    if (error instanceof DeadlineError) throw new DeadlineError(`pull ${reference} did not finish within --timeout ${values.timeout}`)
    throw error
  }
}

/**
 * --username with the password on stdin, or else what Docker's configuration holds for the host
 * (looked up only if the registry asks: a credential helper may be slow or prompt).
 */
async function credentialsFor(
  host: string,
  username: string | undefined,
  passwordStdin: boolean,
  io: PullCommandIo,
): Promise<Credentials | CredentialsProvider> {
  if (username === undefined && passwordStdin) throw new UsageError('--password-stdin needs --username')
  if (username !== undefined) {
    if (!passwordStdin) throw new UsageError('--username needs --password-stdin (a password argument would be visible to every process on the machine)')
    return { username, password: await readPassword(io.stdin ?? process.stdin) }
  }
  const env = io.env ?? process.env
  return () => dockerCredentials(host, { env, warn: (message) => io.stderr.write(`localregistry: note: ${message}\n`) })
}

/** The certificates of each --ca-file (PEM), for an HTTPS registry. */
async function readCaFiles(files: readonly string[], scheme: 'http' | 'https'): Promise<string[]> {
  if (files.length > 0 && scheme === 'http') throw new UsageError('--ca-file is for an HTTPS registry: add --tls to pull from this one over HTTPS')
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(file, 'utf8').catch((error: unknown) => {
        throw new UsageError(`cannot read --ca-file ${file}: ${messageOf(error)}`)
      })
      try {
        new X509Certificate(text)
      } catch {
        throw new UsageError(`--ca-file ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`)
      }
      return text
    }),
  )
}

/** All of stdin, less one trailing newline (as docker login --password-stdin reads it). */
async function readPassword(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
  if (password === '') throw new UsageError('--password-stdin read an empty password')
  return password
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
