// Content discovery: the tags of a repository, the catalog of repositories (both in ASCII
// order, paginated with n and last, the next page in a Link header) and OCI 1.1 referrers.

import type { ServerResponse } from 'node:http'
import { computeDigest, quote } from '../../oci/digest.ts'
import { OCI_INDEX } from '../../oci/media-types.ts'
import type { Context } from './context.ts'
import { checkDigest, checkRepositoryName, unknownRepository } from './rejections.ts'
import { count, type LogEntry } from './request-log.ts'
import { HttpError, paginate, parsePageSize, responseHeaders, sendJson } from './responses.ts'

export function tagsList(context: Context, res: ServerResponse, head: boolean, name: string, query: string, entry: LogEntry | undefined): void {
  const repo = context.registry.repository(name)
  if (repo === undefined) throw unknownRepository(name)
  sendPage(res, head, query, repo.sortedTags(), `/v2/${name}/tags/list`, (items) => ({ name, tags: items }), entry)
}

export function catalog(context: Context, res: ServerResponse, head: boolean, query: string, entry: LogEntry | undefined): void {
  sendPage(res, head, query, context.registry.repositories(), '/v2/_catalog', (items) => ({ repositories: items }), entry)
}

/** One page of a sorted list as JSON (`body` wraps the items), with a Link to the next page when there is one. */
function sendPage(
  res: ServerResponse,
  head: boolean,
  query: string,
  sorted: readonly string[],
  base: string,
  body: (items: readonly string[]) => object,
  entry: LogEntry | undefined,
): void {
  const page = pageParameters(query)
  const { items, next } = paginate(sorted, page.n, page.last)
  count(entry, sendJson(res, head, body(items), 'application/json', nextLink(base, page.n, next)))
}

/**
 * n and last of a list request. An n that is not a number at all is a malformed request (400,
 * RFC 9110: the spec defines no answer for it), with UNSUPPORTED, the one code of the spec's list
 * that fits it; n=0 is an empty page, as the spec asks.
 */
function pageParameters(query: string): { n: number | undefined; last: string | undefined } {
  if (query === '') return { n: undefined, last: undefined }
  const params = new URLSearchParams(query)
  const raw = params.get('n')
  const n = parsePageSize(raw)
  if (n === 'invalid') {
    throw new HttpError(400, 'UNSUPPORTED', `page size n=${quote(raw ?? '')} is not supported: n must be a non-negative integer in decimal digits`, {
      n: (raw ?? '').slice(0, 100),
    })
  }
  return { n, last: params.get('last') ?? undefined }
}

function nextLink(base: string, n: number | undefined, next: string | undefined): string[] {
  if (next === undefined || n === undefined) return []
  return ['Link', `<${base}?n=${n}&last=${encodeURIComponent(next)}>; rel="next"`]
}

/**
 * OCI 1.1 referrers: an index of the manifests in this repository whose subject is `digest`.
 * Always 200 with an index (the spec forbids a 404 here, even for an unknown repository),
 * except 400 for an invalid name or digest.
 */
export function referrers(
  context: Context,
  res: ServerResponse,
  head: boolean,
  name: string,
  digest: string,
  query: string,
  entry: LogEntry | undefined,
): void {
  const repo = context.registry.repository(name)
  if (repo === undefined) checkRepositoryName(name)
  checkDigest(digest)
  const types = artifactTypeFilter(query)
  const all = repo?.referrers.get(digest) ?? []
  const manifests = types.length === 0 ? all : all.filter((d) => d.artifactType !== undefined && types.includes(d.artifactType))
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }))
  const headers = responseHeaders('Content-Type', OCI_INDEX, 'Content-Length', String(body.length), 'Docker-Content-Digest', computeDigest(body))
  // The spec's way of telling a client the list is already filtered (it need not filter again).
  if (types.length > 0) headers.push('OCI-Filters-Applied', 'artifactType')
  res.writeHead(200, headers)
  res.end(head ? undefined : body)
  count(entry, head ? 0 : body.length)
}

/** The artifactType values of a referrers query (empty ones ignored): none means no filter. */
function artifactTypeFilter(query: string): string[] {
  return query === '' ? [] : new URLSearchParams(query).getAll('artifactType').filter((t) => t !== '')
}
