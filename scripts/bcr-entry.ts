// The Bazel Central Registry entry of a release archive, rendered from .bcr/ as the registry's
// publish flow (publish-to-bcr) does: {OWNER}, {REPO}, {VERSION} and {TAG} substituted, the
// archive's integrity filled in, the module's MODULE.bazel as the archive holds it, and the version
// added to metadata.json. e2e/bcr.test.ts checks the result; e2e/consumer/run.sh runs the
// presubmit's test module from it.
//
//   node scripts/bcr-entry.ts --archive FILE --out REGISTRY_DIR [--url URL] [--github OWNER/REPO]
//
// --url replaces the release URL of source.template.json (a file:// URL to test an archive here).
// Prints the entry's directory, modules/rules_localregistry/VERSION.

import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const ROOT = resolve(import.meta.dirname, '..')
export const MODULE_NAME = 'rules_localregistry'
/** Where the repository would be published; the templates take it as {OWNER}/{REPO}. */
export const DEFAULT_GITHUB = 'OWNER/REPO'

export interface BcrEntryOptions {
  /** The release archive (scripts/release.sh). */
  archive: string
  /** OWNER/REPO of the repository that publishes it. */
  github?: string
  /** Replaces the URL the source template names. */
  url?: string
}

/** `sha256-BASE64`: Bazel's integrity of a file (Subresource Integrity). */
export function integrityOf(file: string): string {
  return `sha256-${createHash('sha256').update(readFileSync(file)).digest('base64')}`
}

/** The version every part of a release carries: package.json's. */
export function releaseVersion(): string {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  return version
}

function substitute(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replaceAll(/\{(OWNER|REPO|VERSION|TAG)\}/g, (_, name: string) => vars[name] ?? '')
}

function template(name: string): string {
  return readFileSync(join(ROOT, '.bcr', name), 'utf8')
}

/** The entry's files, by path relative to the registry's root. */
export function renderBcrEntry(options: BcrEntryOptions): Map<string, string> {
  const version = releaseVersion()
  const [owner = '', repo = ''] = (options.github ?? DEFAULT_GITHUB).split('/')
  const vars = { OWNER: owner, REPO: repo, VERSION: version, TAG: `v${version}` }

  const source = JSON.parse(substitute(template('source.template.json'), vars)) as Record<string, string>
  source.integrity = integrityOf(options.archive)
  if (options.url !== undefined) source.url = options.url
  const stripPrefix = source.strip_prefix ?? ''
  const moduleFile = execFileSync('tar', ['-xzOf', options.archive, stripPrefix ? `${stripPrefix}/MODULE.bazel` : 'MODULE.bazel'], { encoding: 'utf8' })

  const metadata = JSON.parse(substitute(template('metadata.template.json'), vars)) as { versions: string[] }
  metadata.versions = [...metadata.versions, version]

  const dir = `modules/${MODULE_NAME}`
  return new Map([
    [`${dir}/metadata.json`, `${JSON.stringify(metadata, null, 2)}\n`],
    [`${dir}/${version}/MODULE.bazel`, moduleFile],
    [`${dir}/${version}/source.json`, `${JSON.stringify(source, null, 2)}\n`],
    [`${dir}/${version}/presubmit.yml`, template('presubmit.yml')],
  ])
}

/** Writes the entry under `registry` and returns its version directory. */
export function writeBcrEntry(registry: string, options: BcrEntryOptions): string {
  for (const [path, text] of renderBcrEntry(options)) {
    mkdirSync(dirname(join(registry, path)), { recursive: true })
    writeFileSync(join(registry, path), text)
  }
  return join(registry, 'modules', MODULE_NAME, releaseVersion())
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { archive: { type: 'string' }, out: { type: 'string' }, url: { type: 'string' }, github: { type: 'string' } },
  })
  if (values.archive === undefined || values.out === undefined) {
    console.error('usage: node scripts/bcr-entry.ts --archive FILE --out REGISTRY_DIR [--url URL] [--github OWNER/REPO]')
    process.exit(2)
  }
  console.log(writeBcrEntry(values.out, { archive: values.archive, url: values.url, github: values.github }))
}
