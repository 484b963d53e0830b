// Pulling a reference from a registry into an OCI image layout directory: the whole tree
// (an index with all its children) by default, or one platform's image. writeLayout does the
// writing: blobs already in the target are not fetched again, every stream is verified, and
// an interrupted pull leaves the target as it was.

import type { Platform } from '../../oci/descriptor.ts'
import { writeLayout } from '../../oci/layout-writer.ts'
import { REF_NAME_ANNOTATION } from '../../oci/media-types.ts'
import { type Ref, walkRefs } from '../../oci/ref.ts'
import { UsageError } from '../../errors.ts'
import { type ClientOptions, RegistryClient } from './client.ts'
import { type ImageReference, formatReference, parseReference } from './reference.ts'

export interface PullProgress {
  blobsDone: number
  blobsTotal: number
  /** Bytes of blobs in place, those already in the layout included. */
  bytesDone: number
  bytesTotal: number
}

export interface PullOptions extends Omit<ClientOptions, 'host' | 'repository' | 'scheme'> {
  /**
   * Use plain HTTP for any host, not only for this machine's (localhost, 127.0.0.0/8, [::1],
   * 0.0.0.0, [::]). For a reference given as a string; a parsed one carries its scheme.
   */
  plainHttp?: boolean
  /** Use HTTPS for this machine's addresses too. For a reference given as a string, as `plainHttp`. */
  tls?: boolean
  /** Called as blobs arrive (often: once per chunk). */
  onProgress?: (progress: PullProgress) => void
  /** Pull only this platform's image of an index: "os/arch[/variant]" or a Platform. */
  platform?: string | Platform
}

export interface PullResult {
  /** Digest and media type of what was written as the layout's entry. */
  digest: string
  mediaType: string
}

/**
 * Copies `reference` (`host[:port]/repo[:tag][@digest]`, or one parseReference made, for a caller
 * that needed its parts first) into the OCI layout `dir` (created if missing).
 */
export async function pull(reference: string | ImageReference, dir: string, options: PullOptions = {}): Promise<PullResult> {
  const parsed = typeof reference === 'string' ? parseReference(reference, { plainHttp: options.plainHttp, tls: options.tls }) : reference
  const client = new RegistryClient({ ...options, host: parsed.host, repository: parsed.repository, scheme: parsed.scheme })
  try {
    const root = await client.read({ tag: parsed.tag, digest: parsed.digest })
    const { ref, platform } =
      options.platform === undefined ? { ref: root, platform: undefined } : await selectPlatform(root, toPlatform(options.platform), formatReference(parsed))
    const progress = await totals(ref)
    const report = (): void => options.onProgress?.({ ...progress })
    report()
    await writeLayout(dir, [{ ref, ...(parsed.tag !== undefined && { annotations: { [REF_NAME_ANNOTATION]: parsed.tag } }), ...(platform && { platform }) }], {
      ...(options.signal && { signal: options.signal }),
      onBytes: (bytes) => {
        progress.bytesDone += bytes
        report()
      },
      onBlob: (descriptor, reused) => {
        progress.blobsDone++
        if (reused) progress.bytesDone += descriptor.size
        report()
      },
    })
    return { digest: ref.digest, mediaType: ref.mediaType }
  } catch (error) {
    options.signal?.throwIfAborted()
    throw error
  } finally {
    await client.close()
  }
}

async function totals(root: Ref): Promise<PullProgress> {
  const sizes = new Map<string, number>()
  await walkRefs(root, (ref) => {
    if (ref.kind === 'image') for (const d of ref.blobs) sizes.set(d.digest, d.size)
  })
  let bytesTotal = 0
  for (const size of sizes.values()) bytesTotal += size
  return { blobsDone: 0, blobsTotal: sizes.size, bytesDone: 0, bytesTotal }
}

export function toPlatform(platform: string | Platform): Platform {
  if (typeof platform !== 'string') return platform
  const [os, architecture, variant, ...rest] = platform.split('/')
  if (!os || !architecture || rest.length > 0 || variant === '')
    throw new UsageError(`invalid platform ${JSON.stringify(platform)}: expected os/arch[/variant], e.g. linux/amd64`)
  return { os, architecture, ...(variant !== undefined && { variant }) }
}

/** The first image for `want` in an index (nested indexes searched depth-first), with its platform. */
async function selectPlatform(root: Ref, want: Platform, name: string): Promise<{ ref: Ref; platform: Platform | undefined }> {
  if (root.kind === 'image') return { ref: root, platform: undefined }
  const seen: string[] = []
  const search = async (index: Ref, depth: number): Promise<{ ref: Ref; platform: Platform } | undefined> => {
    if (index.kind !== 'index' || depth > 8) return undefined
    for (const d of index.children) {
      const child = await index.child(d)
      if (child.kind === 'index') {
        const found = await search(child, depth + 1)
        if (found) return found
      } else if (d.platform !== undefined) {
        seen.push(formatPlatform(d.platform))
        if (matches(d.platform, want)) return { ref: child, platform: d.platform }
      }
    }
    return undefined
  }
  const found = await search(root, 0)
  if (found === undefined) {
    throw new UsageError(
      `${name} has no image for platform ${formatPlatform(want)} (it has: ${seen.length > 0 ? seen.join(', ') : 'no platform-tagged images'})`,
    )
  }
  return found
}

function matches(have: Platform, want: Platform): boolean {
  return have.os === want.os && have.architecture === want.architecture && (want.variant === undefined || have.variant === want.variant)
}

function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`
}
