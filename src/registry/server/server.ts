// Listening: the handler on a plain HTTP/1.1 (or HTTPS) server with keep-alive, closed promptly.
// One process and one listener on purpose: the Registry is a live in-process object (addRef while
// serving), which a second process could only mirror late, each copy at its own memory and
// start-up (BENCHMARKS.md, "Manifests"). Bounded, so that clients that misbehave cannot take the server
// from the others: a cap on connections and a send timeout (connections.ts), a shared budget of
// transfer buffers (buffer-pool.ts), and a short headers (and TLS handshake) timeout. Node's own
// socket timeouts stay off: they re-arm a timer on every read and write of every request.

import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { formatHost, isWildcard, loopbackFor } from '../../net/host.ts'
import { ConnectionCap, defaultMaxConnections } from './connections.ts'
import { createHandler, errorLog } from './handler.ts'
import type { Registry } from '../../content/registry.ts'

// Not `import ... from 'node:http'`: an ES module import builds the namespace of every export,
// and node:http's WebSocket, CloseEvent and MessageEvent getters then load Node's internal
// undici, which costs more than the rest of start-up (BENCHMARKS.md, start-up).
const { ServerResponse, createServer } = process.getBuiltinModule('node:http')

export const DEFAULT_SEND_TIMEOUT_MS = 30_000
const HEADERS_TIMEOUT_MS = 10_000
/** How often Node checks the headers timeout. */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000

export interface ListenOptions {
  /** Interface to listen on (default 127.0.0.1: a test registry has no business on the network). */
  host?: string
  /** Port (default 0: any free port; read it from the result). */
  port?: number
  log?: (line: string) => void
  /**
   * Most connections open at once (default 2,000, lowered to fit the open-file limit). Over it,
   * a new connection replaces one that made no progress for a second, or is closed at once.
   */
  maxConnections?: number
  /**
   * Milliseconds a connection may make no progress (a client that stopped reading, or an idle
   * keep-alive connection) before it is closed (default 30,000); the server's time before a blob's
   * first byte (waiting for transfer buffers, opening the file) does not count.
   */
  sendTimeoutMs?: number
  /** Bytes of buffers all blob transfers share (default 64 MiB; a transfer takes 2 MiB while it runs, others wait). */
  blobMemory?: number
  /** Serve HTTPS with this certificate (chain) and private key, PEM; plain HTTP without it. */
  tls?: { cert: string | Buffer; key: string | Buffer }
}

export interface RegistryServer {
  /**
   * The URL clients on this machine use: `http://127.0.0.1:PORT` (brackets around an IPv6
   * address); `https://` with `tls`. Listening on every interface, it names the loopback address
   * of that family: a wildcard address is not one to connect to.
   */
  readonly url: string
  /** The host of `url`. */
  readonly host: string
  /** Whether it listens on every interface (0.0.0.0 or ::), so other machines can reach it too. */
  readonly wildcard: boolean
  readonly port: number
  /** Stops listening and ends every connection, idle or busy (a blob being sent is cut off). */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

export async function listen(registry: Registry, options: ListenOptions = {}): Promise<RegistryServer> {
  const cap = new ConnectionCap(options.maxConnections ?? defaultMaxConnections())
  const handler = createHandler(registry, { blobMemory: options.blobMemory, ...(options.log !== undefined && { log: options.log }) }, cap)
  const serverOptions = { keepAlive: true, noDelay: true, headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS }
  // node:https is loaded only when asked for, so plain-HTTP start-up does not pay for it.
  const server: Server =
    options.tls === undefined
      ? createServer(serverOptions, handler)
      : (await import('node:https')).createServer(
          { ...serverOptions, handshakeTimeout: HEADERS_TIMEOUT_MS, cert: options.tls.cert, key: options.tls.key },
          handler,
        )
  bound(server, cap, options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS)
  // Node hands a CONNECT request to 'connect' listeners instead of the handler, and without one
  // closes the connection silently: answer it like any other method (405).
  server.on('connect', (req: IncomingMessage, socket: Socket) => {
    const res = new ServerResponse(req)
    res.assignSocket(socket)
    res.shouldKeepAlive = false
    res.once('finish', () => socket.end())
    handler(req, res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  // After listening, a failed accept (out of file descriptors despite the cap) is logged, not fatal.
  const logError = errorLog(options.log)
  server.on('error', (error) => logError(`registry server: ${error.message}`))
  const address = server.address() as AddressInfo
  const host = loopbackFor(address.address) ?? address.address
  const url = `${options.tls === undefined ? 'http' : 'https'}://${formatHost(host)}:${address.port}`
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= closeServer(server)
    return closing
  }
  return { url, host, wildcard: isWildcard(address.address), port: address.port, close, [Symbol.asyncDispose]: close }
}

/** The connection cap and the send timeout (see the top of this file). */
function bound(server: Server, cap: ConnectionCap, sendTimeoutMs: number): void {
  server.on('connection', (socket: Socket) => cap.admit(socket))
  server.timeout = 0
  server.keepAliveTimeout = 0
  const sweep = cap.closeStalledEvery(sendTimeoutMs)
  server.once('close', () => sweep.stop())
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)))
    server.closeAllConnections()
  })
}
