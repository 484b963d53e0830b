// The reference registry (Debian's docker-registry, distribution 2.8), loaded
// with skopeo from the same layouts. It keeps its own copy of each blob, in its
// filesystem storage; that copy is the file warmed before blob runs.

import { join } from 'node:path'
import { startDistribution, type Distribution } from '../../e2e/tools/distribution.ts'
import { createSkopeo } from '../../e2e/tools/skopeo.ts'
import type { BenchImage } from '../lib/fixtures.ts'
import { pidListeningOn } from '../lib/proc.ts'
import type { Contender } from './contender.ts'

export async function startDistributionContender(images: readonly BenchImage[], pushTimeoutMs: number): Promise<Contender> {
  const registry = await startDistribution()
  try {
    await using skopeo = await createSkopeo()
    for (const image of images) {
      await skopeo.pushLayout(image.layoutDir, image.tag, `${registry.host}/${image.repository}:${image.tag}`, { timeoutMs: pushTimeoutMs })
    }
    return contender(registry, await pidListeningOn(registry.port))
  } catch (error) {
    await registry.stop()
    throw new Error(`failed to load the reference registry: ${(error as Error).message}`, { cause: error })
  }
}

function contender(registry: Distribution, pid: number): Contender {
  return {
    name: 'distribution',
    host: registry.host,
    url: registry.url,
    pid,
    blobFile: (_repository, digest) => {
      const hex = digest.slice('sha256:'.length)
      return join(registry.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data')
    },
    output: () => registry.output(),
    stop: () => registry.stop(),
    [Symbol.asyncDispose]: () => registry.stop(),
  }
}
