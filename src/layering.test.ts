// The layering of src, over the import graph (static imports, re-exports and dynamic import()s,
// as TypeScript's own pre-processor finds them):
// - src/oci, the content model, imports nothing of ours but src/errors.ts;
// - src/registry (server and client) never imports src/cli;
// - production code never imports test code (src/testing, other testing/ folders, test-support
//   files, tests), except the demo, which serves src/testing's fixture images by design.

import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const SRC = dirname(fileURLToPath(import.meta.url))

/** src-relative path (with "/") → the src-relative paths of the modules it imports. */
type Graph = Map<string, string[]>

async function importGraph(): Promise<Graph> {
  const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith('.ts')).map((f) => f.split(sep).join('/'))
  const graph: Graph = new Map()
  for (const file of files) {
    const text = await readFile(join(SRC, file), 'utf8')
    const specifiers = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName)
    const ours = specifiers
      .filter((s) => s.startsWith('.'))
      .map((s) =>
        relative(SRC, resolve(SRC, dirname(file), s))
          .split(sep)
          .join('/'),
      )
    graph.set(file, ours)
  }
  return graph
}

const isTestCode = (file: string): boolean =>
  file.endsWith('.test.ts') || file.startsWith('testing/') || file.includes('/testing/') || file.endsWith('/test-support.ts')

/** Every import of a file that `applies` to that breaks `allowed`, as "file -> imported". */
function violations(graph: Graph, applies: (file: string) => boolean, allowed: (imported: string, file: string) => boolean): string[] {
  const found: string[] = []
  for (const [file, imports] of graph) {
    if (!applies(file)) continue
    for (const imported of imports) if (!allowed(imported, file)) found.push(`${file} -> ${imported}`)
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
      (imported) => graph.has(imported) || imported === '../package.json',
    )
    assert.deepEqual(missing, [])
    assert.ok(graph.get('cli/main.ts')?.includes('cli/serve.ts'), "main.ts's dynamic import() of serve.ts is seen")
  })

  test('src/oci imports nothing of ours but src/errors.ts', () => {
    const found = violations(
      graph,
      (file) => file.startsWith('oci/') && !isTestCode(file),
      (imported) => imported.startsWith('oci/') || imported === 'errors.ts',
    )
    assert.deepEqual(found, [])
  })

  test('src/registry never imports src/cli', () => {
    assert.deepEqual(
      violations(
        graph,
        (file) => file.startsWith('registry/'),
        (imported) => !imported.startsWith('cli/'),
      ),
      [],
    )
  })

  test('production code never imports test code (the demo may use src/testing)', () => {
    const found = violations(
      graph,
      (file) => !isTestCode(file),
      (imported, file) => !isTestCode(imported) || (file.startsWith('demo/') && imported.startsWith('testing/')),
    )
    assert.deepEqual(found, [])
  })
})
