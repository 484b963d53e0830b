// The TypeScript and JavaScript examples in README.md and docs/*.md are checked: each ```ts and
// ```js block is typechecked as a module of its own, with the project's compiler options, and
// with the package's own name resolved as a user's import is: 'localregistry' and the subpaths of
// package.json's export map, to their sources (nothing else of the package is importable, so an
// example that imports what the package does not export fails here).

import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { describe, test } from 'node:test'
import ts from 'typescript'

const ROOT = join(import.meta.dirname, '..')

export interface Snippet {
  /** Where it is, for messages: `docs/oci.md:12` (the line of its first code line). */
  where: string
  language: 'ts' | 'js'
  code: string
}

/** Every ```ts and ```js block of a markdown text. */
export function snippetsOf(file: string, markdown: string): Snippet[] {
  const snippets: Snippet[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const language = /^```(ts|js)\s*$/.exec(lines[i] ?? '')?.[1]
    if (language !== 'ts' && language !== 'js') continue
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'))
    if (end === -1) throw new Error(`${file}:${i + 1}: a \`\`\`${language} block that never ends`)
    snippets.push({ where: `${file}:${i + 2}`, language, code: lines.slice(i + 1, end).join('\n') })
    i = end
  }
  return snippets
}

/** The package's import names → source files, from package.json's export map (as tsconfig `paths`). */
async function packagePaths(): Promise<Record<string, string[]>> {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, { default: string }> }
  const paths: Record<string, string[]> = {}
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const source = join(ROOT, target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'))
    paths[subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`] = [source]
  }
  return paths
}

/**
 * Typechecks the snippets, each as a module beside the markdown it comes from; returns the errors,
 * each with its place. An example may leave a value unused (it shows where the value is); a
 * JavaScript example is checked as plain JavaScript is, without strict null checks.
 */
export async function typecheck(snippets: readonly Snippet[]): Promise<string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
  assert.ok(config !== undefined, 'tsconfig.json parses')
  const options: ts.CompilerOptions = { ...config.options, paths: await packagePaths(), noEmit: true, noUnusedLocals: false, noUnusedParameters: false }
  const errors: string[] = []
  errors.push(
    ...check(
      snippets.filter((s) => s.language === 'ts'),
      options,
      'ts',
    ),
  )
  errors.push(
    ...check(
      snippets.filter((s) => s.language === 'js'),
      { ...options, allowJs: true, checkJs: true, strict: false },
      'mjs',
    ),
  )
  return errors
}

function check(snippets: readonly Snippet[], options: ts.CompilerOptions, extension: string): string[] {
  const files = new Map<string, Snippet>()
  for (const [i, snippet] of snippets.entries()) {
    const [file = '', line = ''] = snippet.where.split(':')
    files.set(join(ROOT, `${file}.example-${line}-${i}.${extension}`), snippet)
  }
  if (files.size === 0) return []
  const host = ts.createCompilerHost(options)
  const { fileExists, readFile: read, getSourceFile } = host
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name)
  host.readFile = (name) => files.get(name)?.code ?? read.call(host, name)
  host.getSourceFile = (name, language, ...rest) => {
    const snippet = files.get(name)
    return snippet !== undefined ? ts.createSourceFile(name, snippet.code, language, true) : getSourceFile.call(host, name, language, ...rest)
  }
  const program = ts.createProgram([...files.keys()], options, host)
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
    const snippet = diagnostic.file === undefined ? undefined : files.get(diagnostic.file.fileName)
    if (diagnostic.file === undefined || snippet === undefined) return `${diagnostic.file ? relative(ROOT, diagnostic.file.fileName) : 'program'}: ${message}`
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
    const [file = '', first = '0'] = snippet.where.split(':')
    return `${file}:${Number(first) + line}: ${message}`
  })
}

async function documentation(): Promise<Snippet[]> {
  const files = ['README.md', ...(await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
  const snippets: Snippet[] = []
  for (const file of files.sort()) snippets.push(...snippetsOf(file, await readFile(join(ROOT, file), 'utf8')))
  return snippets
}

describe('documentation examples', () => {
  test('every ```ts and ```js example of README.md and docs/ typechecks against what the package exports', async () => {
    const snippets = await documentation()
    assert.ok(snippets.some((s) => s.where.startsWith('docs/oci.md')) && snippets.some((s) => s.where.startsWith('README.md')), 'the examples are found')
    assert.deepEqual(await typecheck(snippets), [])
  })

  test('an example that imports what the package does not export fails, naming its place', async () => {
    const wrong = { where: 'docs/x.md:3', language: 'ts' as const, code: "import { readLayout } from 'localregistry/oci'\nawait readLayout('dir')\n" }
    const errors = await typecheck([wrong])
    assert.equal(errors.length, 1, errors.join('\n'))
    assert.match(errors[0] ?? '', /^docs\/x\.md:3: Cannot find module 'localregistry\/oci'/)
  })

  test('an example that misuses an export fails, at its line', async () => {
    const wrong = {
      where: 'docs/x.md:7',
      language: 'ts' as const,
      code: "import { startRegistry } from 'localregistry'\n\nawait startRegistry({ listen: 5000 })\n",
    }
    assert.match((await typecheck([wrong])).join('\n'), /^docs\/x\.md:9: .*number.*string/)
  })
})
