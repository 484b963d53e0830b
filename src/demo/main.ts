// `npm start`: serve the demo images until Ctrl-C. Listens on 127.0.0.1:5000; change it with
// `npm start -- --listen HOST:PORT` or LOCALREGISTRY_LISTEN=HOST:PORT (port 0 picks a free one).

import { parseArgs } from 'node:util'
import { reportError } from '../cli/main.ts'
import { parseCommandArgs } from '../cli/io.ts'
import { DEMO_LISTEN, instructions, startDemo } from './demo.ts'

const io = { stdout: process.stdout, stderr: process.stderr }

async function run(): Promise<number> {
  const args = process.argv.slice(2)
  const { values } = parseCommandArgs('demo', () =>
    parseArgs({
      args,
      options: { listen: { type: 'string' }, 'log-requests': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    }),
  )
  if (values.help) {
    io.stdout.write(
      `Usage: npm start [-- --listen HOST:PORT] [--log-requests]\n\nServes demo images on ${DEMO_LISTEN} (or $LOCALREGISTRY_LISTEN) and prints how to pull them.\n`,
    )
    return 0
  }
  const listen = values.listen ?? process.env['LOCALREGISTRY_LISTEN'] ?? DEMO_LISTEN
  const demo = await startDemo({ listen, ...(values['log-requests'] && { log: (line: string) => io.stderr.write(`${line}\n`) }) })
  io.stdout.write(instructions(demo))
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await demo.close()
  return 0
}

process.exitCode = await run().catch((error: unknown) => {
  const code = reportError(error, io)
  if (error instanceof Error && error.message.includes('EADDRINUSE')) io.stderr.write('localregistry: try another port: npm start -- --listen 127.0.0.1:0\n')
  return code
})
