// The demo behind `npm start`: builds a few deterministic fixture layouts (every shape the runtime
// serves) into a temp dir, serves them, and says how to pull them with real clients.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ImageOption, type RunningRegistry, startRegistry } from '../api.ts'
import { type FixtureKind, buildFixtureLayout } from '../testing/index.ts'
import { catalogCommand, imageReference, pullCommands, transportLine } from '../cli/pull-hints.ts'

export const DEMO_LISTEN = '127.0.0.1:5000'

interface DemoSpec {
  kind: FixtureKind
  repository: string
  /** '' = digest-only. */
  tag: string
  what: string
}

const DEMO_IMAGES: readonly DemoSpec[] = [
  { kind: 'image', repository: 'demo/app', tag: 'latest', what: 'an OCI image (linux/amd64)' },
  { kind: 'index', repository: 'demo/multi-arch', tag: 'latest', what: 'an image index (linux/amd64, linux/arm64/v8)' },
  { kind: 'nested', repository: 'demo/nested', tag: 'latest', what: 'an index inside an index' },
  { kind: 'docker', repository: 'demo/docker', tag: 'v2', what: 'Docker schema2 media types, gzip layer' },
  { kind: 'rules-oci', repository: 'demo/rules-oci', tag: 'latest', what: 'what rules_oci writes (index.json without mediaType)' },
  { kind: 'referrer', repository: 'demo/with-sbom', tag: 'latest', what: 'an image with an SBOM artifact (referrers API)' },
  { kind: 'image', repository: 'demo/pinned', tag: '', what: 'digest-only: no tag, pull it by digest' },
]

export interface DemoImage {
  repository: string
  tag: string
  digest: string
  what: string
}

export interface Demo extends AsyncDisposable {
  registry: RunningRegistry
  images: DemoImage[]
  /** Stops serving and removes the layouts. */
  close(): Promise<void>
}

/** Builds the demo layouts into a fresh temp dir and serves them. */
export async function startDemo(options: { listen?: string; log?: (line: string) => void } = {}): Promise<Demo> {
  const dir = await mkdtemp(join(tmpdir(), 'localregistry-demo-'))
  try {
    const built = await Promise.all(
      DEMO_IMAGES.map(async (spec, i) => ({ spec, result: await buildFixtureLayout(join(dir, String(i)), { kind: spec.kind, name: `demo-${i}` }) })),
    )
    const images: ImageOption[] = built.map(({ spec, result }) => ({ repository: spec.repository, tag: spec.tag, layout: result.dir }))
    const registry = await startRegistry({ images, listen: options.listen ?? DEMO_LISTEN, ...(options.log && { log: options.log }) })
    const close = async (): Promise<void> => {
      await registry.close()
      await rm(dir, { recursive: true, force: true })
    }
    return {
      registry,
      images: built.map(({ spec, result }) => ({ repository: spec.repository, tag: spec.tag, digest: result.digest, what: spec.what })),
      close,
      [Symbol.asyncDispose]: close,
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}

/** `host:port/repository:tag`, or `@digest` for a digest-only image. */
export function reference(host: string, image: DemoImage): string {
  return `${host}/${image.repository}${image.tag === '' ? `@${image.digest}` : `:${image.tag}`}`
}

/** What the demo prints: the images, then exact pull commands for each client. */
export function instructions(demo: Demo): string {
  const target = { url: demo.registry.url, wildcard: demo.registry.wildcard }
  const host = new URL(target.url).host
  const refs = demo.images.map((i) => reference(host, i))
  // Digest references are long: they do not set the column width.
  const width = Math.max(...refs.filter((r) => !r.includes('@')).map((r) => r.length))
  const list = demo.images.map((i, n) => `  ${(refs[n] ?? '').padEnd(width)}  ${i.what}`).join('\n')
  // The multi-arch image, so that docker, ctr and podman find an image for amd64 and arm64 hosts.
  const example = 'demo/multi-arch:latest'
  const clients = [
    { client: 'curl', command: catalogCommand(target) },
    ...pullCommands(target, example, '/tmp/demo-multi-arch'),
    { client: 'ours', command: `node src/cli/main.ts pull ${imageReference(target, example)} /tmp/demo-multi-arch-layout` },
  ]
  const commands = clients
    .map(({ client, command, note }) => `  ${client.padEnd(8)}  ${command}${note === undefined ? '' : `\n            (${note})`}`)
    .join('\n')
  return `localregistry demo: serving ${demo.images.length} images at ${target.url} (read-only)

${list}

The images are synthetic (a small file per layer, nothing to run): pull them, inspect
them, copy them (${transportLine(target)}):

${commands}

Press Ctrl-C to stop.
`
}
