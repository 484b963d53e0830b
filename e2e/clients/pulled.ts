/**
 * What a client wrote to disk, read back for comparison with the source layout:
 * an OCI layout (`skopeo copy ... oci:DIR:TAG`) or a `dir:` copy (skopeo's own
 * format, used for Docker-typed images, which skopeo 1.9 will not write into an
 * OCI layout without converting them).
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { computeDigest, readLayout, walkRefs } from '../../src/oci/index.ts'

export interface PulledTree {
  /** Digest and media type the entry (or `manifest.json`) points at. */
  digest: string
  mediaType: string
  /** Every manifest and index digest reachable from it (sorted). */
  manifests: string[]
  /** Every config and layer digest reachable from it (sorted). */
  blobs: string[]
}

/** Reads (and so verifies) an OCI layout a client wrote, and the tree under its entry named `refName`. */
export async function readPulledLayout(dir: string, refName: string): Promise<PulledTree> {
  const layout = await readLayout(dir)
  const entry = layout.entries.find((candidate) => candidate.refName === refName)
  if (entry === undefined) throw new Error(`${dir}/index.json has no entry named ${JSON.stringify(refName)}`)
  const manifests = new Set<string>()
  const blobs = new Set<string>()
  await walkRefs(entry.ref, (ref) => {
    manifests.add(ref.digest)
    if (ref.kind === 'image') for (const blob of ref.blobs) blobs.add(blob.digest)
  })
  return { digest: entry.ref.digest, mediaType: entry.ref.mediaType, manifests: [...manifests].sort(), blobs: [...blobs].sort() }
}

/** Every `sha256:` digest stored under an OCI layout's `blobs/` (sorted). */
export async function layoutBlobFiles(dir: string): Promise<string[]> {
  const names = await readdir(join(dir, 'blobs', 'sha256'))
  return names.map((name) => `sha256:${name}`).sort()
}

/**
 * A `dir:` copy of one image: `manifest.json` and one file per blob, named by
 * its hex digest. Every blob file is hashed, so a wrong byte is a wrong digest.
 */
export async function readDirCopy(dir: string): Promise<{ manifestDigest: string; manifest: Buffer; blobs: string[] }> {
  const manifest = await readFile(join(dir, 'manifest.json'))
  const names = (await readdir(dir)).filter((name) => /^[0-9a-f]{64}$/.test(name))
  const blobs = await Promise.all(
    names.map(async (name) => {
      const digest = computeDigest(await readFile(join(dir, name)))
      if (digest !== `sha256:${name}`) throw new Error(`${join(dir, name)} holds content with digest ${digest}`)
      return digest
    }),
  )
  return { manifestDigest: computeDigest(manifest), manifest, blobs: blobs.sort() }
}

/** Sorted union of digest lists, without repeats. */
export function union(...lists: ReadonlyArray<readonly string[]>): string[] {
  return [...new Set(lists.flat())].sort()
}
