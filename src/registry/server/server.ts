// Listening: the handler on a plain HTTP/1.1 server with keep-alive, closed promptly.
//
// One process, one listener, on purpose. A manifest GET or HEAD costs ~25 µs of CPU, about
// 60 % user space and 40 % the kernel's read and write; of the user-space part, this package's
// routing and lookups are ~2 % (valgrind: ~2,400 of ~104,000 instructions per GET), node:http
// the rest. Only a second listener (cluster or reusePort) would get much closer to nginx's two
// workers, and it is wrong for a test registry: the Registry is a live in-process object
// (addRef while serving, embedders bring their own), which another process or thread could
// only mirror asynchronously, so a ref would not be servable the moment addRef resolves; each
// copy costs ~100 MiB and ~250 ms of start-up; and the blob verification caches would be per
// copy. Tried and kept as Node has them: the Date header (RFC 9110 §6.6.1 requires it; Node
// caches the string per second, and turning it off measured no gain), headersTimeout (60 s)
// and requestTimeout (300 s), which only bound slow requests and cost nothing per request.

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHandler } from './handler.ts'
import type { Registry } from './registry.ts'

// Not `import ... from 'node:http'`: an ES module import builds the namespace of every export,
// and node:http's WebSocket, CloseEvent and MessageEvent getters then load Node's internal
// undici, which costs more than the rest of start-up (BENCHMARKS.md, start-up).
const { createServer } = process.getBuiltinModule('node:http')

export interface ListenOptions {
  /** Interface to listen on (default 127.0.0.1: a test registry has no business on the network). */
  host?: string
  /** Port (default 0: any free port; read it from the result). */
  port?: number
  log?: (line: string) => void
}

export interface RegistryServer {
  /** `http://127.0.0.1:PORT` (brackets around an IPv6 address). */
  readonly url: string
  readonly host: string
  readonly port: number
  /** Stops listening and ends every connection, idle or busy (a blob being sent is cut off). */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

export async function listen(registry: Registry, options: ListenOptions = {}): Promise<RegistryServer> {
  const server = createServer({ keepAlive: true, noDelay: true }, createHandler(registry, options.log === undefined ? {} : { log: options.log }))
  // Idle keep-alive connections stay open long enough for a client pulling layer after layer.
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.address
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= closeServer(server)
    return closing
  }
  return { url, host, port: address.port, close, [Symbol.asyncDispose]: close }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)))
    server.closeAllConnections()
  })
}
