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
import { mkdir } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { UsageError } from '../errors.ts'
import { isDnsName } from '../tls/index.ts'
import { writeFileAtomic } from './write-file-atomic.ts'

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
  /** Every file written, relative to the directory, sorted. */
  files: string[]
}

/** The registries.conf.d drop-in's name: `50-` leaves room before and after it in the load order. */
export const REGISTRIES_DROP_IN = '50-localregistry.conf'

/** Writes the configuration under `dir` (created if missing); every file is written atomically. */
export async function writeClientConfig(dir: string, options: ClientConfigOptions): Promise<ClientConfigFiles> {
  const registry = parseRegistryUrl(options.url)
  const mirrors = options.mirrorFor.map(parseRegistryHost)
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
  try {
    for (const [path, content] of files) {
      await mkdir(join(dir, path, '..'), { recursive: true })
      await writeFileAtomic(join(dir, path), content)
    }
  } catch (error) {
    throw new UsageError(`failed to write client configuration to ${dir}: ${(error as Error).message}`)
  }
  return { files: [...files.keys()].sort() }
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
  return { scheme, address: parseRegistryHost(address) }
}

/** `HOST[:PORT]` as in an image reference: a DNS name, an IPv4 address or a bracketed IPv6 address. Lowercased. */
export function parseRegistryHost(value: string): string {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value)
  const host = match?.[1] ?? ''
  const port = match?.[2]
  const ipv6 = host.startsWith('[') && isIP(host.slice(1, -1)) === 6
  const valid = (ipv6 || isIP(host) === 4 || isDnsName(host)) && (port === undefined || (Number(port) > 0 && Number(port) <= 65535))
  if (!valid)
    throw new UsageError(`${JSON.stringify(value)} is not a registry host: expected HOST[:PORT], e.g. docker.io, ghcr.io or registry.test.internal:5000`)
  return value.toLowerCase()
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
