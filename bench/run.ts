#!/usr/bin/env node
// Benchmarks our server and client side by side with nginx (the limit for static
// files) and the reference registry. See BENCHMARKS.md.
//
//   node bench/run.ts [--smoke] [--runs N] [--out DIR] [--only SECTION]... [--publish]

import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { run } from '../e2e/tools/exec.ts'
import { toolPath } from '../e2e/tools/require-tool.ts'
import { makeTempDir } from '../test/support/temp-dir.ts'
import type { Contender, ContenderName } from './contenders/contender.ts'
import { startDistributionContender } from './contenders/distribution.ts'
import { startNginx } from './contenders/nginx.ts'
import { DEFAULT_CLI, startOurs } from './contenders/ours.ts'
import { settingsFor, type Context, type Settings } from './lib/context.ts'
import { buildImage } from './lib/fixtures.ts'
import { describeMachine, describeMachineLine, finishMachine, type Machine } from './lib/machine.ts'
import { Recorder, summarize, type Sample } from './lib/results.ts'
import { prepareRuntimes, type RuntimeName } from './lib/runtimes.ts'
import { LAUNCHER_TEMPLATE } from './lib/wrapper.ts'
import { blobSection } from './measure/blob.ts'
import { memorySection } from './measure/memory.ts'
import { pullSection } from './measure/pull.ts'
import { requestsSection } from './measure/requests.ts'
import { scaleSection } from './measure/scale.ts'
import { startupSection } from './measure/startup.ts'
import { workflowSection } from './measure/workflow.ts'
import { expectedMetrics, SECTIONS, type Section } from './report/metrics.ts'
import { CHART_PATH, publish, publishWorkflow, SCALE_CHART_PATH, WORKFLOW_CHART_PATH } from './report/publish.ts'
import { scaleChart } from './report/scale-svg.ts'
import { ratioChart } from './report/svg.ts'
import { markdownReport } from './report/table.ts'
import { evaluateTargets } from './report/targets.ts'
import { hasWorkflow, workflowChart, workflowReport } from './report/workflow.ts'

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))
const TOOLS = ['curl', 'ab', 'nginx', 'docker-registry', 'skopeo', 'containerd', 'ctr', 'runc', 'cat', 'sync']

const USAGE = `usage: node bench/run.ts [options]

  --smoke          tiny sizes, 1 run, a few seconds: checks every measurement gives a number
  --runs N         repetitions of each measurement (default 5; smoke 1)
  --out DIR        where results.json, report.md and chart.svg go (default results/bench or results/smoke)
  --only SECTION   run only this section (repeatable): ${SECTIONS.join(', ')}
  --cli PATH       our CLI entry point (default src/cli/main.ts)
  --publish        also write BENCHMARKS.md's tables, ${CHART_PATH} and (section workflow, a block of its own) ${WORKFLOW_CHART_PATH}
  --keep           keep the temp dir (layouts, server logs)
  --cpu-prof DIR   run our server and client with node --cpu-prof, profiles written to DIR
  --from FILE      measure nothing: render a saved results.json again (with --publish: publish it)`

const SECTION_RUNNERS: Record<Section, (ctx: Context) => Promise<void>> = {
  blob: blobSection,
  requests: requestsSection,
  memory: memorySection,
  startup: startupSection,
  scale: scaleSection,
  pull: pullSection,
  workflow: workflowSection,
}

interface Options {
  settings: Settings
  out: string
  sections: Section[]
  publish: boolean
  keep: boolean
  /** --from: render (and publish) a saved results.json instead of measuring. */
  from: string | undefined
  outGiven: boolean
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean', default: false },
      runs: { type: 'string' },
      out: { type: 'string' },
      only: { type: 'string', multiple: true },
      cli: { type: 'string' },
      publish: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      from: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return undefined
  }
  const runs = values.runs === undefined ? undefined : Number(values.runs)
  if (runs !== undefined && !(Number.isSafeInteger(runs) && runs >= 1 && runs <= 100))
    throw new Error(`--runs must be an integer from 1 to 100, got ${values.runs}`)
  const only = (values.only ?? []).flatMap((s) => s.split(','))
  for (const s of only) if (!SECTIONS.includes(s as Section)) throw new Error(`unknown section ${JSON.stringify(s)}: use ${SECTIONS.join(', ')}`)
  const profileDir = values['cpu-prof']
  const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`]
  const settings = settingsFor(values.smoke, runs, resolve(values.cli ?? DEFAULT_CLI), nodeArgs)
  return {
    settings,
    out: resolve(values.out ?? join(REPO_ROOT, 'results', values.smoke ? 'smoke' : 'bench')),
    sections: only.length > 0 ? SECTIONS.filter((s) => only.includes(s)) : [...SECTIONS],
    publish: values.publish,
    keep: values.keep,
    from: values.from === undefined ? undefined : resolve(values.from),
    outGiven: values.out !== undefined,
  }
}

function log(line: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`)
}

/**
 * Installs missing apt tools and unpacks sid's containerd (the workflow's second node release)
 * when the project's scripts exist (both cached); then every tool must be there.
 */
async function setUpTools(): Promise<void> {
  for (const name of ['setup-tools.sh', 'setup-sid-debs.sh']) {
    const script = join(REPO_ROOT, 'scripts', name)
    if (!existsSync(script)) continue
    await run('bash', [script], { timeoutMs: 15 * 60_000 }).catch((error: unknown) =>
      log(`${name} failed, going on with what is installed: ${(error as Error).message.split('\n')[0]}`),
    )
  }
  const missing = TOOLS.filter((tool) => {
    try {
      toolPath(tool)
      return false
    } catch {
      return true
    }
  })
  if (missing.length > 0) throw new Error(`missing tools: ${missing.join(', ')} (run scripts/setup-tools.sh as root)`)
}

async function gitCommit(): Promise<string> {
  const result = await run('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { timeoutMs: 10_000 }).catch(() => undefined)
  const dirty = await run('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--untracked-files=no'], { timeoutMs: 10_000 }).catch(() => undefined)
  return `${result?.stdout.trim() ?? 'unknown'}${dirty && dirty.stdout.trim() !== '' ? '+dirty' : ''}`
}

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv)
  if (!options) return 0
  if (options.from !== undefined) {
    const saved = JSON.parse(await readFile(options.from, 'utf8')) as SavedRun
    await writeResults({ ...options, out: options.outGiven ? options.out : dirname(options.from) }, saved)
    return 0
  }
  const { settings, sections } = options
  const started = performance.now()
  // Taken before measuring: the tree may move on while a long run goes.
  const commit = await gitCommit()
  await setUpTools()
  const machine = await describeMachine()
  log(`machine: ${describeMachineLine(machine)}`)
  const workDir = await makeTempDir('bench-')
  const servers = new Map<ContenderName, Promise<Contender>>()
  log('compiling dist/ for the start-up runs')
  const runtimes = await prepareRuntimes(REPO_ROOT)
  log(`runtimes: ${runtimes.all.map((r) => `${r.name} (${r.entry})`).join(', ')}`)
  const stopAll = async (): Promise<void> => {
    const started = await Promise.allSettled(servers.values())
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)))
    await runtimes[Symbol.asyncDispose]()
    if (!options.keep) await workDir.remove()
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping the servers`)
    void stopAll().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const recorder = new Recorder(log)
  const errors: string[] = []
  try {
    log(`building the large layout (${settings.largeLayerSize} byte layer) in ${workDir.path}`)
    const large = await buildImage(workDir.join('large'), 'bench', { kind: 'large', name: 'bench', layerSize: settings.largeLayerSize })
    const startContender = (name: ContenderName): Promise<Contender> => {
      log(`starting ${name}`)
      if (name === 'ours') return startOurs({ images: [large], cli: settings.cli, nodeArgs: settings.nodeArgs })
      if (name === 'nginx') return mkdir(workDir.join('nginx'), { recursive: true }).then(() => startNginx({ images: [large], prefix: workDir.join('nginx') }))
      return startDistributionContender([large], settings.transferTimeoutMs)
    }
    const ctx: Context = {
      settings,
      runtimes,
      recorder,
      log,
      workDir: workDir.path,
      large,
      contender: (name) => {
        let server = servers.get(name)
        if (!server) {
          server = startContender(name)
          servers.set(name, server)
        }
        return server
      },
    }
    for (const section of sections) {
      log(`section ${section}`)
      try {
        await SECTION_RUNNERS[section](ctx)
      } catch (error) {
        const message = `${section}: ${(error as Error).message}`
        log(`FAILED ${message}`)
        errors.push(message)
      }
    }
  } finally {
    await stopAll()
  }
  finishMachine(machine)
  const runtimeNames = runtimes.all.map((r) => r.name)
  errors.push(...checkComplete(recorder.samples, settings, sections, runtimeNames))
  await writeResults(options, { date: new Date().toISOString(), commit, settings, runtimes: runtimeNames, machine, samples: recorder.samples, errors })
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`)
  return errors.length > 0 ? 1 : 0
}

/** Every (metric, subject) the sections promise must have a number. */
function checkComplete(samples: readonly Sample[], settings: Settings, sections: readonly Section[], runtimes: readonly RuntimeName[]): string[] {
  return expectedMetrics(settings, sections, runtimes, existsSync(join(REPO_ROOT, LAUNCHER_TEMPLATE)))
    .filter(({ metric, subject }) => !samples.some((s) => s.metric === metric && s.subject === subject && Number.isFinite(s.value)))
    .map(({ metric, subject }) => `no number for ${metric} of ${subject}`)
}

/** What results.json keeps of a run: enough to render the report again (--from). */
interface SavedRun {
  date: string
  commit: string
  settings: Settings
  /** The runtimes measured, the one a Bazel test uses first. */
  runtimes: RuntimeName[]
  machine: Machine
  samples: Sample[]
  errors: string[]
}

async function writeResults(options: Options, saved: SavedRun): Promise<void> {
  const { date, commit, settings, machine, samples, errors } = saved
  const runtimes = saved.runtimes ?? ['dist', 'sources'] // runs saved before runtimes were recorded
  const summaries = summarize(samples)
  const targets = evaluateTargets(summaries, settings, runtimes)
  const title = `localregistry vs nginx and distribution${settings.smoke ? ' (smoke run)' : ''}, ${date.slice(0, 10)}`
  const svg = ratioChart(summaries, title)
  const scaleSvg = scaleChart(summaries, `localregistry scaling${settings.smoke ? ' (smoke run)' : ''}, ${date.slice(0, 10)}`)
  const report = {
    date,
    commit,
    runs: settings.runs,
    smoke: settings.smoke,
    largeLayerSize: settings.largeLayerSize,
    runtimes,
    summaries,
    targets,
    errors,
    machine,
  }
  // The workflow section has a block of its own: the main report stands for the other sections.
  const main = summaries.some((s) => !s.metric.startsWith('workflow.'))
  const workflow = hasWorkflow(summaries)
    ? {
        ...report,
        chartSvg: workflowChart(summaries, `localregistry vs the tarball and the push route${settings.smoke ? ' (smoke run)' : ''}, ${date.slice(0, 10)}`),
      }
    : undefined
  await mkdir(options.out, { recursive: true })
  await writeFile(join(options.out, 'results.json'), `${JSON.stringify({ ...report, settings, samples }, null, 2)}\n`)
  await writeFile(join(options.out, 'chart.svg'), svg)
  if (scaleSvg !== undefined) await writeFile(join(options.out, 'scaling.svg'), scaleSvg)
  if (workflow) await writeFile(join(options.out, 'workflow.svg'), workflow.chartSvg)
  const workflowPart = (chart?: string): string =>
    workflow ? `\n## Workflow\n\n${workflowReport({ ...workflow, ...(chart !== undefined && { chart }) })}` : ''
  await writeFile(join(options.out, 'report.md'), markdownReport({ ...report, chart: 'chart.svg', scaleChart: 'scaling.svg' }) + workflowPart('workflow.svg'))
  console.log(markdownReport(report) + workflowPart())
  log(`results in ${options.out}`)
  if (options.publish && main) {
    await publish(REPO_ROOT, markdownReport({ ...report, chart: CHART_PATH, scaleChart: SCALE_CHART_PATH }), svg, scaleSvg)
    log(`published BENCHMARKS.md, ${CHART_PATH} and ${SCALE_CHART_PATH}`)
  }
  if (options.publish && workflow) {
    await publishWorkflow(REPO_ROOT, workflowReport({ ...workflow, chart: WORKFLOW_CHART_PATH }), workflow.chartSvg)
    log(`published the workflow block of BENCHMARKS.md and ${WORKFLOW_CHART_PATH}`)
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    process.exitCode = 2
  },
)
