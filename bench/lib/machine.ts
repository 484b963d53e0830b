// What the benchmark ran on: the numbers only mean something next to this.

import { readFile } from 'node:fs/promises'
import { availableParallelism, loadavg, release, totalmem } from 'node:os'
import { run } from '../../e2e/tools/exec.ts'
import { findTool } from '../../e2e/tools/require-tool.ts'
import { findSidPackage } from '../../e2e/tools/sid-debs.ts'

export interface Machine {
  nproc: number
  cpuModel: string
  memoryGiB: number
  kernel: string
  node: string
  tools: Record<string, string>
  /** 1-minute load average when the run started and when it ended: other work on a shared machine. */
  load: { start: number; end?: number }
}

export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '')
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown'
  return {
    nproc: availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    tools: await toolVersions(),
    load: { start: loadavg()[0] ?? 0 },
  }
}

const VERSION_ARGS: Record<string, string[]> = {
  nginx: ['-v'],
  'docker-registry': ['--version'],
  skopeo: ['--version'],
  containerd: ['--version'],
  curl: ['--version'],
  ab: ['-V'],
}

async function toolVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = {}
  for (const [tool, args] of Object.entries(VERSION_ARGS)) {
    const path = findTool(tool)
    if (path === undefined) continue
    const result = await run(path, args, { timeoutMs: 10_000 }).catch(() => undefined)
    const text = `${result?.stdout ?? ''}${result?.stderr ?? ''}`
    versions[tool] = /\d+(?:\.\d+)+(?:[+~-][\w.]+)?/.exec(text)?.[0] ?? 'unknown'
  }
  // The workflow's second node release, unpacked rather than installed.
  const sidContainerd = findSidPackage('containerd')
  if (sidContainerd !== undefined) versions["sid's containerd"] = sidContainerd.version
  return versions
}

export function describeMachineLine(m: Machine): string {
  return `${m.nproc} × ${m.cpuModel}, ${m.memoryGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}`
}

/** Records the load average at the end of the run. */
export function finishMachine(m: Machine): void {
  m.load.end = loadavg()[0] ?? 0
}

export function describeLoad(m: Machine): string {
  const end = m.load.end === undefined ? '' : `, ${m.load.end.toFixed(1)} at the end`
  return `load average ${m.load.start.toFixed(1)} at the start${end}`
}

export function describeTools(m: Machine): string {
  return Object.entries(m.tools)
    .map(([tool, version]) => `${tool} ${version}`)
    .join(', ')
}
