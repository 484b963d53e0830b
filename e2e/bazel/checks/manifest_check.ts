// Checks what localregistry_manifest wrote, without the runtime: the prototext lists exactly the
// expected images in attribute order, each `path` is the layout's rlocation path, and every blob a
// layout references resolves through the runfiles (tree or manifest-only).

import { readFileSync, statSync } from 'node:fs'
import { expectedDigest, fail, parseArgs, readManifest } from './common.ts'
import { rlocation, runfilesMode } from './runfiles.ts'

interface Descriptor {
  digest: string
  mediaType?: string
}

interface Node {
  mediaType?: string
  manifests?: Descriptor[]
  config?: Descriptor
  layers?: Descriptor[]
}

function blobPath(layout: string, digest: string): string {
  const [algorithm, hex] = digest.split(':')
  if (algorithm === undefined || hex === undefined) throw new Error(`bad digest ${digest}`)
  return rlocation(`${layout}/blobs/${algorithm}/${hex}`)
}

/** Walks the content tree from a descriptor; returns how many blobs resolved. */
function walk(layout: string, d: Descriptor, seen: Set<string>): void {
  if (seen.has(d.digest)) return
  seen.add(d.digest)
  const path = blobPath(layout, d.digest)
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) fail(`${layout}: blob ${d.digest} does not resolve (${path})`)
  const isManifest = d.mediaType === undefined || /manifest|index/.test(d.mediaType)
  if (!isManifest) return
  const node = JSON.parse(readFileSync(path, 'utf8')) as Node
  for (const child of [...(node.manifests ?? []), ...(node.config ? [node.config] : []), ...(node.layers ?? [])]) {
    walk(layout, child, seen)
  }
}

function main(): void {
  const args = parseArgs(process.argv.slice(2))
  const images = readManifest(args.manifest)
  console.log(`manifest ${args.manifest} (${runfilesMode()} runfiles): ${images.length} images`)
  if (images.length !== args.expected.length) {
    fail(`manifest has ${images.length} images, expected ${args.expected.length}: ${JSON.stringify(images)}`)
  }
  for (const [i, want] of args.expected.entries()) {
    const got = images[i]
    if (got === undefined) return fail(`image ${i} missing`)
    if (got.repository !== want.repository || got.tag !== want.tag || got.path !== want.path) {
      fail(`image ${i} (key ${want.key}): got ${JSON.stringify(got)}, want ${JSON.stringify({ repository: want.repository, tag: want.tag, path: want.path })}`)
    }
    if (got.path.startsWith('../') || got.path.startsWith('external/')) fail(`${got.path} is not an rlocation path`)
    const dir = rlocation(got.path)
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) fail(`${got.path} does not resolve to a directory (${dir})`)
    for (const f of ['oci-layout', 'index.json']) {
      if (!statSync(rlocation(`${got.path}/${f}`), { throwIfNoEntry: false })?.isFile()) fail(`${got.path}/${f} does not resolve`)
    }
    const seen = new Set<string>()
    const index = JSON.parse(readFileSync(rlocation(`${got.path}/index.json`), 'utf8')) as Node
    for (const d of index.manifests ?? []) walk(got.path, d, seen)
    console.log(`ok ${want.key} -> ${got.path} (${expectedDigest(got.path)}, ${seen.size} blobs resolved)`)
  }
  const runfile = args.options.get('expect-runfile')
  if (runfile !== undefined) {
    if (!statSync(rlocation(runfile), { throwIfNoEntry: false })?.isFile()) fail(`${runfile} (an image target's runfile) is not in the runfiles`)
    console.log(`ok ${runfile} (an image target's default runfiles) is forwarded`)
  }
  console.log('PASS')
}

main()
