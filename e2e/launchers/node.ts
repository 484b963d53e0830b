/**
 * A "node" as a cluster launcher makes one, without a VM: a network namespace of its own,
 * joined to the host by a veth pair with addresses from 198.18.0.0/15 (the benchmarking
 * range, never this machine's network), no default route (nothing beyond the host side is
 * reachable), its own /etc/hosts (`/etc/netns/NAME/hosts`) and a resolv.conf without name
 * servers. Commands run in it through `ip netns exec NAME`, which also mounts those files over
 * /etc/hosts and /etc/resolv.conf; a container runtime runs through `runtimeWrapper` instead,
 * which leaves /sys alone. Needs root.
 *
 * Names carry this process's id, so runs in parallel never collide, and a run that crashed is
 * cleaned up by the next one: a namespace whose process is gone is deleted with its files.
 *
 * ```ts
 * await using node = await createNode({ hosts: { 'registry.test.internal': 'host' } })
 * await using ctrd = await startContainerd({ wrapper: node.wrapper })
 * ```
 */
import { randomInt } from 'node:crypto'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { run, type RunResult } from '../tools/exec.ts'
import { toolPath } from '../tools/require-tool.ts'

export interface NodeOptions {
  /** Names for the node's /etc/hosts; `'host'` is the host side of the veth pair. */
  hosts?: Record<string, 'host'>
}

export interface NetworkNode extends AsyncDisposable {
  /** The network namespace. */
  readonly name: string
  /** The host side of the veth pair: where a registry listens for the node. */
  readonly hostAddress: string
  /** The node side. */
  readonly nodeAddress: string
  /** `['ip', 'netns', 'exec', NAME]`: a command prefix that runs a program inside the node. */
  readonly wrapper: readonly string[]
  /**
   * A command prefix for a container runtime (containerd, whose runc needs the cgroup mounts):
   * `nsenter --net` into the namespace, then a mount namespace of its own (`unshare --mount`)
   * with the node's hosts and resolv.conf bound over /etc's and a /run of its own (containerd's
   * shims put their sockets in /run/containerd/s whatever its state directory). `ip netns exec`
   * remounts /sys for the namespace, which hides the cgroup mounts (runc: "no cgroup mount
   * found"). What the runtime mounts stays in its mount namespace and goes away with its last
   * process.
   */
  readonly runtimeWrapper: readonly string[]
  /** Runs a program inside the node. */
  exec(file: string, args: readonly string[]): Promise<RunResult>
  /** Deletes the namespace (and with it the veth pair) and its /etc/netns files. Idempotent. */
  remove(): Promise<void>
}

const NETNS_PREFIX = 'localregistry-e2e-'
const ETC_NETNS = '/etc/netns'
/** 198.18.0.0/15 holds 32768 /30 subnets: host .1, node .2. */
const SUBNETS = 32768

export async function createNode(options: NodeOptions = {}): Promise<NetworkNode> {
  const ip = toolPath('ip')
  await removeStaleNodes(ip)
  const id = `${process.pid}-${randomInt(0x10000).toString(16)}`
  const name = `${NETNS_PREFIX}${id}`
  // Interface names have at most 15 bytes.
  const suffix = randomInt(0x1000000).toString(16).padStart(6, '0')
  const hostVeth = `lr${suffix}h`
  const nodeVeth = `lr${suffix}n`
  const { hostAddress, nodeAddress } = await freeSubnet(ip)
  const etc = join(ETC_NETNS, name)
  let removed: Promise<void> | undefined
  const remove = (): Promise<void> => (removed ??= removeNode(ip, name, hostVeth))
  try {
    await run(ip, ['netns', 'add', name])
    await mkdir(etc, { recursive: true, mode: 0o755 })
    const hosts = Object.keys(options.hosts ?? {}).map((host) => `${hostAddress} ${host}\n`)
    await writeFile(join(etc, 'hosts'), `127.0.0.1 localhost\n::1 localhost\n${hosts.join('')}`)
    await writeFile(join(etc, 'resolv.conf'), '# no name servers: the node resolves only its /etc/hosts\n')
    await run(ip, ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', nodeVeth, 'netns', name])
    await run(ip, ['addr', 'add', `${hostAddress}/30`, 'dev', hostVeth])
    await run(ip, ['link', 'set', hostVeth, 'up'])
    await run(ip, ['-n', name, 'addr', 'add', `${nodeAddress}/30`, 'dev', nodeVeth])
    await run(ip, ['-n', name, 'link', 'set', nodeVeth, 'up'])
    await run(ip, ['-n', name, 'link', 'set', 'lo', 'up'])
    const routes = (await run(ip, ['-n', name, 'route', 'show', 'default'])).stdout.trim()
    if (routes !== '') throw new Error(`the node ${name} has a default route: ${routes}`)
  } catch (error) {
    await remove()
    throw error
  }
  const wrapper = [ip, 'netns', 'exec', name]
  return {
    name,
    hostAddress,
    nodeAddress,
    wrapper,
    runtimeWrapper: runtimeWrapper(name, etc),
    exec: (file, args) => run(ip, ['netns', 'exec', name, file, ...args]),
    remove,
    [Symbol.asyncDispose]: remove,
  }
}

function runtimeWrapper(name: string, etc: string): string[] {
  const bindEtc = 'mount --bind "$0" /etc/hosts && mount --bind "$1" /etc/resolv.conf && mount -t tmpfs -o mode=0755 tmpfs /run && shift && exec "$@"'
  return [
    ...[toolPath('nsenter'), `--net=/run/netns/${name}`, '--'],
    ...[toolPath('unshare'), '--mount', '--propagation', 'private', '--'],
    ...[toolPath('sh'), '-c', bindEtc, join(etc, 'hosts'), join(etc, 'resolv.conf')],
  ]
}

/** A /30 in 198.18.0.0/15 whose addresses no interface of this machine has. */
async function freeSubnet(ip: string): Promise<{ hostAddress: string; nodeAddress: string }> {
  const used = (await run(ip, ['-o', '-4', 'addr', 'show'])).stdout
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = (198 << 24) + (18 << 16) + randomInt(1, SUBNETS) * 4
    const hostAddress = ipv4(base + 1)
    const nodeAddress = ipv4(base + 2)
    if (!used.includes(` ${hostAddress}/`) && !used.includes(` ${nodeAddress}/`)) return { hostAddress, nodeAddress }
  }
  throw new Error('no free /30 in 198.18.0.0/15 after 100 tries')
}

function ipv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 0xff).join('.')
}

async function removeNode(ip: string, name: string, hostVeth: string): Promise<void> {
  // Deleting the namespace destroys the node's veth end, and with it the pair; deleting the host
  // end too covers a namespace still held by a process that did not exit.
  await run(ip, ['netns', 'delete', name]).catch(() => undefined)
  await run(ip, ['link', 'delete', hostVeth]).catch(() => undefined)
  await rm(join(ETC_NETNS, name), { recursive: true, force: true })
}

/** Namespaces and /etc/netns directories of earlier runs whose process is gone. */
async function removeStaleNodes(ip: string): Promise<void> {
  const namespaces = (await run(ip, ['netns', 'list'])).stdout.split('\n').map((line) => line.split(' ')[0] ?? '')
  const etc = await readdir(ETC_NETNS).catch(() => [])
  const links = (await run(ip, ['-o', 'link', 'show'])).stdout.split('\n')
  for (const name of new Set([...namespaces, ...etc])) {
    const pid = Number(/^localregistry-e2e-(\d+)-[0-9a-f]+$/.exec(name)?.[1])
    if (!Number.isInteger(pid) || isAlive(pid)) continue
    // A host-side veth whose peer is in that namespace: `7: lr0a1b2ch@if2: ... link-netns NAME`.
    for (const link of links.filter((line) => line.endsWith(` link-netns ${name}`))) {
      const veth = /^\d+: (lr[0-9a-f]{6}h)@/.exec(link)?.[1]
      if (veth !== undefined) await run(ip, ['link', 'delete', veth]).catch(() => undefined)
    }
    await run(ip, ['netns', 'delete', name]).catch(() => undefined)
    await rm(join(ETC_NETNS, name), { recursive: true, force: true })
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
