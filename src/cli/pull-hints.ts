// How to pull from a running registry: the references it serves, and each common client's command
// for its scheme: the plain-HTTP flag, or over HTTPS the CA file to trust. `serve` prints a short
// block of it on stderr; the demo prints every client.

import type { Registry } from '../registry/server/index.ts'

export interface PullTarget {
  /** The base URL clients on this machine use (RunningRegistry.url: http or https, IPv6 in brackets). */
  url: string
  /** Whether it listens on every interface (RunningRegistry.wildcard). */
  wildcard: boolean
  /** Over HTTPS, the file holding the CA that clients must trust (--ca-out); undefined if none was written. */
  caFile?: string | undefined
}

export interface ClientCommand {
  client: string
  command: string
  /** What else the client needs, if anything. */
  note?: string
}

/** Written in the commands where the CA file goes when none was written. */
const CA_PLACEHOLDER = 'CA.pem'

function isHttps(target: PullTarget): boolean {
  return new URL(target.url).protocol === 'https:'
}

/** `host:port/name` as clients on this machine write it. */
export function imageReference(target: PullTarget, name: string): string {
  return `${new URL(target.url).host}/${name}`
}

/** The catalog, with curl. */
export function catalogCommand(target: PullTarget): string {
  return `curl -s ${curlTrust(target)}${target.url}/v2/_catalog`
}

function curlTrust(target: PullTarget): string {
  return isHttps(target) ? `--cacert ${target.caFile ?? CA_PLACEHOLDER} ` : ''
}

/**
 * One command per client that pulls `name` (`repository:tag` or `repository@digest`) into `dir`
 * (skopeo, crane) or the client's store. Over HTTPS the Go clients trust the CA through
 * SSL_CERT_FILE (it replaces the system roots for that command), ctr through --tlscacert.
 */
export function pullCommands(target: PullTarget, name: string, dir: string): ClientCommand[] {
  const image = imageReference(target, name)
  const host = new URL(target.url).host
  if (!isHttps(target)) {
    return [
      { client: 'skopeo', command: `skopeo copy --src-tls-verify=false docker://${image} oci:${dir}` },
      { client: 'crane', command: `crane pull --insecure --format=oci ${image} ${dir}` },
      { client: 'podman', command: `podman pull --tls-verify=false ${image}` },
      { client: 'ctr', command: `ctr images pull --plain-http ${image}` },
      { client: 'docker', command: `docker pull ${image}`, note: dockerPlainHttpNote(target, host) },
    ]
  }
  const ca = target.caFile ?? CA_PLACEHOLDER
  return [
    { client: 'skopeo', command: `SSL_CERT_FILE=${ca} skopeo copy docker://${image} oci:${dir}` },
    { client: 'crane', command: `SSL_CERT_FILE=${ca} crane pull --format=oci ${image} ${dir}` },
    { client: 'podman', command: `SSL_CERT_FILE=${ca} podman pull ${image}` },
    { client: 'ctr', command: `ctr images pull --tlscacert ${ca} ${image}` },
    { client: 'docker', command: `docker pull ${image}`, note: `first copy ${ca} to /etc/docker/certs.d/${host}/ca.crt` },
  ]
}

function dockerPlainHttpNote(target: PullTarget, host: string): string {
  const configure = (where: string): string => `add {"insecure-registries": ["${where}"]} to /etc/docker/daemon.json and restart dockerd`
  // Docker treats 127.0.0.0/8 as an insecure registry without configuration, and nothing else.
  if (!/^127\./.test(host)) return `first ${configure(host)}`
  const local = 'Docker trusts 127.0.0.0/8 as an insecure registry'
  return target.wildcard ? `${local}; on another machine pull ADDRESS:PORT and ${configure('ADDRESS:PORT')} there` : local
}

/** Why the commands look as they do: one line. */
export function transportLine(target: PullTarget): string {
  if (!isHttps(target)) return 'plain HTTP: each client needs its plain-HTTP flag'
  if (target.caFile !== undefined) return `HTTPS: clients trust the CA in ${target.caFile}`
  return `HTTPS: ${CA_PLACEHOLDER} is the CA of the certificate (with --tls, --ca-out FILE writes it)`
}

/** What `serve` says on stderr once it listens: the references it serves (at most `limit`), and how to pull the first. */
export function serveHints(target: PullTarget, registry: Registry, limit = 8): string {
  const names = servedNames(registry)
  const lines = names.slice(0, limit).map((name) => `  ${imageReference(target, name)}`)
  if (names.length > limit) lines.push(`  ... ${names.length - limit} more: ${catalogCommand(target)}`)
  const example = names.find((name) => !name.includes('@'))
  if (example !== undefined) {
    lines.push(`Pull (${transportLine(target)}), e.g.:`)
    for (const { command, note } of pullCommands(target, example, '/tmp/image')) lines.push(`  ${command}${note === undefined ? '' : `   (${note})`}`)
  }
  return lines.map((line) => `${line}\n`).join('')
}

/**
 * `repository:tag` for every tag, and `repository@digest` for each top-level manifest of a
 * repository without tags (digest-only); in ASCII order.
 */
export function servedNames(registry: Registry): string[] {
  const names: string[] = []
  for (const name of registry.repositories()) {
    const repo = registry.repository(name)
    if (repo === undefined) continue
    if (repo.tags.size > 0) {
      for (const tag of repo.sortedTags()) names.push(`${name}:${tag}`)
      continue
    }
    const children = new Set<string>()
    for (const ref of repo.manifests.values()) if (ref.kind === 'index') for (const child of ref.children) children.add(child.digest)
    for (const digest of repo.manifests.keys()) if (!children.has(digest)) names.push(`${name}@${digest}`)
  }
  return names
}
