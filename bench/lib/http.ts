// A minimal HTTP/1.1 client for readiness probes and start-up timing: node:http
// with no agent, so the harness adds no connection pool or warm-up of its own.

import { request } from 'node:http'

export interface Response {
  status: number
  body: Buffer
}

export function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 5_000): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end()
  })
}

/** Polls `url` every `intervalMs` until it answers 200; throws after `timeoutMs`. */
export async function waitFor200(
  url: string,
  headers: Record<string, string>,
  { timeoutMs, intervalMs = 2, isAlive = () => true }: { timeoutMs: number; intervalMs?: number; isAlive?: () => boolean },
): Promise<Response> {
  const deadline = performance.now() + timeoutMs
  let last = 'no answer'
  for (;;) {
    if (!isAlive()) throw new Error(`the server exited before ${url} answered 200 (last: ${last})`)
    try {
      const response = await httpGet(url, headers, 2_000)
      if (response.status === 200) return response
      last = `status ${response.status}`
    } catch (error) {
      last = (error as Error).message
    }
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
