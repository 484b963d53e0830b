// Placing planned refs in a Registry, each repository:tag served by exactly one image: a second
// image for a tag is a ConflictError naming both sources. A batch is checked (against itself
// and against what is served) before anything is added, so a conflict changes nothing. A tag is
// claimed only once the registry serves it: a placement the registry refuses (a tree it cannot
// read, a name it rejects) leaves the tag free for the next try. The same digest placed twice is
// the same image: fine.

import type { Registry } from '../content/registry.ts'
import { ConflictError } from '../errors.ts'
import type { Placement } from './plan.ts'

export class TagClaims {
  readonly #registry: Registry
  readonly #claims = new Map<string, Placement>()

  constructor(registry: Registry) {
    this.#registry = registry
  }

  /** Adds every placement to the registry, in order; rejects with the first failure (placements before it stay served). */
  async place(placements: readonly Placement[]): Promise<void> {
    this.#check(placements)
    for (const p of placements) {
      await this.#registry.addRef(p.repository, p.tag, p.ref)
      if (p.tag !== undefined && !this.#claims.has(key(p))) this.#claims.set(key(p), p)
    }
  }

  #check(placements: readonly Placement[]): void {
    const batch = new Map<string, Placement>()
    for (const p of placements) {
      if (p.tag === undefined) continue
      const earlier = batch.get(key(p)) ?? this.#claims.get(key(p))
      if (earlier !== undefined && earlier.ref.digest !== p.ref.digest) {
        throw new ConflictError(
          `${key(p)} is claimed by two images: ${earlier.source} (${earlier.ref.digest} in ${earlier.layout}) and ${p.source} (${p.ref.digest} in ${p.layout})`,
        )
      }
      if (earlier === undefined) batch.set(key(p), p)
    }
  }
}

function key(p: Placement): string {
  return `${p.repository}:${p.tag}`
}
