/**
 * Running an image in a pod through CRI, as kubelet does for a pod on a node: a host-network pod
 * sandbox (no CNI; its sandbox image is the runtime's), one container from `image`, its exit
 * awaited (bounded) and its stdout read from the CRI log; the pod is removed afterwards.
 *
 * ```ts
 * const { status, output } = await runPod(ctrd, { name: 'hello', image: 'registry.test.internal/hello:1' })
 * ```
 */
import { randomUUID } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CriContainerd } from './containerd-node.ts'
import type { ContainerStatus, PodSandboxConfig } from './cri.ts'

/** Bound on waiting for the container to exit. */
const EXIT_TIMEOUT_MS = 30_000

export interface PodRun {
  /** The container's status once it exited. */
  status: ContainerStatus
  /** Its stdout lines. */
  output: string[]
}

/** Runs `image` in a pod named `name` on `ctrd` until its container exits; PullImage first if needed. */
export async function runPod(ctrd: Pick<CriContainerd, 'cri' | 'logDirectory' | 'cgroupParent'>, pod: { name: string; image: string }): Promise<PodRun> {
  const { cri } = ctrd
  const logDirectory = join(ctrd.logDirectory, pod.name)
  await mkdir(logDirectory)
  const sandboxConfig: PodSandboxConfig = {
    metadata: { name: pod.name, uid: randomUUID(), namespace: 'default', attempt: 0 },
    // A host-network pod shares the node's hostname: CRI refuses one of its own.
    hostname: '',
    logDirectory,
    linux: { cgroupParent: ctrd.cgroupParent, securityContext: { namespaceOptions: { network: 'NODE' } } },
  }
  await cri.pullImage(pod.image)
  const sandbox = await cri.runPodSandbox(sandboxConfig)
  const container = await cri.createContainer(sandbox, { metadata: { name: pod.name }, image: { image: pod.image }, logPath: `${pod.name}.log` }, sandboxConfig)
  await cri.startContainer(container)
  const status = await exited(ctrd, container)
  await cri.stopPodSandbox(sandbox)
  await cri.removePodSandbox(sandbox)
  return { status, output: await containerOutput(status.logPath) }
}

/** Polls ContainerStatus until the container has exited (bounded). */
async function exited(ctrd: Pick<CriContainerd, 'cri'>, container: string): Promise<ContainerStatus> {
  const deadline = Date.now() + EXIT_TIMEOUT_MS
  for (;;) {
    const status = await ctrd.cri.containerStatus(container)
    if (status.state === 'CONTAINER_EXITED') return status
    if (Date.now() > deadline) throw new Error(`container ${container} has not exited after ${EXIT_TIMEOUT_MS} ms: ${JSON.stringify(status)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The stdout lines of a CRI log file (`TIMESTAMP STREAM F|P MESSAGE` per line; P = a partial line). */
async function containerOutput(logPath: string): Promise<string[]> {
  const lines: string[] = []
  let partial = ''
  for (const line of (await readFile(logPath, 'utf8')).split('\n')) {
    const match = /^\S+ (stdout|stderr) ([FP]) (.*)$/.exec(line)
    if (match === null || match[1] !== 'stdout') continue
    partial += match[3]
    if (match[2] === 'F') {
      lines.push(partial)
      partial = ''
    }
  }
  return lines
}
