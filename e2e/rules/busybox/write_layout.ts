// Run by busybox_image.bzl's action with the Node of the rules' toolchain:
//
//   node write_layout.ts OUT_DIR PROGRAM '{"entrypoint": [...], "cmd": [...]}'
//
// writes an OCI image layout whose one layer is an uncompressed tar holding PROGRAM as
// /bin/busybox, with the entrypoint and command in the image config. Self-contained (only
// node: modules): the action sees this file and its arguments, not the repository's src/.
// Deterministic: the same program and config give the same digests on every machine.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

interface ImageConfig {
  entrypoint: string[]
  cmd: string[]
}

interface Blob {
  mediaType: string
  digest: string
  size: number
}

const BLOCK = 512

/** A ustar header; mtime, uid and gid 0 keep the layer reproducible. */
function tarHeader(name: string, mode: number, size: number, type: '0' | '5'): Buffer {
  const header = Buffer.alloc(BLOCK)
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii')
  const octal = (offset: number, length: number, value: number) => field(offset, length, value.toString(8).padStart(length - 1, '0'))
  field(0, 100, name)
  octal(100, 8, mode)
  octal(108, 8, 0)
  octal(116, 8, 0)
  octal(124, 12, size)
  octal(136, 12, 0)
  field(148, 8, ' '.repeat(8))
  field(156, 1, type)
  field(257, 6, 'ustar\0')
  field(263, 2, '00')
  let sum = 0
  for (const byte of header) sum += byte
  field(148, 8, sum.toString(8).padStart(6, '0') + '\0 ')
  return header
}

function tarLayer(program: Buffer): Buffer {
  const padding = Buffer.alloc((BLOCK - (program.length % BLOCK)) % BLOCK)
  return Buffer.concat([tarHeader('bin/', 0o755, 0, '5'), tarHeader('bin/busybox', 0o755, program.length, '0'), program, padding, Buffer.alloc(2 * BLOCK)])
}

function writeBlob(out: string, mediaType: string, content: Buffer): Blob {
  const hex = createHash('sha256').update(content).digest('hex')
  writeFileSync(join(out, 'blobs', 'sha256', hex), content)
  return { mediaType, digest: `sha256:${hex}`, size: content.length }
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value))

function architecture(): string {
  const known: Record<string, string> = { x64: 'amd64', arm64: 'arm64' }
  const arch = known[process.arch]
  if (arch === undefined) throw new Error(`write_layout.ts: no OCI architecture for Node's ${process.arch}`)
  return arch
}

function writeLayout(out: string, program: Buffer, config: ImageConfig): void {
  mkdirSync(join(out, 'blobs', 'sha256'), { recursive: true })
  const layer = writeBlob(out, 'application/vnd.oci.image.layer.v1.tar', tarLayer(program))
  const imageConfig = writeBlob(
    out,
    'application/vnd.oci.image.config.v1+json',
    json({
      architecture: architecture(),
      os: 'linux',
      config: { Entrypoint: config.entrypoint, Cmd: config.cmd },
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    }),
  )
  const manifest = writeBlob(
    out,
    'application/vnd.oci.image.manifest.v1+json',
    json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: imageConfig, layers: [layer] }),
  )
  writeFileSync(join(out, 'oci-layout'), json({ imageLayoutVersion: '1.0.0' }))
  // The ref name lets tools that open a layout by tag (skopeo's oci:DIR:latest, umoci) find it.
  const entry = { ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }
  writeFileSync(join(out, 'index.json'), json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [entry] }))
}

const [out, programPath, configJson] = process.argv.slice(2)
if (out === undefined || programPath === undefined || configJson === undefined) {
  throw new Error('usage: node write_layout.ts OUT_DIR PROGRAM CONFIG_JSON')
}
writeLayout(out, readFileSync(programPath), JSON.parse(configJson) as ImageConfig)
