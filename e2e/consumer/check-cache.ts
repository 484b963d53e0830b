// Remote-execution readiness of a consumer build (e2e/consumer/run.sh): the workspace, copied to a
// second path and built with the first one's --disk_cache, must get a cache hit for every spawn
// (so no action key holds a path of either copy), and no file it built may hold an absolute path
// under the e2e's work directory.
//
//   node check-cache.ts --exec-log FILE --outputs BAZEL_BIN --path DIR [--path DIR...]
//
// FILE is Bazel's --execution_log_json_file: SpawnExec objects, one after the other.

import { lstat, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

interface SpawnExec {
  mnemonic?: string
  progressMessage?: string
  runner?: string
  remoteCacheHit?: boolean
  cacheable?: boolean
  remotable?: boolean
}

const { values } = parseArgs({
  options: {
    'exec-log': { type: 'string' },
    outputs: { type: 'string' },
    path: { type: 'string', multiple: true },
  },
})
const execLog = values['exec-log'] ?? usage('--exec-log is required')
const outputs = values.outputs ?? usage('--outputs is required')
const paths = values.path ?? usage('--path is required')

const spawns = splitObjects(await readFile(execLog, 'utf8')).map((text) => JSON.parse(text) as SpawnExec)
const problems: string[] = []
if (spawns.length === 0) problems.push(`${execLog} lists no spawns: nothing was built, so nothing was shown to be cached`)
const byMnemonic = new Map<string, { hits: number; all: number }>()
for (const spawn of spawns) {
  const mnemonic = spawn.mnemonic ?? '?'
  const count = byMnemonic.get(mnemonic) ?? { hits: 0, all: 0 }
  count.all++
  // Bazel 7 reports a disk cache hit in `runner` ("disk cache hit"), a remote one in remoteCacheHit.
  if (spawn.remoteCacheHit === true || /cache hit$/.test(spawn.runner ?? '')) count.hits++
  else
    problems.push(
      `not a cache hit: ${mnemonic} "${spawn.progressMessage ?? ''}" (runner ${spawn.runner ?? '?'}, cacheable ${spawn.cacheable}, remotable ${spawn.remotable})`,
    )
  byMnemonic.set(mnemonic, count)
}
for (const mnemonic of ['OciLayout', 'TestRunner']) {
  if (!byMnemonic.has(mnemonic)) problems.push(`no ${mnemonic} spawn in ${execLog}`)
}
console.log(`cache hits: ${[...byMnemonic].map(([m, c]) => `${m} ${c.hits}/${c.all}`).join(', ')}`)

let scanned = 0
for await (const file of regularFiles(outputs)) {
  scanned++
  const text = (await readFile(file)).toString('latin1')
  for (const path of paths) if (text.includes(path)) problems.push(`${file} holds the absolute path ${path}`)
}
console.log(`scanned ${scanned} output files for ${paths.join(', ')}`)

if (problems.length > 0) {
  console.error(problems.map((p) => `- ${p}`).join('\n'))
  process.exit(1)
}

/** The top-level JSON objects of concatenated JSON text. */
function splitObjects(text: string): string[] {
  const objects: string[] = []
  let depth = 0
  let start = -1
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{') {
      if (depth++ === 0) start = i
    } else if (c === '}' && --depth === 0) objects.push(text.slice(start, i + 1))
  }
  return objects
}

/**
 * Files Bazel built under BAZEL_BIN. Symlinks (runfiles trees) are skipped, and so are runfiles
 * manifests, which map runfiles to absolute paths on this machine by design.
 */
async function* regularFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (!entry.name.endsWith('.runfiles')) yield* regularFiles(path)
    } else if (entry.isFile() && !entry.name.endsWith('.runfiles_manifest') && !(await lstat(path)).isSymbolicLink()) {
      yield path
    }
  }
}

function usage(message: string): never {
  console.error(`check-cache: ${message} (usage: check-cache.ts --exec-log FILE --outputs BAZEL_BIN --path DIR...)`)
  process.exit(2)
}
