// Routing: parses the raw request target strictly and without regular expressions, and hands
// the request to the module that answers it. The path is never decoded or normalised, so
// "..", "%2e%2e", "%2F" or NUL can only ever end up inside a repository name, tag or digest,
// where the grammar check rejects them. Nothing here builds a file path from the request: a
// blob file is found only by looking up a digest registered for that repository, so no request
// can reach a file that is not a blob of a loaded image.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { quote } from '../../oci/digest.ts'
import { blob } from './blobs.ts'
import type { Context } from './context.ts'
import { catalog, referrers, tagsList } from './discovery.ts'
import { manifest } from './manifests.ts'
import { count, type LogEntry } from './request-log.ts'
import { HttpError, sendJson } from './responses.ts'

const SLASH = 0x2f
/** Where the repository name starts: after "/v2/". */
const NAME_START = 4

/** Answers the request, or throws (or rejects with) what respond() in handler.ts writes. */
export function route(context: Context, req: IncomingMessage, res: ServerResponse, entry: LogEntry | undefined): void | Promise<void> {
  const method = req.method
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method)
  const head = method === 'HEAD'
  const target = req.url ?? ''
  const q = target.indexOf('?')
  const path = q === -1 ? target : target.slice(0, q)
  const query = q === -1 ? '' : target.slice(q + 1)
  if (!path.startsWith('/v2') || (path.length > 3 && path.charCodeAt(3) !== SLASH)) throw notFound(path)
  if (path.length <= NAME_START) return count(entry, sendJson(res, head, {}))
  if (path === '/v2/_catalog') return catalog(context, res, head, query, entry)
  return routeRepository(context, req, res, head, path, query, entry)
}

/** /v2/<name>/<kind>/<argument>: the name may contain "/", the kind and argument cannot. */
function routeRepository(
  context: Context,
  req: IncomingMessage,
  res: ServerResponse,
  head: boolean,
  path: string,
  query: string,
  entry: LogEntry | undefined,
): void | Promise<void> {
  const last = path.lastIndexOf('/')
  const previous = last > NAME_START ? path.lastIndexOf('/', last - 1) : -1
  if (previous < NAME_START) throw notFound(path)
  const name = path.slice(NAME_START, previous)
  const kind = path.slice(previous + 1, last)
  const argument = path.slice(last + 1)
  switch (kind) {
    case 'manifests':
      return manifest(context, req, res, head, name, argument, entry)
    case 'blobs':
      return blob(context, req, res, head, name, argument, entry)
    case 'referrers':
      return referrers(context, res, head, name, argument, query, entry)
    case 'tags':
      if (argument === 'list') return tagsList(context, res, head, name, query, entry)
  }
  throw notFound(path)
}

function methodNotAllowed(method: string | undefined): HttpError {
  const message = `this registry is read-only: ${quote(method ?? '')} is not supported, only GET and HEAD`
  return new HttpError(405, 'UNSUPPORTED', message, { method }, ['Allow', 'GET, HEAD'])
}

function notFound(path: string): HttpError {
  const message = `no such endpoint ${quote(path)}: this registry serves /v2/, /v2/_catalog and /v2/<name>/{manifests,blobs,referrers}/<reference>, /v2/<name>/tags/list`
  return new HttpError(404, 'UNSUPPORTED', message)
}
