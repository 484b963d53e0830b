// Small helpers for tests that build or mutate layouts by hand: blobs and JSON blobs written
// with a chosen digest algorithm, an image lacking layers, and the pid of a writer that is gone.

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import type { Descriptor } from '../../src/oci/descriptor.ts'
import { type DigestAlgorithm, computeDigest } from '../../src/oci/digest.ts'
import type { LayoutWriter } from '../../src/oci/layout-writer.ts'
import { OCI_CONFIG, OCI_LAYER, OCI_MANIFEST } from '../../src/oci/media-types.ts'

/** The pid of a process that has exited (for files and locks of a writer that is gone). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await once(child, 'exit')
  if (child.pid === undefined) throw new Error('the child process got no pid')
  return child.pid
}

/** Writes `value` as a JSON blob (compact, like the fixtures) and returns its descriptor. */
export async function writeJsonBlob(writer: LayoutWriter, value: unknown, mediaType: string, algorithm: DigestAlgorithm = 'sha256'): Promise<Descriptor> {
  return writeBlob(writer, Buffer.from(JSON.stringify(value)), mediaType, algorithm)
}

/** Writes raw bytes as a blob under the given algorithm and returns its descriptor. */
export async function writeBlob(writer: LayoutWriter, bytes: Buffer, mediaType: string, algorithm: DigestAlgorithm = 'sha256'): Promise<Descriptor> {
  const { digest, size } = await writer.writeBytes(bytes, { digest: computeDigest(bytes, algorithm), size: bytes.length })
  return { mediaType, digest, size }
}

/**
 * Writes an image whose manifest lists, before one layer the layout holds, a layer of each of
 * `absentTypes` that it does not hold (as a non-distributable layer is absent from a layout),
 * each with urls. Returns the manifest's descriptor, the layer held and the absent ones.
 */
export async function writeImageLackingLayers(
  writer: LayoutWriter,
  absentTypes: readonly string[],
): Promise<{ manifest: Descriptor; held: Descriptor; absent: Descriptor[] }> {
  const absent = absentTypes.map((mediaType, i) => {
    const digest = computeDigest(Buffer.from(`absent layer ${i}`))
    return { mediaType, digest, size: 1000 + i, urls: [`https://layers.example/${digest}`] }
  })
  const held = await writeBlob(writer, Buffer.from('a layer the layout holds'), OCI_LAYER)
  const config = await writeJsonBlob(writer, { architecture: 'amd64', os: 'linux' }, OCI_CONFIG)
  const manifestJson = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [...absent, held] }
  const manifest = await writeJsonBlob(writer, manifestJson, OCI_MANIFEST)
  return { manifest, held, absent }
}
