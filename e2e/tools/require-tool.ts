/**
 * Finding the external tools e2e tests drive (skopeo, ctr, podman, ...).
 *
 * Locally a missing tool makes the test skip; under CI (`CI=true`) it is an
 * error, so a machine without the tools cannot pass by skipping everything.
 *
 * ```ts
 * test("pulls with skopeo", async (t) => {
 *   if (!haveTools(t, "skopeo", "docker-registry")) return;
 *   ...
 * });
 * ```
 */
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, isAbsolute, resolve } from 'node:path'

/** How to get the tools, for skip and error messages. */
export const INSTALL_HINT = 'run scripts/setup-tools.sh (as root)'

/** Root's tools (nginx, runc, umount) live in sbin, which a non-login PATH may lack. */
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin']

const cache = new Map<string, string | undefined>()

/** Absolute path of an executable on PATH (or in sbin), or undefined. Never throws. */
export function findTool(name: string): string | undefined {
  if (cache.has(name)) return cache.get(name)
  const found = isAbsolute(name) ? (isExecutable(name) ? name : undefined) : searchPath(name)
  cache.set(name, found)
  return found
}

function searchPath(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...EXTRA_DIRS].filter((dir) => dir !== '')
  for (const dir of dirs) {
    // Absolute, so that it still names the tool after a chdir (Bazel puts `.` on a test's PATH).
    const candidate = resolve(dir, name)
    if (isExecutable(candidate)) return candidate
  }
  return undefined
}

/** An executable regular file: a directory named like the tool (a Bazel package: busybox/) is none. */
function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** True when tests run under CI, where a missing tool must fail the test. */
export function isCI(): boolean {
  return process.env.CI === 'true'
}

/** The message a test skips with (or CI fails with) when `name` is missing. */
export function missingToolMessage(name: string): string {
  return `${name} not installed: ${INSTALL_HINT}`
}

/**
 * Absolute path of `name`. When it is missing: under CI throws (the test fails),
 * otherwise returns undefined so the caller can skip with {@link missingToolMessage}.
 */
export function requireTool(name: string): string | undefined {
  const path = findTool(name)
  if (path === undefined && isCI()) {
    throw new Error(`${missingToolMessage(name)} (CI=true: missing tools are errors, not skips)`)
  }
  return path
}

/**
 * Absolute path of `name`, or throws whether or not under CI. For the tool
 * modules themselves: a test reaching them has already decided it needs the tool.
 */
export function toolPath(name: string): string {
  const path = findTool(name)
  if (path === undefined) throw new Error(missingToolMessage(name))
  return path
}

/** The part of node:test's TestContext used here. */
export interface SkippableContext {
  skip(message?: string): void
}

/**
 * Checks every tool. If some are missing: under CI throws naming them all;
 * otherwise calls `t.skip` naming them and returns false.
 */
export function haveTools(t: SkippableContext, ...names: string[]): boolean {
  return haveInstalled(
    t,
    names.filter((name) => findTool(name) === undefined),
    INSTALL_HINT,
  )
}

/**
 * True when nothing is `missing`. Otherwise: under CI throws naming them all and `hint` (how to
 * install them); locally skips with that message and returns false.
 */
export function haveInstalled(t: SkippableContext, missing: readonly string[], hint: string): boolean {
  if (missing.length === 0) return true
  const message = `${missing.join(', ')} not installed: ${hint}`
  if (isCI()) throw new Error(`${message} (CI=true: missing tools are errors, not skips)`)
  t.skip(message)
  return false
}

/**
 * For tools that need root (containerd, podman's overlay storage): under CI a
 * non-root run throws; otherwise skips and returns false.
 */
export function haveRoot(t: SkippableContext, why: string): boolean {
  if (process.getuid?.() === 0) return true
  const message = `${why} needs root`
  if (isCI()) throw new Error(`${message} (CI=true: run the tests as root)`)
  t.skip(message)
  return false
}
