/**
 * Temporary directories for tests and for tools' state (registry storage,
 * containerd root, podman storage): the one temp-dir helper of the repository's
 * tests, e2e tests and benchmarks. A directory is removed by `remove()`, by
 * `await using`, or, given a test context, when that test ends.
 *
 * containerd and podman can leave overlay or bind mounts under their roots (a
 * killed daemon, an unpack interrupted by a timeout); `rm -rf` over a mount fails
 * with EBUSY or, worse, deletes through it. Removal therefore first unmounts,
 * deepest first, everything /proc/self/mountinfo lists under the directory.
 *
 * ```ts
 * await using dir = await makeTempDir("skopeo-");
 * await writeFile(dir.join("policy.json"), "...");
 * const layout = (await makeTempDir("test-", t)).join("layout"); // removed after test t
 * ```
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve, sep } from 'node:path'
import type { TestContext } from 'node:test'
import { run } from '../../e2e/tools/exec.ts'
import { findTool } from '../../e2e/tools/require-tool.ts'

export interface TempDir extends AsyncDisposable {
  /** Absolute path of the directory. */
  readonly path: string
  /** `path` joined with `parts`. */
  join(...parts: string[]): string
  /** Unmounts what is mounted under the directory, then deletes it. Idempotent. */
  remove(): Promise<void>
}

/**
 * Creates a fresh directory under the OS temp dir; its name starts with `localregistry-${prefix}`.
 * Given `t`, it is also removed when that test ends.
 */
export async function makeTempDir(prefix = '', t?: Pick<TestContext, 'after'>): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `localregistry-${prefix}`))
  let removed: Promise<void> | undefined
  const remove = (): Promise<void> => (removed ??= removeDir(path))
  t?.after(remove)
  return {
    path,
    join: (...parts) => join(path, ...parts),
    remove,
    [Symbol.asyncDispose]: remove,
  }
}

async function removeDir(path: string): Promise<void> {
  await unmountUnder(path)
  try {
    await rm(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 })
  } catch (error) {
    throw new Error(`failed to remove temp dir "${path}": ${(error as Error).message}`, { cause: error })
  }
}

/**
 * Unmounts every mount point at or under `dir`, deepest first, and returns the
 * points unmounted.
 * Tries a normal unmount, then a lazy one (`umount -l`) for a busy mount.
 */
export async function unmountUnder(dir: string): Promise<string[]> {
  const unmounted: string[] = []
  // Several rounds: mounts can be stacked on one point, and each umount pops one.
  for (let round = 0; round < 5; round++) {
    const mounts = await mountPointsUnder(dir)
    if (mounts.length === 0) return unmounted
    const umount = findTool('umount')
    if (umount === undefined) throw new Error(`cannot unmount ${mounts.join(', ')}: umount not found`)
    for (const mount of mounts) {
      try {
        await run(umount, [mount], { timeoutMs: 10_000 })
      } catch {
        await run(umount, ['-l', mount], { timeoutMs: 10_000 })
      }
      unmounted.push(mount)
    }
  }
  const left = await mountPointsUnder(dir)
  if (left.length > 0) throw new Error(`mounts still under "${dir}" after unmounting: ${left.join(', ')}`)
  return unmounted
}

/** Mount points at or under `dir` from /proc/self/mountinfo, deepest first. */
export async function mountPointsUnder(dir: string): Promise<string[]> {
  const root = resolve(dir)
  let text: string
  try {
    text = await readFile('/proc/self/mountinfo', 'utf8')
  } catch {
    return [] // Not Linux: nothing these tools mount.
  }
  const points = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => unescapeMountPath(line.split(' ')[4] ?? ''))
    .filter((point) => point === root || point.startsWith(root + sep))
  return [...new Set(points)].sort((a, b) => b.length - a.length)
}

/**
 * Filesystem type (`ext4`, `tmpfs`, `overlay`, ...) of the mount holding `path`.
 * Overlay snapshotters cannot put their upper dirs on an overlay filesystem (a
 * container's root), so containerd.ts and podman.ts fall back to copies there.
 */
export async function filesystemType(path: string): Promise<string | undefined> {
  const target = resolve(path)
  let text: string
  try {
    text = await readFile('/proc/self/mountinfo', 'utf8')
  } catch {
    return undefined
  }
  let best: { point: string; type: string } | undefined
  for (const line of text.split('\n')) {
    const fields = line.split(' ')
    const point = unescapeMountPath(fields[4] ?? '')
    const type = fields[fields.indexOf('-') + 1]
    const contains = point === '/' || target === point || target.startsWith(point + sep)
    if (point !== '' && type !== undefined && contains && point.length >= (best?.point.length ?? 0)) best = { point, type }
  }
  return best?.type
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
}
