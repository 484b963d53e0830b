/**
 * Debian sid packages that `scripts/setup-sid-debs.sh` unpacked (never installed) into a cache:
 * sid's containerd 2 and CRI's api.proto, which Debian 12 lacks.
 *
 * ```ts
 * if (!haveSidPackages(t, 'containerd')) return
 * const containerd2 = sidPackage('containerd') // { root: '/var/cache/.../containerd', version: '2.1.9+ds1-5' }
 * ```
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { haveInstalled, type SkippableContext } from './require-tool.ts'

/** How to get them, for skip and error messages. */
export const SID_DEBS_HINT = 'run scripts/setup-sid-debs.sh (as root)'

export interface SidPackage {
  /** Where the .deb was unpacked: its files are under it as they would be under `/`. */
  readonly root: string
  /** The .deb's Version, e.g. `2.1.9+ds1-5`. */
  readonly version: string
}

/** The cache directory: `LOCALREGISTRY_SID_DEBS`, as for the set-up script. */
export function sidDebsDir(): string {
  return process.env.LOCALREGISTRY_SID_DEBS ?? '/var/cache/localregistry/sid-debs'
}

/** The unpacked package, or undefined when the set-up script has not unpacked it. */
export function findSidPackage(name: string): SidPackage | undefined {
  const root = join(sidDebsDir(), name)
  const versionFile = join(root, '.version')
  if (!existsSync(versionFile)) return undefined
  return { root, version: readFileSync(versionFile, 'utf8').trim() }
}

/** The unpacked package; throws (naming the set-up script) when it is missing. */
export function sidPackage(name: string): SidPackage {
  const found = findSidPackage(name)
  if (found === undefined) throw new Error(`the sid package ${name} is not unpacked in ${sidDebsDir()}: ${SID_DEBS_HINT}`)
  return found
}

/** Like haveTools: true when every package is unpacked; otherwise skips, or under CI throws. */
export function haveSidPackages(t: SkippableContext, ...names: string[]): boolean {
  return haveInstalled(
    t,
    names.filter((name) => findSidPackage(name) === undefined).map((name) => `sid package ${name}`),
    SID_DEBS_HINT,
  )
}
