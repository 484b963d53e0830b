// `localregistry pull`: delegated to the pull client's command (src/registry/client/pull-command.ts).

import { runPullCommand } from '../registry/client/pull-command.ts'
import { type Io } from './io.ts'

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
