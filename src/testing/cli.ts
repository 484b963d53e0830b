#!/usr/bin/env node
// Makes fixture layouts from the command line (used by the Bazel e2e and the benchmarks):
//   node src/testing/cli.ts make-layout --kind index --out DIR [--name N] [--layer-size BYTES] [--layer-count N] [--ref-name R]

import { parseArgs } from 'node:util'
import { FIXTURE_KINDS, type FixtureKind, buildFixtureLayout } from './fixtures.ts'

const USAGE = `usage: node src/testing/cli.ts make-layout --kind KIND --out DIR [options]

Writes a deterministic OCI image layout (same options, same digests) and prints
{"digest": ..., "mediaType": ...} of its index.json entry.

  --kind KIND         one of: ${FIXTURE_KINDS.join(', ')}
  --out DIR           the layout directory to create (must not exist)
  --name NAME         seeds the content; different names share no blobs (default "fixture")
  --layer-size BYTES  bytes of the file in each layer
  --layer-count N     layers per image
  --ref-name NAME     org.opencontainers.image.ref.name of the entry (default "latest")`

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got ${JSON.stringify(value)}`)
  return n
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      kind: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      'layer-size': { type: 'string' },
      'layer-count': { type: 'string' },
      'ref-name': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  if (positionals[0] !== 'make-layout' || values.out === undefined || values.kind === undefined) throw new Error(USAGE)
  if (!FIXTURE_KINDS.includes(values.kind as FixtureKind))
    throw new Error(`unknown --kind ${JSON.stringify(values.kind)}: use one of ${FIXTURE_KINDS.join(', ')}`)
  const result = await buildFixtureLayout(values.out, {
    kind: values.kind as FixtureKind,
    ...(values.name !== undefined && { name: values.name }),
    ...(values['ref-name'] !== undefined && { refName: values['ref-name'] }),
    layerSize: integer(values['layer-size'], '--layer-size'),
    layerCount: integer(values['layer-count'], '--layer-count'),
  })
  console.log(JSON.stringify({ digest: result.digest, mediaType: result.mediaType }))
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`make-layout: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 2
})
