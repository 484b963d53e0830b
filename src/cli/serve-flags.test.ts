// serve's options are described in three places besides the parser: SERVE_HELP (--help), the
// README's `serve` table, and, for those the API takes too, ListenOptions' JSDoc. This ties them:
// each lists exactly the options the parser takes (ListenOptions: each property maps to an
// option), and the defaults each states are the ones the code applies.

import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import ts from 'typescript'
import { DEFAULT_MAX_CONNECTIONS } from '../registry/server/connections.ts'
import { DEFAULT_BLOB_MEMORY } from '../registry/server/handler.ts'
import { DEFAULT_SEND_TIMEOUT_MS } from '../registry/server/server.ts'
import { DEFAULT_LISTEN, SERVE_HELP } from './help.ts'
import { SERVE_ARGS } from './serve.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const SERVER_TS = join(ROOT, 'src', 'registry', 'server', 'server.ts')

/** Each ListenOptions property, and the serve option that sets it. */
const LISTEN_OPTION_FLAGS: Readonly<Record<string, string>> = {
  host: '--listen',
  port: '--listen',
  log: '--log-requests',
  maxConnections: '--max-connections',
  sendTimeoutMs: '--send-timeout',
  blobMemory: '--blob-memory',
  tls: '--tls-cert',
}

/** Option → its description: the text that follows each option in a list, `--a X --b Y` naming both. */
type Described = Map<string, string>

function add(described: Described, names: string, text: string): void {
  for (const flag of names.match(/--[a-z-]+/g) ?? []) described.set(flag, text.replace(/\s+/g, ' ').trim())
}

/** SERVE_HELP's option lists: a line `  --flag ARGS    text` (or `  -h, --help`), continued by lines indented past the flags. */
function helpOptions(): Described {
  const described: Described = new Map()
  let current: { names: string; text: string } | undefined
  const flush = (): void => {
    if (current !== undefined) add(described, current.names, current.text)
    current = undefined
  }
  for (const line of SERVE_HELP.split('\n')) {
    const option = /^ {2}(-[^ ].*?)(?: {2,}(.*))?$/.exec(line)
    if (option !== null) {
      flush()
      current = { names: option[1] ?? '', text: option[2] ?? '' }
    } else if (current !== undefined && /^ {20,}\S/.test(line)) current.text += ` ${line}`
    else flush()
  }
  flush()
  return described
}

/** The README's table of `serve` options: a row `| \`--flag ARGS\` | text |`. */
async function readmeOptions(): Promise<Described> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('### `serve`'), readme.indexOf('Once it serves'))
  const described: Described = new Map()
  for (const [, names = '', text = ''] of section.matchAll(/^\| `(--[^`]+)` \| (.*) \|$/gm)) add(described, names, text)
  return described
}

/** ListenOptions' properties and their JSDoc, from server.ts's source. */
async function listenOptionDocs(): Promise<Map<string, string>> {
  const source = ts.createSourceFile(SERVER_TS, await readFile(SERVER_TS, 'utf8'), ts.ScriptTarget.Latest, true)
  const docs = new Map<string, string>()
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== 'ListenOptions') return
    for (const member of node.members) {
      const jsDoc = ts
        .getJSDocCommentsAndTags(member)
        .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
        .join(' ')
      if (member.name !== undefined) docs.set(member.name.getText(source), jsDoc.replace(/\s+/g, ' '))
    }
  })
  assert.ok(docs.size > 0, 'ListenOptions is found in server.ts')
  return docs
}

const UNITS: Readonly<Record<string, number>> = { '': 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }

/** The number a text states as its default ("default 2,000", "(default `64MiB`", "64 MiB, the default"), in `unit`s. */
function statedDefault(text: string | undefined, where: string): number {
  const match = /default:? `?(\d[\d,]*) ?(KiB|MiB|GiB)?\b/.exec(text ?? '')
  assert.ok(match !== null, `${where} states a default: ${text}`)
  return Number((match[1] ?? '').replaceAll(',', '')) * (UNITS[match[2] ?? ''] ?? 1)
}

describe('serve options: parser, --help, README and ListenOptions agree', () => {
  const parsed = Object.entries(SERVE_ARGS).map(([name]) => `--${name}`)

  test('--help lists exactly the options the parser takes', () => {
    assert.deepEqual([...helpOptions().keys()].sort(), parsed.sort())
  })

  test("the README's table lists exactly the options the parser takes, --help aside", async () => {
    assert.deepEqual([...(await readmeOptions()).keys()].sort(), parsed.filter((flag) => flag !== '--help').sort())
  })

  test('each ListenOptions property is set by a serve option', async () => {
    for (const property of (await listenOptionDocs()).keys()) {
      const flag = LISTEN_OPTION_FLAGS[property]
      assert.ok(flag !== undefined, `ListenOptions.${property}: which serve option sets it? Add it to LISTEN_OPTION_FLAGS (and serve, --help, the README)`)
      assert.ok(parsed.includes(flag), `${flag} (for ListenOptions.${property}) is an option of serve`)
    }
  })

  test('the defaults each place states are the ones the code applies', async () => {
    const help = helpOptions()
    const readme = await readmeOptions()
    const jsDoc = await listenOptionDocs()
    assert.equal(SERVE_ARGS.listen.default, DEFAULT_LISTEN)
    assert.ok(help.get('--listen')?.includes(`(default ${DEFAULT_LISTEN})`), help.get('--listen'))
    assert.ok(readme.get('--listen')?.includes(`Default \`${DEFAULT_LISTEN}\``), readme.get('--listen'))

    const limits = [
      { flag: '--max-connections', property: 'maxConnections', value: DEFAULT_MAX_CONNECTIONS, perFlagUnit: 1 },
      { flag: '--send-timeout', property: 'sendTimeoutMs', value: DEFAULT_SEND_TIMEOUT_MS, perFlagUnit: 1000 },
      { flag: '--blob-memory', property: 'blobMemory', value: DEFAULT_BLOB_MEMORY, perFlagUnit: 1 },
    ]
    for (const { flag, property, value, perFlagUnit } of limits) {
      assert.equal(statedDefault(help.get(flag), `--help's ${flag}`) * perFlagUnit, value, `--help's ${flag}`)
      assert.equal(statedDefault(readme.get(flag), `the README's ${flag}`) * perFlagUnit, value, `the README's ${flag}`)
      assert.equal(statedDefault(jsDoc.get(property), `ListenOptions.${property}`), value, `ListenOptions.${property}`)
    }
  })
})
