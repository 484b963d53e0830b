#!/usr/bin/env node
// The `localregistry` command. Usage errors exit 2, load errors 1, each as one line on stderr
// (no stack trace; LOCALREGISTRY_DEBUG=1 adds it). Commands load lazily: --help stays fast.

import { realpathSync } from 'node:fs'
import { constants } from 'node:os'
import { fileURLToPath } from 'node:url'
import { ImageReferenceError, LocalRegistryError, UsageError, messageOf } from '../errors.ts'
import { type Io } from './io.ts'
import { HELP, PULL_HELP, SERVE_HELP } from './help.ts'
import { packageVersion } from '../package-files.ts'
import { printable } from '../text/printable.ts'

/** Runs the command line; resolves to the exit code. `stop` aborts a running server. */
export async function main(args: string[], io: Io, stop: AbortSignal): Promise<number> {
  const [command, ...rest] = args
  try {
    switch (command) {
      case undefined:
        io.stderr.write(HELP)
        return 2
      case '-h':
      case '--help':
        io.stdout.write(HELP)
        return 0
      case '--version':
        io.stdout.write(`${packageVersion()}\n`)
        return 0
      case 'help':
        return help(rest, io)
      case 'serve':
        return await (await import('./serve.ts')).runServeCommand(rest, io, stop)
      case 'pull':
        return await (await import('./pull.ts')).runPull(rest, io, stop)
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)} (commands: serve, pull, help; see 'localregistry --help')`)
    }
  } catch (error) {
    return reportError(error, io)
  }
}

function help(args: string[], io: Io): number {
  const [topic] = args
  if (topic === undefined) {
    io.stdout.write(HELP)
    return 0
  }
  if (topic === 'serve') {
    io.stdout.write(SERVE_HELP)
    return 0
  }
  if (topic === 'pull') {
    io.stdout.write(PULL_HELP)
    return 0
  }
  throw new UsageError(`no help for ${JSON.stringify(topic)} (commands: serve, pull)`)
}

/** One line: `localregistry: <message>`; exit 2 for usage errors (bad flags, a malformed reference), 1 for everything else. */
export function reportError(error: unknown, io: Io): number {
  const message = messageOf(error)
  const known = error instanceof LocalRegistryError || (error instanceof Error && 'code' in error && typeof error.code === 'string')
  // Messages may quote what came from outside (a registry's error text and headers, manifest
  // fields quoted by src/oci, a credential helper's output, Node's own errors): made printable
  // here, the one place every message passes on its way to the terminal.
  io.stderr.write(`localregistry: ${known ? '' : 'internal error: '}${printable(message.replace(/\s*\n\s*/g, ' '))}\n`)
  if (process.env['LOCALREGISTRY_DEBUG'] === '1' && error instanceof Error) io.stderr.write(`${error.stack ?? ''}\n`)
  // A malformed image reference on the command line is bad usage too, not a failed pull.
  return error instanceof UsageError || error instanceof ImageReferenceError ? 2 : 1
}

/** import.meta.main, or (Node before 24.2) whether argv[1] is this file. */
function isMainModule(): boolean {
  const meta: { main?: boolean } = import.meta
  if (meta.main !== undefined) return meta.main
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

/**
 * The signals that stop a command cleanly (a server closes and removes its ready file): ^C, a
 * launcher's kill, a closed terminal or parent session (SIGHUP), and ^\ (SIGQUIT).
 */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']

/** Stops on the first stop signal (clean close, exit 0); a second one exits at once (128 + its number). */
function stopSignal(): AbortSignal {
  const controller = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(128 + constants.signals[signal])
    controller.abort()
  }
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal)
  return controller.signal
}

if (isMainModule()) {
  // From the .ts sources, each start strips the types of ~50 modules again, most of its start-up;
  // Node's compile cache (in $NODE_COMPILE_CACHE, else the temp dir) keeps them for the commands'
  // lazily imported modules when main.ts is run directly (the tests). src/compile-cache.mjs, which
  // npm start preloads, turns it on before main.ts too. The bundle and dist/ are plain JavaScript
  // and gain too little to pay for writing a cache (BENCHMARKS.md, start-up).
  if (import.meta.url.endsWith('.ts')) process.getBuiltinModule('node:module').enableCompileCache()
  process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, stopSignal())
  // Signal listeners (and nothing else) may keep the loop alive after a command ends.
  for (const signal of STOP_SIGNALS) process.removeAllListeners(signal)
}
