// Listening: the handler on a plain HTTP/1.1 server with keep-alive, closed promptly.

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHandler } from './handler.ts'
import type { Registry } from './registry.ts'

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
