// Routing: parses the raw request target strictly and without regular expressions, and hands
// the request to the module that answers it. The path is never decoded or normalised, so
// "..", "%2e%2e", "%2F" or NUL can only ever end up inside a repository name, tag or digest,
// where the grammar check rejects them. Nothing here builds a file path from the request: a
// blob file is found only by looking up a digest registered for that repository, so no request
// can reach a file that is not a blob of a loaded image.

import { blob } from './blobs.ts'
import type { Context } from './context.ts'
import { catalog, referrers, tagsList } from './discovery.ts'
import type { Exchange } from './exchange.ts'
import { methodNotAllowed, noSuchEndpoint } from './rejections.ts'

const SLASH = 0x2f
/** Where the repository name starts: after "/v2/". */
const NAME_START = 4

/** What a request target names (the query is kept raw for the list endpoints). */
export type Target =
  | { readonly endpoint: 'base' }
  | { readonly endpoint: 'catalog'; readonly query: string }
  | { readonly endpoint: 'manifests' | 'blobs' | 'referrers'; readonly name: string; readonly argument: string; readonly query: string }
  | { readonly endpoint: 'tags'; readonly name: string; readonly query: string }

/**
 * Parses a request target: /v2/ (or /v2), /v2/_catalog, /v2/<name>/tags/list and
 * /v2/<name>/{manifests,blobs,referrers}/<argument>, each with an optional ?query. The name
 * may contain "/", the argument cannot; neither is checked here (the routes do, on a miss).
 * Undefined for anything else.
 */
export function parseTarget(target: string): Target | undefined {
  const q = target.indexOf('?')
  const path = q === -1 ? target : target.slice(0, q)
  const query = q === -1 ? '' : target.slice(q + 1)
  if (!path.startsWith('/v2') || (path.length > 3 && path.charCodeAt(3) !== SLASH)) return undefined
  if (path.length <= NAME_START) return { endpoint: 'base' }
  if (path === '/v2/_catalog') return { endpoint: 'catalog', query }
  const last = path.lastIndexOf('/')
  const previous = last > NAME_START ? path.lastIndexOf('/', last - 1) : -1
  if (previous < NAME_START) return undefined
  const name = path.slice(NAME_START, previous)
  const kind = path.slice(previous + 1, last)
  const argument = path.slice(last + 1)
  if (kind === 'manifests' || kind === 'blobs' || kind === 'referrers') return { endpoint: kind, name, argument, query }
  if (kind === 'tags' && argument === 'list') return { endpoint: 'tags', name, query }
  return undefined
}

/** Answers the request, or throws (or rejects with) what answerFailure() in handler.ts answers. */
export function route(context: Context, exchange: Exchange): void | Promise<void> {
  const method = exchange.req.method
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method)
  const url = exchange.req.url ?? ''
  const target = parseTarget(url)
  switch (target?.endpoint) {
    case 'base':
      return exchange.sendJson({})
    case 'catalog':
      return catalog(context, exchange, target.query)
    case 'manifests':
      return context.manifests.answer(exchange, target.name, target.argument)
    case 'blobs':
      return blob(context, exchange, target.name, target.argument)
    case 'referrers':
      return referrers(context, exchange, target.name, target.argument, target.query)
    case 'tags':
      return tagsList(context, exchange, target.name, target.query)
    case undefined:
      throw noSuchEndpoint(url.split('?')[0] ?? '')
  }
}
