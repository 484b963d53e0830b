// Content discovery: the tags of a repository, the catalog of repositories (both in ASCII
// order, paginated with n and last, the next page in a Link header) and OCI 1.1 referrers.

import { computeDigest } from '../../oci/digest.ts'
import { OCI_INDEX } from '../../oci/media-types.ts'
import type { Context } from './context.ts'
import { type Exchange, responseHeaders } from './exchange.ts'
import { checkDigest, checkRepositoryName, invalidPageSize, unknownRepository } from './rejections.ts'

export function tagsList(context: Context, exchange: Exchange, name: string, query: string): void {
  const repo = context.registry.repository(name)
  if (repo === undefined) throw unknownRepository(name)
  sendPage(exchange, query, repo.sortedTags(), `/v2/${name}/tags/list`, (items) => ({ name, tags: items }))
}

export function catalog(context: Context, exchange: Exchange, query: string): void {
  sendPage(exchange, query, context.registry.repositories(), '/v2/_catalog', (items) => ({ repositories: items }))
}

/** One page of a sorted list as JSON (`body` wraps the items), with a Link to the next page when there is one. */
function sendPage(exchange: Exchange, query: string, sorted: readonly string[], base: string, body: (items: readonly string[]) => object): void {
  const page = pageParameters(query)
  const { items, next } = paginate(sorted, page.n, page.last)
  exchange.sendJson(body(items), 'application/json', nextLink(base, page.n, next))
}

/** n and last of a list request; n=0 is an empty page, as the spec asks. */
function pageParameters(query: string): { n: number | undefined; last: string | undefined } {
  if (query === '') return { n: undefined, last: undefined }
  const params = new URLSearchParams(query)
  const raw = params.get('n')
  const n = parsePageSize(raw)
  if (n === 'invalid') throw invalidPageSize(raw ?? '')
  return { n, last: params.get('last') ?? undefined }
}

interface Page {
  items: readonly string[]
  /** The last item, when there are more after it (for the Link header). */
  next: string | undefined
}

/** The items after `last` (ASCII order), at most `n` of them. */
export function paginate(sorted: readonly string[], n: number | undefined, last: string | undefined): Page {
  let start = 0
  if (last !== undefined) {
    let high = sorted.length
    while (start < high) {
      const mid = (start + high) >>> 1
      if ((sorted[mid] as string) <= last) start = mid + 1
      else high = mid
    }
  }
  if (n === undefined || start + n >= sorted.length) return { items: sorted.slice(start), next: undefined }
  const items = sorted.slice(start, start + n)
  return { items, next: items[items.length - 1] }
}

/** `n` of a list request: a non-negative integer in decimal digits, or absent; anything else is invalid. */
export function parsePageSize(value: string | null): number | undefined | 'invalid' {
  if (value === null) return undefined
  if (value.length === 0 || value.length > 15) return 'invalid'
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return 'invalid'
  }
  return Number(value)
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
export function referrers(context: Context, exchange: Exchange, name: string, digest: string, query: string): void {
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
  exchange.send(200, headers, body)
}

/** The artifactType values of a referrers query (empty ones ignored): none means no filter. */
function artifactTypeFilter(query: string): string[] {
  return query === '' ? [] : new URLSearchParams(query).getAll('artifactType').filter((t) => t !== '')
}
