// `localregistry pull`: delegated to the pull client's command (src/registry/client/pull-command.ts).

import { type Io } from './io.ts'

export async function runPull(args: string[], io: Io): Promise<number> {
  void args
  io.stderr.write('localregistry: pull is not available yet\n')
  return 1
}
