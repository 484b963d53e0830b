/**
 * A runnable image for node tests: an OCI layout whose one layer holds a real static program,
 * Debian's busybox-static (`/bin/busybox`), with links for the applets the entrypoint runs, and
 * a config with Entrypoint and Cmd. The same kind of image the Bazel e2e builds; written with
 * the project's layout writer. Deterministic: the same busybox and options give the same digests.
 *
 * ```ts
 * const hello = await buildBusyboxImage(join(work, 'hello'), { applets: ['sh', 'echo'], entrypoint: ['/bin/sh', '-c'], cmd: ['echo hello'] })
 * const pause = await buildBusyboxImage(join(work, 'pause'), { applets: ['sleep'], entrypoint: ['/bin/sleep'], cmd: ['2147483647'] })
 * ```
 */
import { readFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pack } from 'tar-stream'
import { type Descriptor } from '../../src/oci/descriptor.ts'
import { LayoutWriter } from '../../src/oci/layout-writer.ts'
import { OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, REF_NAME_ANNOTATION } from '../../src/oci/media-types.ts'
import { collect } from '../../src/testing/content.ts'
import { writeJsonBlob } from '../../test/support/layouts.ts'

export interface BusyboxImageOptions {
  /** Applets linked as /bin/NAME → busybox: those the entrypoint and command run. */
  applets: readonly string[]
  entrypoint: readonly string[]
  cmd?: readonly string[]
  env?: readonly string[]
  /** The static busybox to put in. Default /bin/busybox (Debian's busybox-static). */
  busybox?: string
  /** The index.json entry's ref name. Default "latest". */
  refName?: string
}

export interface BusyboxImage {
  readonly layout: string
  /** The manifest: what a tag resolves to. */
  readonly digest: string
  /** The config: the image id a runtime reports. */
  readonly config: string
  readonly layer: string
}

const EPOCH = new Date(0)

/** Writes the image to `dir` (which must not exist yet). */
export async function buildBusyboxImage(dir: string, options: BusyboxImageOptions): Promise<BusyboxImage> {
  const path = options.busybox ?? '/bin/busybox'
  const busybox = await readFile(path)
  // The image holds no C library: a dynamically linked busybox (Debian's busybox package) cannot run in it.
  if (hasInterpreter(busybox)) throw new Error(`${path} is dynamically linked: install busybox-static (scripts/setup-tools.sh)`)
  const tar = await layerTar(busybox, options.applets)
  const writer = await LayoutWriter.open(dir)
  try {
    const layer: Descriptor = { mediaType: OCI_LAYER, ...(await writer.writeBytes(tar)) }
    const config = await writeJsonBlob(
      writer,
      {
        architecture: process.arch === 'x64' ? 'amd64' : process.arch,
        os: 'linux',
        config: {
          Env: options.env ?? ['PATH=/bin'],
          Entrypoint: options.entrypoint,
          ...(options.cmd && { Cmd: options.cmd }),
        },
        // An uncompressed layer's digest is its diff ID.
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      },
      OCI_CONFIG,
    )
    const manifest = await writeJsonBlob(writer, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }, OCI_MANIFEST)
    await writer.commit([{ ...manifest, annotations: { [REF_NAME_ANNOTATION]: options.refName ?? 'latest' } }])
    return { layout: dir, digest: manifest.digest, config: config.digest, layer: layer.digest }
  } catch (error) {
    await writer.abort()
    throw error
  }
}

/** An uncompressed tar: bin/, bin/busybox (0755) and a symlink bin/APPLET → busybox for each applet; root-owned, mtime 0. */
async function layerTar(busybox: Buffer, applets: readonly string[]): Promise<Buffer> {
  const tar = pack()
  const header = { mtime: EPOCH, uid: 0, gid: 0, uname: 'root', gname: 'root' }
  tar.entry({ ...header, name: 'bin/', type: 'directory', mode: 0o755 })
  tar.entry({ ...header, name: 'bin/busybox', type: 'file', mode: 0o755 }, busybox)
  for (const applet of [...new Set(applets)].sort()) {
    tar.entry({ ...header, name: `bin/${applet}`, type: 'symlink', linkname: 'busybox', mode: 0o777 })
  }
  tar.finalize()
  // tar-stream 3 streams are streamx streams; Readable.from adapts them through async iteration.
  return collect(Readable.from(tar))
}

/** True when a 64-bit little-endian ELF file has a PT_INTERP program header (it needs a dynamic loader). */
function hasInterpreter(elf: Buffer): boolean {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) throw new Error('busybox is not a 64-bit little-endian ELF program')
  const offset = Number(elf.readBigUInt64LE(0x20))
  const size = elf.readUInt16LE(0x36)
  const count = elf.readUInt16LE(0x38)
  const PT_INTERP = 3
  return Array.from({ length: count }, (_, i) => elf.readUInt32LE(offset + i * size)).includes(PT_INTERP)
}
