// `npm run bundle`: builds the runtime, runtime/, with esbuild.
//
// runtime/localregistry.mjs is the CLI when run (`node localregistry.mjs serve ...`) and the API
// when imported (`import { startRegistry } from './localregistry.mjs'`), with the package version
// embedded and every npm dependency inlined except the two that `serve` does not run: the pull
// client's undici and the certificate code of `--tls` (node-forge). Those are built into files of
// their own in runtime/vendor/, which the entry require()s the first time code that needs them
// runs; they are most of the runtime's bytes, and a file Node loads is read and compiled whole, so
// a `serve` without `--tls` never reads them. The runtime needs nothing else: no node_modules, no
// package.json. It is committed (Bazel users get it from the rule set's archive) and
// e2e/runtime-bundle.test.ts fails when it differs from a fresh build, so the build must be
// deterministic: no timestamps, no absolute paths, no source maps.
//
//   node scripts/bundle.ts [--out DIR]   (default runtime/)

import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { basename, dirname, join, normalize, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { build, type Plugin } from 'esbuild'

const ROOT = resolve(import.meta.dirname, '..')
/** Where the runtime is committed, relative to the repository root. */
export const RUNTIME_DIR = 'runtime'
/** The runtime's entry, relative to the repository root. */
export const BUNDLE_PATH = `${RUNTIME_DIR}/localregistry.mjs`
/** The dependencies `serve` does not run, and their files, relative to the entry. */
const LAZY_DEPENDENCIES: Readonly<Record<string, string>> = { undici: './vendor/undici.cjs', 'node-forge': './vendor/node-forge.cjs' }
const API = './src/index.ts'
const CLI = './src/cli/main.ts'
const PACKAGE_FILES = join(ROOT, 'src', 'package-files.ts')
const MANIFEST_PROTO = 'spec/manifest.proto'

// The entry is the npm package's `bin` (package.json), which a shell runs by its hashbang: with the
// `node` on PATH (npm puts node_modules/.bin, where `npm ci` installs Node 24, first).
// CommonJS dependencies (undici, node-forge, ...) call require() for Node's built-ins; an ES module has
// no `require`, so the bundle makes one.
const BANNER = `#!/usr/bin/env node
import { createRequire as __localregistryCreateRequire } from 'node:module'
const require = __localregistryCreateRequire(import.meta.url)`

/**
 * The bundle's entry. Run, it is the CLI: src/cli/main.ts shares the bundle's `import.meta`, so its
 * own main-module check starts the command line, and the API stays uninitialised (undici and the
 * rest cost more than Node's own start-up). Imported, the API is initialised before the importer
 * runs (top-level await) and every value src/index.ts exports is exported under its name.
 */
async function entry(): Promise<string> {
  const names = Object.keys(await import(pathToFileURL(join(ROOT, API)).href)).sort()
  return [
    `import ${JSON.stringify(CLI)}`,
    `export let ${names.join(', ')}`,
    `if (import.meta.main !== true) ({ ${names.join(', ')} } = await import(${JSON.stringify(API)}))`,
  ].join('\n')
}

/**
 * Builds the runtime and returns its files' texts by path relative to runtime/, the entry last
 * (deterministic: the same sources give the same bytes).
 */
export async function bundle(): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  for (const [name, file] of Object.entries(LAZY_DEPENDENCIES)) files.set(normalize(file), await bundleDependency(name))
  files.set(basename(BUNDLE_PATH), await bundleEntry())
  return files
}

/** One npm dependency and everything it imports, as one CommonJS file. */
async function bundleDependency(name: string): Promise<string> {
  return onlyOutput(
    await build({
      absWorkingDir: ROOT,
      entryPoints: [name],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      legalComments: 'eof',
      write: false,
      outfile: `${name}.cjs`,
      logLevel: 'silent',
    }),
  )
}

async function bundleEntry(): Promise<string> {
  const result = await build({
    absWorkingDir: ROOT,
    stdin: { contents: await entry(), resolveDir: ROOT, sourcefile: 'runtime-entry.js', loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    banner: { js: BANNER },
    legalComments: 'eof',
    plugins: [embedPackageFiles(), requireWhenRun()],
    write: false,
    outfile: BUNDLE_PATH,
    logLevel: 'silent',
  })
  return onlyOutput(result)
}

function onlyOutput(result: { outputFiles: readonly { text: string }[] }): string {
  const [output] = result.outputFiles
  if (output === undefined || result.outputFiles.length !== 1) throw new Error(`esbuild wrote ${result.outputFiles.length} files, expected 1`)
  return output.text
}

/** Replaces src/package-files.ts (which reads package.json at run time) with a module holding the version. */
function embedPackageFiles(): Plugin {
  return {
    name: 'embed-package-files',
    setup(plugin) {
      plugin.onLoad({ filter: /[\\/]src[\\/]package-files\.ts$/ }, (args) => {
        if (args.path !== PACKAGE_FILES) return undefined
        const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
        // The schema's place relative to the committed bundle: informative only, the text is embedded.
        const protoFromBundle = relative(dirname(join(ROOT, BUNDLE_PATH)), join(ROOT, MANIFEST_PROTO))
        const contents = [
          `import { fileURLToPath } from 'node:url'`,
          `export const MANIFEST_PROTO_PATH = fileURLToPath(new URL(${JSON.stringify(protoFromBundle)}, import.meta.url))`,
          `export function packageVersion() { return ${JSON.stringify(pkg.version)} }`,
        ].join('\n')
        return { contents, loader: 'js', watchFiles: [join(ROOT, 'package.json')] }
      })
    },
  }
}

/**
 * Loads Node's built-in modules and the lazy dependencies with require() instead of `import`.
 * esbuild hoists every `import` it does not inline to the top of the bundle, where it would run at
 * start-up; and an imported built-in gets an ES module facade that reads all its exports at once:
 * `node:http`'s facade alone loads Node's internal undici. As require() calls they run only when
 * (and if) the module that needs them is initialised.
 */
function requireWhenRun(): Plugin {
  const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))
  const lazyFiles = new Set(Object.values(LAZY_DEPENDENCIES))
  return {
    name: 'require-when-run',
    setup(plugin) {
      plugin.onResolve({ filter: /^[a-z_:/-]+$/ }, (args) => {
        if (args.kind !== 'import-statement' || !(builtins.has(args.path) || Object.hasOwn(LAZY_DEPENDENCIES, args.path))) return undefined
        return { path: args.path, namespace: 'required-when-run' }
      })
      plugin.onLoad({ filter: /.*/, namespace: 'required-when-run' }, (args) => {
        const target = LAZY_DEPENDENCIES[args.path] ?? args.path
        return { contents: `module.exports = require(${JSON.stringify(target)})`, loader: 'js' }
      })
      // The lazy files are found beside the entry at run time, not inlined.
      plugin.onResolve({ filter: /^\.\/vendor\// }, (args) => (lazyFiles.has(args.path) ? { path: args.path, external: true } : undefined))
    },
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, RUNTIME_DIR) } } })
  // Each file is written beside and renamed, so an interrupted build never leaves half a file; the
  // entry comes last, so it never runs with vendor files older than itself.
  for (const [name, text] of await bundle()) {
    const path = join(values.out, name)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(`${path}.tmp`, text)
    // The entry is a command (`bin`), so it is executable, in git too.
    chmodSync(`${path}.tmp`, path === join(values.out, basename(BUNDLE_PATH)) ? 0o755 : 0o644)
    renameSync(`${path}.tmp`, path)
    console.log(`wrote ${relative(process.cwd(), path) || path}`)
  }
}
