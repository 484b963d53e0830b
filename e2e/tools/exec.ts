/**
 * Running external tools from tests: one-shot commands ({@link run}) and
 * long-running daemons ({@link startDaemon}). Every command has a timeout, errors
 * name the full command line and the tail of its stderr, and daemons are killed
 * when disposed.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'

/** Default limit for a one-shot command. Registry clients on loopback take well under a second. */
export const DEFAULT_TIMEOUT_MS = 60_000

const STDERR_TAIL_CHARS = 2_000

export interface RunOptions {
  /** Environment of the child; defaults to this process's environment. */
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Killed (SIGKILL) after this long. Default {@link DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number
  /** Aborting kills the child. */
  signal?: AbortSignal
}

export interface RunResult {
  stdout: string
  /** stdout as bytes, for output that must be hashed exactly (raw manifests). */
  stdoutBytes: Buffer
  stderr: string
}

/** A command that failed to start, exited non-zero, or timed out. */
export class CommandError extends Error {
  readonly command: string
  readonly exitCode: number | null
  readonly stderr: string
  readonly stdout: string

  constructor(message: string, details: { command: string; exitCode: number | null; stdout: string; stderr: string; cause?: unknown }) {
    super(`${message}: ${details.command}${formatTail(details.stderr)}`, { cause: details.cause })
    this.name = 'CommandError'
    this.command = details.command
    this.exitCode = details.exitCode
    this.stdout = details.stdout
    this.stderr = details.stderr
  }
}

/** Quotes a command line for messages, so it can be pasted into a shell. */
export function commandLine(file: string, args: readonly string[]): string {
  return [file, ...args].map(shellQuote).join(' ')
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

/** The last {@link STDERR_TAIL_CHARS} characters of a tool's stderr, prefixed for an error message. */
export function formatTail(stderr: string): string {
  const trimmed = stderr.trim()
  if (trimmed === '') return ''
  const tail = trimmed.length > STDERR_TAIL_CHARS ? `...${trimmed.slice(-STDERR_TAIL_CHARS)}` : trimmed
  return `\n--- stderr (tail) ---\n${tail}`
}

/** `file args` run through a wrapper command such as `ip netns exec NAME` (none: as is). */
export function wrapCommand(wrapper: readonly string[] | undefined, file: string, args: readonly string[]): { file: string; args: string[] } {
  const [first, ...rest] = wrapper ?? []
  return first === undefined ? { file, args: [...args] } : { file: first, args: [...rest, file, ...args] }
}

/** Runs a command to completion and returns its output; throws {@link CommandError} unless it exits 0. */
export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const command = commandLine(file, args)
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const signals = [AbortSignal.timeout(timeoutMs)]
  if (options.signal) signals.push(options.signal)
  const signal = AbortSignal.any(signals)
  const child = spawn(file, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    signal,
    killSignal: 'SIGKILL',
  })
  const stdout = collect(child.stdout)
  const stderr = collect(child.stderr)
  let exitCode: number | null
  let exitSignal: NodeJS.Signals | null
  try {
    ;[exitCode, exitSignal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null]
  } catch (error) {
    const reason = options.signal?.aborted ? 'aborted' : signal.aborted ? `timed out after ${timeoutMs} ms` : 'failed to start'
    throw new CommandError(reason, { command, exitCode: null, stdout: stdout.text(), stderr: stderr.text(), cause: error })
  }
  const stdoutBytes = stdout.bytes()
  const result = { stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr: stderr.text() }
  if (exitCode !== 0) {
    const how = exitSignal ? `killed by ${exitSignal}` : `exited with ${exitCode}`
    throw new CommandError(`command ${how}`, { command, exitCode, stdout: result.stdout, stderr: result.stderr })
  }
  return result
}

interface Collected {
  bytes(): Buffer
  text(): string
}

function collect(stream: NodeJS.ReadableStream | null): Collected {
  const chunks: Buffer[] = []
  stream?.on('data', (chunk: Buffer) => chunks.push(chunk))
  const bytes = (): Buffer => Buffer.concat(chunks)
  return { bytes, text: () => bytes().toString('utf8') }
}

export interface DaemonOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** How long {@link Daemon.stop} waits after SIGTERM before SIGKILL. Default 5000 ms. */
  stopTimeoutMs?: number
}

/** A background process whose output is kept (bounded) for error messages. */
export interface Daemon extends AsyncDisposable {
  readonly command: string
  readonly child: ChildProcess
  /** Combined stdout and stderr so far (last 64 KiB). */
  output(): string
  /** Resolves when the process has exited, whoever stopped it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** True once the process has exited. */
  hasExited(): boolean
  /** SIGTERM, then SIGKILL if it is still running after the stop timeout. Idempotent. */
  stop(): Promise<void>
}

const DAEMON_OUTPUT_LIMIT = 64 * 1024

/** Starts a long-running process. It is killed when the returned handle is disposed. */
export function startDaemon(file: string, args: readonly string[], options: DaemonOptions = {}): Daemon {
  const command = commandLine(file, args)
  const child = spawn(file, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-DAEMON_OUTPUT_LIMIT)
  }
  child.stdout.on('data', append)
  child.stderr.on('data', append)
  let exitedFlag = false
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (error) => {
      append(Buffer.from(`\nfailed to start: ${error.message}\n`))
      exitedFlag = true
      resolve({ code: null, signal: null })
    })
    child.on('close', (code, signal) => {
      exitedFlag = true
      resolve({ code, signal })
    })
  })
  const stop = async (): Promise<void> => {
    if (exitedFlag) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), options.stopTimeoutMs ?? 5_000)
    try {
      await exited
    } finally {
      clearTimeout(timer)
    }
  }
  return {
    command,
    child,
    output: () => output,
    exited,
    hasExited: () => exitedFlag,
    stop,
    [Symbol.asyncDispose]: stop,
  }
}

/** Error for a daemon that died or never became ready, with its command line and output tail. */
export function daemonError(daemon: Daemon, message: string): Error {
  return new Error(`${message}: ${daemon.command}${formatTail(daemon.output())}`)
}

/**
 * Polls `probe` every `intervalMs` until it returns true, the daemon exits, or
 * `timeoutMs` passes. Throws with the daemon's output on failure.
 */
export async function waitUntilReady(
  daemon: Daemon,
  what: string,
  probe: () => Promise<boolean>,
  { timeoutMs = 15_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (daemon.hasExited()) {
      const { code, signal } = await daemon.exited
      throw daemonError(daemon, `${what} exited before it was ready (code ${code}, signal ${signal})`)
    }
    if (await probe().catch(() => false)) return
    if (Date.now() > deadline) throw daemonError(daemon, `${what} was not ready after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
