/**
 * Config files and environment for the containers/image tools (skopeo, podman)
 * so that nothing is read from the machine: not /etc/containers, not ~/.config,
 * not an auth file, not a proxy. Everything lives in a temp dir.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import type { TempDir } from '../../test/support/temp-dir.ts'

export interface ContainersConfig {
  /** Trust policy accepting anything (`--policy` / `--signature-policy`). */
  readonly policyPath: string
  /** registries.conf with no search registries and no mirrors. */
  readonly registriesConfPath: string
  /** Directory for `--registries.d` (empty: no signature lookaside). */
  readonly registriesDir: string
  /** Environment: HOME, XDG_*, TMPDIR and CONTAINERS_* pointing into the temp dir. */
  readonly env: NodeJS.ProcessEnv
}

const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy']

/** Writes the files into `dir` and returns their paths and the environment that uses them. */
export async function writeContainersConfig(dir: TempDir): Promise<ContainersConfig> {
  const home = dir.join('home')
  const runtimeDir = dir.join('run')
  const registriesDir = dir.join('registries.d')
  const tmp = dir.join('tmp')
  for (const path of [home, runtimeDir, registriesDir, tmp]) await mkdir(path, { recursive: true, mode: 0o700 })
  const policyPath = dir.join('policy.json')
  await writeFile(policyPath, `${JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] })}\n`)
  const registriesConfPath = dir.join('registries.conf')
  await writeFile(registriesConfPath, 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n')
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of PROXY_VARIABLES) delete env[name]
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
    XDG_DATA_HOME: `${home}/.local/share`,
    XDG_CACHE_HOME: `${home}/.cache`,
    XDG_RUNTIME_DIR: runtimeDir,
    TMPDIR: tmp,
    CONTAINERS_REGISTRIES_CONF: registriesConfPath,
    REGISTRY_AUTH_FILE: dir.join('auth.json'),
  })
  await writeFile(dir.join('auth.json'), '{"auths":{}}\n')
  return { policyPath, registriesConfPath, registriesDir, env }
}
