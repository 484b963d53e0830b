// `serve`'s options for cluster launchers: HTTPS (--tls, --hostname, --tls-key-type,
// --tls-cert/--tls-key, --ca-out) and configuration for the nodes' container runtimes (--client-config, --mirror-for,
// --advertise). Parsed and checked with the other options; the files are staged once the
// registry listens and made visible with the ready file, just before its URL is announced.
import { readFile } from 'node:fs/promises'
import type { ParseArgsOptionsConfig } from 'node:util'
import { type RunningRegistry, parseListen } from '../api.ts'
import { parseRegistryHost, stageClientConfig } from '../client-config/index.ts'
import { type Staged, stageFile } from '../files/write-file-atomic.ts'
import { UsageError } from '../errors.ts'
import { formatHost, isWildcard } from '../net/host.ts'
import { KEY_TYPES, type KeyType, type TlsOptions } from '../tls/index.ts'
import type { Io } from './io.ts'

/** The parseArgs specs, spread into `serve`'s. */
export const LAUNCHER_ARGS = {
  tls: { type: 'boolean', default: false },
  hostname: { type: 'string', multiple: true, default: [] as string[] },
  'tls-key-type': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'ca-out': { type: 'string' },
  'client-config': { type: 'string' },
  'mirror-for': { type: 'string', multiple: true, default: [] as string[] },
  advertise: { type: 'string' },
} satisfies ParseArgsOptionsConfig

export interface LauncherValues {
  listen: string
  tls: boolean
  hostname: string[]
  'tls-key-type'?: string | undefined
  'tls-cert'?: string | undefined
  'tls-key'?: string | undefined
  'ca-out'?: string | undefined
  'client-config'?: string | undefined
  'mirror-for': string[]
  advertise?: string | undefined
}

export interface LauncherOptions {
  /** No TLS, a certificate to generate (for these extra names), or one to read from files. */
  tls: { kind: 'none' } | { kind: 'generate'; hostnames: string[]; keyType: KeyType } | { kind: 'files'; cert: string; key: string }
  caOut: string | undefined
  clientConfig: { dir: string; mirrorFor: string[]; advertise: { host: string; port: number | undefined } | undefined } | undefined
}

/** Checks how the options combine; every mistake is a UsageError that says what to give instead. */
export function parseLauncherOptions(values: LauncherValues): LauncherOptions {
  const cert = values['tls-cert']
  const key = values['tls-key']
  if ((cert === undefined) !== (key === undefined))
    throw new UsageError('--tls-cert FILE and --tls-key FILE go together: give both, or neither (with --tls) to generate a certificate')
  const given = cert !== undefined && key !== undefined
  if (given && values.hostname.length > 0) throw new UsageError('--hostname names a generated certificate; a --tls-cert certificate has its own names')
  if (!values.tls && !given && values.hostname.length > 0) throw new UsageError('--hostname names the certificate of --tls: add --tls')
  const keyType = parseKeyType(values['tls-key-type'], values.tls && !given)
  const caOut = values['ca-out']
  if (caOut !== undefined && !(values.tls && !given))
    throw new UsageError('--ca-out writes the CA of a generated certificate: it needs --tls (without --tls-cert)')
  const dir = values['client-config']
  const mirrorFor = values['mirror-for'].map((host) => parseRegistryHost(host).address)
  if (dir === undefined && mirrorFor.length > 0) throw new UsageError('--mirror-for HOST goes into --client-config DIR: add it')
  if (dir !== undefined && mirrorFor.length === 0)
    throw new UsageError('--client-config DIR needs the registries to mirror: add --mirror-for HOST (e.g. docker.io, ghcr.io)')
  if (dir === undefined && values.advertise !== undefined) throw new UsageError('--advertise is the address written into --client-config DIR: add it')
  const advertise = values.advertise === undefined ? undefined : parseAdvertise(values.advertise)
  if (dir !== undefined && advertise === undefined && isWildcard(parseListen(values.listen).host))
    throw new UsageError(`--listen ${values.listen} is every interface, not an address a node can use: add --advertise HOST[:PORT] for --client-config`)
  const tls: LauncherOptions['tls'] = given
    ? { kind: 'files', cert, key }
    : values.tls
      ? { kind: 'generate', hostnames: [...values.hostname, ...(advertise ? [advertise.host] : [])], keyType }
      : { kind: 'none' }
  return { tls, caOut, clientConfig: dir === undefined ? undefined : { dir, mirrorFor, advertise } }
}

/** --tls-key-type: ecdsa (the default) or rsa, for a generated certificate only. */
function parseKeyType(value: string | undefined, generating: boolean): KeyType {
  if (value === undefined) return 'ecdsa'
  if (!generating) throw new UsageError('--tls-key-type is the key of the certificate --tls generates: add --tls (without --tls-cert)')
  const keyType = KEY_TYPES.find((type) => type === value)
  if (keyType === undefined) throw new UsageError(`--tls-key-type ${value}: give ${KEY_TYPES.join(' or ')}`)
  return keyType
}

/** `HOST[:PORT]`; without a port, the port the registry listens on. */
function parseAdvertise(value: string): { host: string; port: number | undefined } {
  const { host, port } = parseRegistryHost(value)
  return { host: formatHost(host).toLowerCase(), port }
}

/** startRegistry's `tls`, reading --tls-cert and --tls-key. */
export async function tlsOption(options: LauncherOptions): Promise<TlsOptions | undefined> {
  const tls = options.tls
  if (tls.kind === 'none') return undefined
  if (tls.kind === 'generate') return { hostnames: tls.hostnames, keyType: tls.keyType }
  return { cert: await readOptionFile('--tls-cert', tls.cert), key: await readOptionFile('--tls-key', tls.key) }
}

async function readOptionFile(option: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (error) {
    throw new UsageError(`${option} ${file}: ${(error as Error).message}`)
  }
}

/** --ca-out and --client-config for a registry that listens, staged: commit them just before announcing its URL. */
export function launcherFileStages(options: LauncherOptions, registry: RunningRegistry, io: Io): Array<() => Promise<Staged<unknown>>> {
  const stages: Array<() => Promise<Staged<unknown>>> = []
  const { caOut, clientConfig: config } = options
  const ca = registry.caCertificate
  if (caOut !== undefined && ca !== undefined) stages.push(() => stageFile(caOut, ca, { name: '--ca-out' }))
  if (config === undefined) return stages
  const url = new URL(registry.url)
  const advertised = config.advertise === undefined ? registry.url : `${url.protocol}//${config.advertise.host}:${config.advertise.port ?? registry.port}`
  stages.push(async () => {
    const staged = await stageClientConfig(config.dir, {
      url: advertised,
      caCertificate: ca,
      mirrorFor: config.mirrorFor,
      repositories: registry.registry.repositories(),
    })
    const commit = async (): Promise<void> => {
      const written = await staged.commit()
      io.stderr.write(
        `localregistry: wrote client configuration for ${config.mirrorFor.join(', ')} via ${advertised} to ${config.dir} (${written.files.length} files)\n`,
      )
    }
    return { commit, discard: staged.discard }
  })
  return stages
}
