// The layering of src, over the import graph (static imports, re-exports and dynamic import()s,
// as TypeScript's own pre-processor finds them; imports of the package by its own name,
// 'localregistry' and 'localregistry/…', resolved through package.json's export map). The rules
// hold for everything a module reaches, transitively, not only for what it imports itself:
// - src/oci, the content model, reaches nothing of ours but src/errors.ts;
// - src/content, what a registry serves (repositories, tags, refs, blobs), is plain content: it
//   reaches nothing of ours but src/oci and src/errors.ts (no HTTP, no server);
// - src/registry (server and client) never reaches src/cli;
// - in the server, what a blob transfer uses (the blob files, the buffer pool, the connections)
//   and what every route uses (the exchange, Range and conditionals) import no other module of
//   the server, so a request's path never comes back to a module it left; and every wire error
//   is built in one module, rejections.ts;
// - production code never imports test code: tests (*.test.ts) and their support, which lives in
//   one place, test/support/ beside src/ (so the build, rooted at src/, cannot ship it);
// - src/testing (the published 'localregistry/testing' fixtures) is imported by tests, test
//   support and the demo only.

import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const SRC = dirname(fileURLToPath(import.meta.url))
const PACKAGE_JSON = join(SRC, '..', 'package.json')

/** The package's export map as src-relative modules: 'localregistry/testing' → 'testing/index.ts'. */
async function selfImports(): Promise<Map<string, string>> {
  const pkg = JSON.parse(await readFile(PACKAGE_JSON, 'utf8')) as { name: string; exports: Record<string, { default: string }> }
  const modules = new Map<string, string>()
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const built = target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts')
    modules.set(subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`, built)
  }
  return modules
}

/** src-relative path (with "/") → the src-relative paths of the modules it imports. */
type Graph = Map<string, string[]>

async function importGraph(): Promise<Graph> {
  const self = await selfImports()
  const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith('.ts')).map((f) => f.split(sep).join('/'))
  const graph: Graph = new Map()
  for (const file of files) {
    const text = await readFile(join(SRC, file), 'utf8')
    const specifiers = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName)
    const ours: string[] = []
    for (const specifier of specifiers) {
      if (specifier.startsWith('.'))
        ours.push(
          relative(SRC, resolve(SRC, dirname(file), specifier))
            .split(sep)
            .join('/'),
        )
      else if (self.has(specifier) || [...self.keys()].some((name) => specifier.startsWith(`${name}/`))) {
        // The package by its own name; a subpath the export map lacks stays unresolved (and fails below).
        ours.push(self.get(specifier) ?? specifier)
      }
    }
    graph.set(file, ours)
  }
  return graph
}

/** Every module `file` reaches through the graph, with the import chain that reaches it. */
function reachable(graph: Graph, file: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[file, [file]]])
  const queue = [file]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const imported of graph.get(next) ?? []) {
      if (chains.has(imported)) continue
      chains.set(imported, [...(chains.get(next) ?? []), imported])
      queue.push(imported)
    }
  }
  chains.delete(file)
  return chains
}

/** The tests' support code, test/support/ at the top of the repository, as a src-relative path. */
const isTestSupport = (file: string): boolean => file.startsWith('../test/support/')

const isTestCode = (file: string): boolean => file.endsWith('.test.ts') || isTestSupport(file)

/** Every import of a file that `applies` to that breaks `allowed`, as "file -> imported". */
function violations(graph: Graph, applies: (file: string) => boolean, allowed: (imported: string, file: string) => boolean): string[] {
  const found: string[] = []
  for (const [file, imports] of graph) {
    if (!applies(file)) continue
    for (const imported of imports) if (!allowed(imported, file)) found.push(`${file} -> ${imported}`)
  }
  return found
}

/** Every module reached (transitively) from a file that `applies` to that breaks `allowed`, as the import chain. */
function reachViolations(graph: Graph, applies: (file: string) => boolean, allowed: (reached: string) => boolean): string[] {
  const found: string[] = []
  for (const file of graph.keys()) {
    if (!applies(file)) continue
    for (const [reached, chain] of reachable(graph, file)) if (!allowed(reached)) found.push(chain.join(' -> '))
  }
  return found
}

describe('layering', () => {
  let graph: Graph
  before(async () => {
    graph = await importGraph()
  })

  test('the import graph is complete: every import resolves to a file, dynamic imports included', () => {
    const missing = violations(
      graph,
      () => true,
      (imported) => graph.has(imported) || (isTestSupport(imported) && existsSync(join(SRC, imported))),
    )
    assert.deepEqual(missing, [])
    assert.ok(graph.get('cli/main.ts')?.includes('cli/serve.ts'), "main.ts's dynamic import() of serve.ts is seen")
  })

  test("the package's own name resolves through the export map", async () => {
    const self = await selfImports()
    assert.equal(self.get('localregistry'), 'index.ts')
    assert.equal(self.get('localregistry/testing'), 'testing/index.ts')
    for (const module of self.values()) assert.ok(graph.has(module), `${module} exists`)
  })

  test('src/oci reaches nothing of ours but src/errors.ts', () => {
    const found = reachViolations(
      graph,
      (file) => file.startsWith('oci/') && !isTestCode(file),
      (reached) => reached.startsWith('oci/') || reached === 'errors.ts',
    )
    assert.deepEqual(found, [])
  })

  test('src/content reaches nothing of ours but src/oci and src/errors.ts', () => {
    const found = reachViolations(
      graph,
      (file) => file.startsWith('content/') && !isTestCode(file),
      (reached) => reached.startsWith('oci/') || reached === 'errors.ts',
    )
    assert.deepEqual(found, [])
    assert.ok(graph.has('content/registry.ts'), 'the content model is where this test looks for it')
  })

  test('src/registry never reaches src/cli', () => {
    assert.deepEqual(
      reachViolations(
        graph,
        (file) => file.startsWith('registry/'),
        (reached) => !reached.startsWith('cli/'),
      ),
      [],
    )
  })

  test("the server's leaves import no other module of the server, so a request never comes back to one it left", () => {
    const leaves = ['blob-files.ts', 'buffer-pool.ts', 'connections.ts', 'exchange.ts', 'ranges.ts'].map((f) => `registry/server/${f}`)
    for (const leaf of leaves) assert.ok(graph.has(leaf), `${leaf} is where this test looks for it`)
    const found = violations(
      graph,
      (file) => leaves.includes(file),
      (imported) => !imported.startsWith('registry/server/'),
    )
    assert.deepEqual(found, [])
  })

  test('every wire error (HttpError) is built in rejections.ts', async () => {
    const building: string[] = []
    for (const file of graph.keys()) {
      if (isTestCode(file) || file === 'registry/server/rejections.ts') continue
      if ((await readFile(join(SRC, file), 'utf8')).includes('new HttpError(')) building.push(file)
    }
    assert.deepEqual(building, [])
  })

  test('production code never imports test code, nor anything outside src', () => {
    const found = violations(
      graph,
      (file) => !isTestCode(file),
      (imported) => !isTestCode(imported) && graph.has(imported),
    )
    assert.deepEqual(found, [])
  })

  test('src/testing is imported by tests, src/testing itself and the demo only', () => {
    const found = violations(
      graph,
      (file) => !isTestCode(file) && !file.startsWith('testing/') && !file.startsWith('demo/'),
      (imported) => !imported.startsWith('testing/'),
    )
    assert.deepEqual(found, [])
  })
})
