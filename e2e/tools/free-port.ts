/**
 * A free loopback TCP port for tools that cannot listen on port 0 themselves
 * (the reference registry, nginx). Racy by nature: another process can take the
 * port between this probe and the tool's bind, so callers retry on EADDRINUSE
 * with {@link withFreePort}.
 */
import { createServer } from 'node:net'

/** Listens on 127.0.0.1:0, reads the port the kernel chose, and closes. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, resolve)
  })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error(`failed to get a free port on ${host}`)
  return address.port
}

/** True for an error (or a tool's output) that says the address was taken. */
export function isAddressInUse(errorOrOutput: unknown): boolean {
  const text = errorOrOutput instanceof Error ? errorOrOutput.message : String(errorOrOutput)
  return /EADDRINUSE|address already in use/i.test(text)
}

/**
 * Calls `start` with a free port, retrying with a new port (up to `attempts`
 * times) while it fails with "address already in use".
 */
export async function withFreePort<T>(start: (port: number) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    try {
      return await start(port)
    } catch (error) {
      if (attempt >= attempts || !isAddressInUse(error)) throw error
    }
  }
}
