// Ready-to-install configuration that makes container runtimes pull production image names
// (docker.io/library/app:1.0, ghcr.io/org/agent:v1) from this registry, written for a cluster
// launcher to copy into its nodes. One tree per runtime family, each in its own documented format:
//
//   DIR/ca.crt                                            the CA to trust (generated certificates only)
//   DIR/containerd/certs.d/<host>/hosts.toml (+ ca.crt)   containerd's config_path (docs/hosts.md)
//   DIR/containers/registries.conf.d/50-localregistry.conf  CRI-O, podman, skopeo (containers-registries.conf.d(5))
//   DIR/containers/certs.d/<address>/ca.crt               their CA directory (containers-certs.d(5))
//   DIR/docker/certs.d/<address>/ca.crt                   Docker's CA directory
//   DIR/docker/daemon.json                                {"registry-mirrors": [...]} (with docker.io only)
//
// The registry is each mirrored host's only source: containerd's `server` and the registries.conf
// `location` are the registry too, so an image it does not serve is "not found" at once and is
// never fetched from the internet behind a hermetic test's back.
//
// The tree is the option's: a run replaces what the last one wrote (a host no longer mirrored
// loses its files, or the runtime would keep pulling it from a registry that is gone), and
// touches nothing else. DIR/.localregistry-written.json records each file written with its
// digest; a file of that record that this run does not write is removed if it still holds what
// was written (a file someone changed since is theirs), with the directories it leaves empty.
// Every file is staged first (stageClientConfig), so a failure replaces nothing.
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rm, rmdir } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { OutputFileError, UsageError } from '../errors.ts'
import { type HostPort, parseHostPort } from '../net/host.ts'
import { type Staged, stageAll, stageFile } from '../files/write-file-atomic.ts'

export interface ClientConfigOptions {
  /**
   * The registry as the nodes reach it: `https://HOST:PORT` (or `http://`), e.g. the registry's
   * `url`, or the address a node sees through a bridge, NAT or QEMU guest forward.
   */
  url: string
  /** The CA certificate (PEM) the nodes must trust; omit when they trust the certificate already (or for HTTP). */
  caCertificate?: string | undefined
  /** Registry hosts whose images come from this registry, e.g. `docker.io`, `ghcr.io`, `registry.test.internal`. */
  mirrorFor: readonly string[]
  /**
   * Served repositories. With `docker.io` mirrored, each `library/NAME` gets a short-name alias
   * (`NAME` = `docker.io/library/NAME`), so that podman and CRI-O resolve `NAME:TAG` as Docker does.
   */
  repositories?: readonly string[]
}

/** What writeClientConfig wrote. */
export interface ClientConfigFiles {
  /** Every configuration file written, relative to the directory, sorted (the record of them aside). */
  files: string[]
}

/** The registries.conf.d drop-in's name: `50-` leaves room before and after it in the load order. */
const REGISTRIES_DROP_IN = '50-localregistry.conf'
/** The record of the files the last run wrote, relative to the directory. */
const RECORD = '.localregistry-written.json'

/**
 * Writes the configuration under `dir` (created if missing), each file atomically, and removes
 * the files of the last run that this one does not write.
 */
export async function writeClientConfig(dir: string, options: ClientConfigOptions): Promise<ClientConfigFiles> {
  return (await stageClientConfig(dir, options)).commit()
}

/** writeClientConfig in two steps: every file written beside its place, then renamed into it (or dropped). */
export async function stageClientConfig(dir: string, options: ClientConfigOptions): Promise<Staged<ClientConfigFiles>> {
  const files = configFiles(options)
  // Absolute, so that removing emptied directories stops at it however `dir` was spelled.
  const root = resolve(dir)
  const record = Object.fromEntries([...files].map(([path, content]) => [path, digest(content)]))
  const stale = Object.entries(await readRecord(root)).filter(([path]) => !files.has(path))
  /** Directories made for the staged files, each the top one mkdir created: gone again if nothing is committed. */
  const made: string[] = []
  const unmake = async (): Promise<void> => void (await Promise.all(made.map(removeIfNoFiles)))
  const stageOne = (path: string, content: string) => async (): Promise<Staged<unknown>> => {
    const top = await mkdir(dirname(join(root, path)), { recursive: true })
    if (top !== undefined) made.push(top)
    return stageFile(join(root, path), content)
  }
  let staged: Staged<void>
  try {
    staged = await stageAll([...files, [RECORD, `${JSON.stringify(record, null, 2)}\n`] as const].map(([path, content]) => stageOne(path, content)))
  } catch (error) {
    await unmake()
    throw writeError(dir, error)
  }
  const commit = async (): Promise<ClientConfigFiles> => {
    try {
      await staged.commit()
      for (const [path, written] of stale) await removeIfUnchanged(root, path, written)
    } catch (error) {
      throw writeError(dir, error)
    }
    return { files: [...files.keys()].sort() }
  }
  const discard = async (): Promise<void> => {
    await staged.discard()
    await unmake()
  }
  return { commit, discard }
}

/** The configuration files, by path relative to the directory. */
function configFiles(options: ClientConfigOptions): Map<string, string> {
  const registry = parseRegistryUrl(options.url)
  const mirrors = options.mirrorFor.map((host) => parseRegistryHost(host).address)
  if (mirrors.length === 0) throw new UsageError('client configuration needs at least one registry host to mirror (--mirror-for HOST, e.g. docker.io)')
  const ca = options.caCertificate
  const files = new Map<string, string>()
  if (ca !== undefined) files.set('ca.crt', ca)
  for (const host of new Set(mirrors)) {
    files.set(`containerd/certs.d/${host}/hosts.toml`, containerdHostsToml(host, registry, ca !== undefined))
    if (ca !== undefined) files.set(`containerd/certs.d/${host}/ca.crt`, ca)
  }
  files.set(`containers/registries.conf.d/${REGISTRIES_DROP_IN}`, registriesConf(mirrors, registry, options.repositories ?? []))
  if (ca !== undefined) {
    files.set(`containers/certs.d/${registry.address}/ca.crt`, ca)
    files.set(`docker/certs.d/${registry.address}/ca.crt`, ca)
  }
  if (mirrors.includes('docker.io')) files.set('docker/daemon.json', dockerDaemonJson(registry))
  return files
}

function writeError(dir: string, error: unknown): OutputFileError {
  return new OutputFileError(`failed to write client configuration to ${dir}: ${(error as Error).message}`, { cause: error })
}

const digest = (content: string | Buffer): string => `sha256:${createHash('sha256').update(content).digest('hex')}`

/** The last run's record: path → digest of what it wrote; none (nothing to remove) when missing or not one. */
async function readRecord(dir: string): Promise<Record<string, string>> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(join(dir, RECORD), 'utf8'))
  } catch {
    return {}
  }
  if (typeof parsed !== 'object' || parsed === null) return {}
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && isInside(entry[0])))
}

/** A relative path that stays inside the directory (a record edited by hand must not reach out of it). */
function isInside(path: string): boolean {
  return path !== '' && !path.startsWith('/') && !path.split(/[/\\]/).includes('..') && path !== RECORD
}

async function removeIfUnchanged(dir: string, path: string, written: string): Promise<void> {
  const file = join(dir, path)
  let content: Buffer
  try {
    content = await readFile(file)
  } catch {
    return
  }
  if (digest(content) !== written) return
  await rm(file)
  await removeEmptyDirs(dirname(file), dir)
}

/** Removes `path` and its parents up to (not including) `top` while they are empty directories. */
async function removeEmptyDirs(path: string, top: string): Promise<void> {
  for (let at = path; at !== top && at.startsWith(`${top}${sep}`); at = dirname(at)) {
    try {
      await rmdir(at)
    } catch {
      return
    }
  }
}

/** Removes a directory this run made if nothing but directories is in it (another process may have written there meanwhile). */
async function removeIfNoFiles(path: string): Promise<void> {
  try {
    const entries = await readdir(path, { recursive: true, withFileTypes: true })
    if (entries.every((entry) => entry.isDirectory())) await rm(path, { recursive: true })
  } catch {
    // Gone already, or not ours to judge.
  }
}

interface RegistryAddress {
  scheme: 'http' | 'https'
  /** `host:port` as image references and certs.d directories spell it (IPv6 in brackets). */
  address: string
}

function parseRegistryUrl(value: string): RegistryAddress {
  const match = /^(https?):\/\/([^/]+)\/?$/.exec(value)
  const scheme = match?.[1]
  const address = match?.[2]
  if ((scheme !== 'http' && scheme !== 'https') || address === undefined) {
    throw new UsageError(`registry URL ${JSON.stringify(value)} is not http(s)://HOST[:PORT]`)
  }
  return { scheme, address: parseRegistryHost(address).address }
}

/** `HOST[:PORT]` as in an image reference: a DNS name, an IPv4 address or a bracketed IPv6 address; `address` lowercased. */
export function parseRegistryHost(value: string): HostPort {
  const parsed = parseHostPort(value)
  if (parsed === undefined)
    throw new UsageError(`${JSON.stringify(value)} is not a registry host: expected HOST[:PORT], e.g. docker.io, ghcr.io or registry.test.internal:5000`)
  return parsed
}

/** TOML basic strings use JSON's escapes. */
const toml = (value: string): string => JSON.stringify(value)

function containerdHostsToml(host: string, registry: RegistryAddress, withCa: boolean): string {
  const url = `${registry.scheme}://${registry.address}`
  const ca = withCa ? ['ca = "ca.crt"'] : []
  return [
    `# Written by localregistry: containerd pulls ${host} images from ${url}.`,
    `# Install this directory as /etc/containerd/certs.d/${host}/ (config_path = "/etc/containerd/certs.d").`,
    `# server is the registry too, so an image it does not serve is not found, not fetched from ${host}.`,
    `server = ${toml(url)}`,
    ...ca,
    '',
    `[host.${toml(url)}]`,
    '  capabilities = ["pull", "resolve"]',
    ...ca.map((line) => `  ${line}`),
    '',
  ].join('\n')
}

function registriesConf(mirrors: readonly string[], registry: RegistryAddress, repositories: readonly string[]): string {
  const insecure = registry.scheme === 'http' ? ['insecure = true'] : []
  const lines = [
    `# Written by localregistry: CRI-O, podman and skopeo pull these registries' images from ${registry.address}.`,
    `# Install as /etc/containers/registries.conf.d/${REGISTRIES_DROP_IN}, with certs.d/ as /etc/containers/certs.d/.`,
    '# location is the registry too, so an image it does not serve is not found, not fetched from the internet.',
  ]
  for (const host of new Set(mirrors)) {
    lines.push('', '[[registry]]', `prefix = ${toml(host)}`, `location = ${toml(registry.address)}`, ...insecure)
    lines.push('', '[[registry.mirror]]', `location = ${toml(registry.address)}`, ...insecure)
  }
  // The registry's own address as a prefix of its own: longer than a mirrored host it may start
  // with (registry.test.internal:5000 and registry.test.internal), so references to the address
  // itself match this entry and are not rewritten.
  // (A prefix may appear once per file: skip it when the address is itself mirrored.)
  if (!mirrors.includes(registry.address)) lines.push('', '[[registry]]', `location = ${toml(registry.address)}`, ...insecure)
  const aliases = mirrors.includes('docker.io') ? shortNames(repositories) : []
  if (aliases.length > 0) {
    lines.push('', '# Short names, resolved as Docker does: NAME:TAG is docker.io/library/NAME:TAG.', '[aliases]')
    for (const name of aliases) lines.push(`${toml(name)} = ${toml(`docker.io/library/${name}`)}`)
  }
  return `${lines.join('\n')}\n`
}

/** `library/NAME` repositories give the short name `NAME` (Docker Hub's official-image namespace). */
function shortNames(repositories: readonly string[]): string[] {
  const names = repositories.filter((r) => r.startsWith('library/') && !r.slice('library/'.length).includes('/')).map((r) => r.slice('library/'.length))
  return [...new Set(names)].sort()
}

function dockerDaemonJson(registry: RegistryAddress): string {
  // Docker mirrors Docker Hub only; other hosts' images must be pulled by the registry's own address.
  const config = {
    'registry-mirrors': [`${registry.scheme}://${registry.address}`],
    ...(registry.scheme === 'http' && { 'insecure-registries': [registry.address] }),
  }
  return `${JSON.stringify(config, null, 2)}\n`
}
