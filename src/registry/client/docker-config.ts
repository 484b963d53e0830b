// Credentials for a registry from Docker's configuration, where `docker login` leaves them:
// $DOCKER_CONFIG/config.json (default ~/.docker/config.json). As Docker does, the first of
//   credHelpers: { "<host>": "<name>" }   this registry's helper, docker-credential-<name>
//   credsStore: "<name>"                  every registry's helper
//   auths: { "<host or URL>": { "auth": base64("user:password") } or { "username", "password" } }
// answers. A helper runs as `docker-credential-<name> get` with the server address on stdin
// and prints {"ServerURL", "Username", "Secret"}; "credentials not found" means anonymous.
// No secret, and nothing a helper or the file holds, ever appears in a message.

import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { AuthError } from '../../errors.ts'
import type { Credentials } from './auth.ts'
import { printable } from './redact.ts'

export interface DockerConfigOptions {
  /** DOCKER_CONFIG, HOME and (for the helpers) PATH come from here. Default process.env. */
  env?: NodeJS.ProcessEnv
  /** Longest a credential helper may take, in ms. Default 30 s. */
  helperTimeout?: number
  /** Told why credentials that are there cannot be used (e.g. an identity token). */
  warn?: (message: string) => void
}

const DOCKER_HUB = 'https://index.docker.io/v1/'
const DOCKER_HUB_HOSTS: ReadonlySet<string> = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io'])
/** A helper name is one file name in PATH, never a path. */
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const DEFAULT_HELPER_TIMEOUT_MS = 30_000
/** Docker's marker for a Username whose Secret is an OAuth identity (refresh) token. */
const IDENTITY_TOKEN_USER = '<token>'

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>
  credsStore?: string
  credHelpers?: Record<string, string>
}

/** The config file Docker reads: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['DOCKER_CONFIG'] || join(env['HOME'] || homedir(), '.docker')
  return join(dir, 'config.json')
}

/** The credentials Docker would use for `host` (`host[:port]` of a reference), or undefined for anonymous. */
export async function dockerCredentials(host: string, options: DockerConfigOptions = {}): Promise<Credentials | undefined> {
  const env = options.env ?? process.env
  const path = dockerConfigPath(env)
  const config = await readConfig(path)
  if (config === undefined) return undefined
  const server = DOCKER_HUB_HOSTS.has(host.toLowerCase()) ? DOCKER_HUB : host
  const helper = config.credHelpers?.[host] ?? config.credsStore
  if (helper !== undefined && helper !== '') {
    if (!HELPER_NAME.test(helper))
      throw new AuthError(`Docker config ${path}: credential helper name ${JSON.stringify(printable(helper).slice(0, 60))} is not a name`)
    return usable(await runHelper(helper, server, env, options.helperTimeout ?? DEFAULT_HELPER_TIMEOUT_MS), host, path, options.warn)
  }
  return usable(fromAuths(config, server, path), host, path, options.warn)
}

async function readConfig(path: string): Promise<DockerConfig | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined
    throw new AuthError(`cannot read the Docker config ${path}: ${error instanceof Error && 'code' in error ? String(error.code) : 'unreadable'}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new AuthError(`the Docker config ${path} is not valid JSON`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new AuthError(`the Docker config ${path} is not a JSON object`)
  return json as DockerConfig
}

/** The auths entry for a server: its key exactly, or a key that is the same host as a URL (`https://host/v1/`). */
function fromAuths(config: DockerConfig, server: string, path: string): Credentials | undefined {
  const auths = config.auths ?? {}
  const key = Object.keys(auths).find((k) => k === server) ?? Object.keys(auths).find((k) => hostOf(k) === hostOf(server))
  const entry = key === undefined ? undefined : auths[key]
  if (entry === undefined || typeof entry !== 'object' || entry === null) return undefined
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) throw new AuthError(`the Docker config ${path}: the "auth" of ${JSON.stringify(key)} is not base64 of user:password`)
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') return { username: IDENTITY_TOKEN_USER, password: entry.identitytoken }
  return undefined
}

function hostOf(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase()
}

/** Identity tokens are for Docker's OAuth flow, which we do not speak: pull anonymously and say why. */
function usable(credentials: Credentials | undefined, host: string, path: string, warn: DockerConfigOptions['warn']): Credentials | undefined {
  if (credentials?.username !== IDENTITY_TOKEN_USER) return credentials
  warn?.(
    `the Docker config ${path} holds an identity token for ${host}, which localregistry cannot use; pulling anonymously (give --username and --password-stdin instead)`,
  )
  return undefined
}

function runHelper(name: string, server: string, env: NodeJS.ProcessEnv, timeout: number): Promise<Credentials | undefined> {
  const program = `docker-credential-${name}`
  return new Promise((resolve, reject) => {
    const child = execFile(program, ['get'], { env, timeout, maxBuffer: 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) {
        try {
          resolve(parseHelperAnswer(stdout, program, server))
        } catch (parseError) {
          reject(parseError)
        }
        return
      }
      const said = `${stdout}\n${stderr}`
      if (/credentials not found/i.test(said)) resolve(undefined)
      else reject(helperError(error, said, program, server, timeout))
    })
    child.stdin?.on('error', () => {}) // a helper that exits without reading: its exit status tells
    child.stdin?.end(server)
  })
}

function helperError(error: Error, said: string, program: string, server: string, timeout: number): AuthError {
  const code = 'code' in error ? error.code : undefined
  if (code === 'ENOENT') return new AuthError(`the Docker config names the credential helper ${program} for ${server}, and it is not on PATH`)
  if ('killed' in error && error.killed) return new AuthError(`${program} get for ${server} did not answer within ${timeout / 1000} s`)
  // A helper's error output is its message, not a secret; one line of it, made printable.
  const line = printable(said.trim().split('\n')[0] ?? '').slice(0, 200)
  return new AuthError(`${program} get for ${server} failed (exit ${typeof code === 'number' ? code : '?'})${line === '' ? '' : `: ${line}`}`)
}

function parseHelperAnswer(stdout: string, program: string, server: string): Credentials {
  let json: unknown
  try {
    json = JSON.parse(stdout)
  } catch {
    throw new AuthError(`${program} get for ${server} answered with something that is not JSON`)
  }
  if (typeof json !== 'object' || json === null || !('Username' in json) || !('Secret' in json)) {
    throw new AuthError(`${program} get for ${server} answered without Username and Secret`)
  }
  const { Username, Secret } = json
  if (typeof Username !== 'string' || typeof Secret !== 'string') throw new AuthError(`${program} get for ${server} answered without Username and Secret`)
  return { username: Username, password: Secret }
}
