// Small helpers for tests that build or mutate layouts by hand: a temp dir cleaned up
// after the test, and JSON blobs written with a chosen digest algorithm.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { Descriptor } from '../oci/descriptor.ts'
import { type DigestAlgorithm, computeDigest } from '../oci/digest.ts'
import type { LayoutWriter } from '../oci/layout-writer.ts'

/** A fresh directory under the OS temp dir, removed when the test ends. */
export async function makeTempDir(t: Pick<TestContext, 'after'>, prefix = 'localregistry-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
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
