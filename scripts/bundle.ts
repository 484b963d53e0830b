// `npm run bundle`: builds the single-file runtime, runtime/localregistry.mjs, with esbuild.
//
// The file is the CLI when run (`node localregistry.mjs serve ...`) and the API when imported
// (`import { startRegistry } from './localregistry.mjs'`), with every npm dependency inlined and
// the package version embedded, so it runs with nothing beside it: no
// node_modules, no package.json. It is committed (Bazel users get it from the rule set's archive)
// and e2e/runtime-bundle.test.ts fails when it differs from a fresh build, so the build must be
// deterministic: no timestamps, no absolute paths, no source maps.
//
//   node scripts/bundle.ts [--out FILE]   (default runtime/localregistry.mjs)

import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { build, type Plugin } from 'esbuild'

const ROOT = resolve(import.meta.dirname, '..')
/** Where the bundle is committed, relative to the repository root. */
export const BUNDLE_PATH = 'runtime/localregistry.mjs'
const API = './src/index.ts'
const CLI = './src/cli/main.ts'
const PACKAGE_FILES = join(ROOT, 'src', 'package-files.ts')
const MANIFEST_PROTO = 'spec/manifest.proto'

// CommonJS dependencies (undici, node-forge, ...) call require() for Node's built-ins; an ES module has
// no `require`, so the bundle makes one.
const BANNER = `import { createRequire as __localregistryCreateRequire } from 'node:module'
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

/** Builds the bundle and returns its text (deterministic: the same sources give the same bytes). */
export async function bundle(): Promise<string> {
  const result = await build({
    absWorkingDir: ROOT,
    stdin: { contents: await entry(), resolveDir: ROOT, sourcefile: 'runtime-entry.js', loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    banner: { js: BANNER },
    legalComments: 'eof',
    plugins: [embedPackageFiles(), requireBuiltins()],
    write: false,
    outfile: BUNDLE_PATH,
    logLevel: 'silent',
  })
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
 * Loads Node's built-in modules with require() instead of `import`. esbuild hoists every `import`
 * of a built-in to the top of the bundle, and an imported built-in gets an ES module facade that
 * reads all its exports at once: `node:http`'s facade alone loads Node's internal undici. As
 * require() calls they run only when (and if) the module that needs them is initialised.
 */
function requireBuiltins(): Plugin {
  const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))
  return {
    name: 'require-builtins',
    setup(plugin) {
      plugin.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
        if (args.kind !== 'import-statement' || !builtins.has(args.path)) return undefined
        return { path: args.path, namespace: 'builtin' }
      })
      plugin.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)})`, loader: 'js' }))
    },
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, BUNDLE_PATH) } } })
  // Written beside and renamed, so an interrupted build never leaves half a bundle.
  writeFileSync(`${values.out}.tmp`, await bundle())
  renameSync(`${values.out}.tmp`, values.out)
  console.log(`wrote ${relative(process.cwd(), values.out) || values.out}`)
}
