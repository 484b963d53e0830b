/**
 * A VM node the way Monogon's launcher makes one: QEMU with a kernel and an initramfs (no disk),
 * user networking with `restrict=on` (the guest reaches nothing but what is forwarded), the
 * registry on the host's loopback reached through a `guestfwd`, and a guest port forwarded to
 * the host's loopback with `hostfwd` (containerd's gRPC over TCP, where the test's CRI client
 * connects).
 *
 * The guest forward is given (the test takes `serve --help`'s recipe, the `cmd:` form, which runs
 * a connector for each connection the guest opens; the `tcp:` form connects once, when QEMU
 * starts, and so carries only the guest's first connection).
 *
 * The initrd is two cpio archives (./cpio.ts): the run's files (configuration, CA, certs.d,
 * /etc/hosts), then busybox, the programs with their shared libraries, the modules and the init
 * script (./vm-init.sh). Neither is compressed: the kernel would decompress under emulation.
 * The guest's console is a Unix socket: QEMU waits for the test to connect before it boots, so no
 * line is lost, and the test sends the init script its commands on it.
 *
 * Accelerator: TCG by default (`-accel tcg,thread=single -cpu max`), since a nested /dev/kvm may
 * not run a stock kernel; `LOCALREGISTRY_VM_ACCEL=kvm` uses KVM where it works.
 */
import { once } from 'node:events'
import { readFile, writeFile } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { run, startDaemon, daemonError, type Daemon } from '../tools/exec.ts'
import { toolPath } from '../tools/require-tool.ts'
import { cpioArchive, type CpioEntry } from './cpio.ts'
import type { GuestKernel } from './vm-kernel.ts'

/** The guest's network, as in the README's recipe: QEMU's gateway is .2. */
const GUEST_NETWORK = '10.42.0.0/24'
const GUEST_ADDRESS = '10.42.0.15'
const GUEST_GATEWAY = '10.42.0.2'

const LINE_PREFIX = 'localregistry-vm: '
const INIT_SCRIPT = join(import.meta.dirname, 'vm-init.sh')

export interface VmOptions {
  kernel: GuestKernel
  /** Host programs copied into the guest at the same path, with the shared libraries they load. */
  programs: readonly string[]
  /** The run's files: configuration, certificates, /etc/hosts. */
  files: ReadonlyArray<{ path: string; data: string | Uint8Array }>
  /**
   * The guest forward to the registry, what follows `guestfwd=`:
   * `tcp:10.42.0.82:5000-cmd:nc -N 127.0.0.1 PORT` (the recipe `serve --help` prints).
   */
  guestForward: string
  /** A guest TCP port to forward a host loopback port to. */
  forwardedGuestPort: number
  /** Where the initrd and sockets go; removed by the caller. */
  workDir: string
  memoryMiB?: number
}

export interface Vm extends AsyncDisposable {
  /** The host loopback port forwarded to `forwardedGuestPort`. */
  readonly forwardedPort: number
  /** Milliseconds since QEMU was started. */
  elapsed(): number
  /** Everything the guest printed on its console so far. */
  console(): string
  /** Resolves with the first console line matching `pattern` from now on (or already printed, with `fromStart`). */
  waitForLine(pattern: RegExp, options?: { timeoutMs?: number; fromStart?: boolean }): Promise<string>
  /** A file of the guest. */
  readFile(path: string): Promise<string>
  /** The command line of every user-space process of the guest. */
  processes(): Promise<string[]>
  /** Stops containerd and powers off; resolves with QEMU's exit status. */
  shutdown(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Kills QEMU if it still runs. Idempotent. */
  kill(): Promise<void>
}

export async function startVm(options: VmOptions): Promise<Vm> {
  const initrd = join(options.workDir, 'initrd')
  await writeFile(initrd, Buffer.concat([runArchive(options), await baseArchive(options)]))
  const consoleSocket = join(options.workDir, 'console.sock')
  const monitorSocket = join(options.workDir, 'monitor.sock')
  const started = Date.now()
  const qemu = startDaemon(toolPath('qemu-system-x86_64'), qemuArgs(options, initrd, consoleSocket, monitorSocket), { stopTimeoutMs: 5_000 })
  try {
    const console = await connectWhenListening(qemu, consoleSocket)
    const forwardedPort = await hostForwardPort(qemu, monitorSocket)
    return vmHandle(qemu, console, forwardedPort, started)
  } catch (error) {
    await qemu.stop()
    throw error
  }
}

function qemuArgs(options: VmOptions, initrd: string, consoleSocket: string, monitorSocket: string): string[] {
  const accel = process.env.LOCALREGISTRY_VM_ACCEL === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=single', '-cpu', 'max']
  const netdev = [
    'user,id=net0',
    `net=${GUEST_NETWORK}`,
    'dhcpstart=10.42.0.10',
    'restrict=on',
    `hostfwd=tcp:127.0.0.1:0-${GUEST_ADDRESS}:${options.forwardedGuestPort}`,
    // Last: QEMU takes the rest of the option as the forward (a cmd: holds spaces).
    `guestfwd=${options.guestForward}`,
  ]
  return [
    ...['-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot'],
    ...accel,
    ...['-m', String(options.memoryMiB ?? 1024), '-smp', '1'],
    ...['-kernel', options.kernel.vmlinuz, '-initrd', initrd, '-append', 'console=ttyS0 quiet panic=-1'],
    ...['-chardev', `socket,id=console,path=${consoleSocket},server=on,wait=on`, '-serial', 'chardev:console'],
    ...['-chardev', `socket,id=monitor,path=${monitorSocket},server=on,wait=off`, '-mon', 'chardev=monitor,mode=readline'],
    ...['-netdev', netdev.join(','), '-device', 'virtio-net-pci,netdev=net0,romfile='],
  ]
}

/** The run's files, and the init script's configuration. */
function runArchive(options: VmOptions): Buffer {
  const modules = options.kernel.modules.map((file) => `/lib/modules/${file.split('/').at(-1)}`)
  const config = [`ADDRESS=${GUEST_ADDRESS}/24`, `GATEWAY=${GUEST_GATEWAY}`, `MODULES='${modules.join(' ')}'`, ''].join('\n')
  const files: CpioEntry[] = [{ type: 'file', path: 'etc/localregistry-vm/config', data: Buffer.from(config) }]
  for (const file of options.files) files.push({ type: 'file', path: file.path, data: typeof file.data === 'string' ? Buffer.from(file.data) : file.data })
  return cpioArchive(files)
}

/** busybox, the programs and their libraries, the modules, the init script. */
async function baseArchive(options: VmOptions): Promise<Buffer> {
  const busybox = toolPath('busybox')
  const programs = [busybox, ...options.programs]
  const libraries = new Set<string>()
  for (const program of programs) for (const library of await sharedLibraries(program)) libraries.add(library)
  const entries: CpioEntry[] = [
    { type: 'file', path: 'init', data: await readFile(INIT_SCRIPT), mode: 0o755 },
    { type: 'file', path: 'bin/busybox', data: await readFile(busybox), mode: 0o755 },
    { type: 'symlink', path: 'bin/sh', target: 'busybox' },
  ]
  for (const program of options.programs) entries.push({ type: 'file', path: program, data: await readFile(program), mode: 0o755 })
  for (const library of libraries) entries.push({ type: 'file', path: library, data: await readFile(library), mode: 0o755 })
  for (const module of options.kernel.modules) entries.push({ type: 'file', path: `lib/modules/${module.split('/').at(-1)}`, data: await readFile(module) })
  return cpioArchive(entries)
}

/** What `ldd` says a program loads, the dynamic loader included (none for a static program). */
async function sharedLibraries(program: string): Promise<string[]> {
  const result = await run(toolPath('ldd'), [program]).catch((error: unknown) => {
    // ldd exits 1 for a static program ("not a dynamic executable").
    if (/not a dynamic executable/.test(String(error))) return { stdout: '' }
    throw error
  })
  return [...result.stdout.matchAll(/(?:=>\s*|^\s*)(\/\S+)/gm)].map((match) => match[1] ?? '').filter((path) => path !== '')
}

/** Connects to a socket QEMU listens on, once it exists. */
async function connectWhenListening(qemu: Daemon, path: string): Promise<Socket> {
  const deadline = Date.now() + 30_000
  for (;;) {
    if (qemu.hasExited()) throw daemonError(qemu, 'QEMU exited before it opened its console')
    try {
      const socket = connect(path)
      await once(socket, 'connect')
      return socket
    } catch (error) {
      if (Date.now() > deadline) throw daemonError(qemu, `QEMU's socket ${path} did not accept within 30 s: ${String(error)}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/** The port QEMU bound for `hostfwd=tcp:127.0.0.1:0-...`, from the monitor's `info usernet`. */
async function hostForwardPort(qemu: Daemon, path: string): Promise<number> {
  const monitor = await connectWhenListening(qemu, path)
  try {
    const text = await monitorCommand(monitor, 'info usernet')
    // TCP[HOST_FORWARD]  13   127.0.0.1 38657   10.42.0.15 10010   0   0
    const port = /TCP\[HOST_FORWARD\]\s+\d+\s+127\.0\.0\.1\s+(\d+)/.exec(text)?.[1]
    if (port === undefined) throw daemonError(qemu, `QEMU's "info usernet" shows no host forward:\n${text}`)
    return Number(port)
  } finally {
    monitor.destroy()
  }
}

/** Sends a monitor command once the monitor prompts, and returns its output (up to the next prompt). */
async function monitorCommand(monitor: Socket, command: string): Promise<string> {
  const PROMPT = '(qemu) '
  return new Promise((resolve, reject) => {
    let text = ''
    let sent = false
    const timer = setTimeout(() => reject(new Error(`QEMU's monitor did not answer ${command} within 10 s: ${text}`)), 10_000)
    monitor.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8')
      if (!text.includes(PROMPT)) return
      if (sent) {
        clearTimeout(timer)
        resolve(text)
        return
      }
      sent = true
      text = ''
      monitor.write(`${command}\n`)
    })
    monitor.on('close', () => reject(new Error(`QEMU's monitor closed while answering ${command}: ${text}`)))
  })
}

function vmHandle(qemu: Daemon, socket: Socket, forwardedPort: number, started: number): Vm {
  let text = ''
  const waiters = new Set<() => void>()
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8').replaceAll('\r', '')
    for (const waiter of waiters) waiter()
  })
  socket.on('error', () => undefined)
  void qemu.exited.then(() => {
    for (const waiter of waiters) waiter()
  })
  const fail = (message: string): Error =>
    new Error(`${message}\n--- guest console (tail) ---\n${text.slice(-4000)}${qemu.output() ? `\n--- QEMU ---\n${qemu.output()}` : ''}`)
  const waitForLine: Vm['waitForLine'] = (pattern, { timeoutMs = 60_000, fromStart = false } = {}) => {
    const from = fromStart ? 0 : text.length
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const line = text
          .slice(from)
          .split('\n')
          .find((candidate) => pattern.test(candidate))
        if (line !== undefined) done(() => resolve(line))
        else if (qemu.hasExited()) done(() => reject(fail(`QEMU exited before the guest printed ${pattern}`)))
      }
      const timer = setTimeout(() => done(() => reject(fail(`the guest did not print ${pattern} within ${timeoutMs} ms`))), timeoutMs)
      const done = (settle: () => void): void => {
        clearTimeout(timer)
        waiters.delete(check)
        settle()
      }
      waiters.add(check)
      check()
    })
  }
  const command = async (line: string, end: RegExp): Promise<string> => {
    const from = text.length
    const ended = waitForLine(end)
    socket.write(`${line}\n`)
    await ended
    return text.slice(from)
  }
  const kill = async (): Promise<void> => {
    socket.destroy()
    await qemu.stop()
  }
  return {
    forwardedPort,
    elapsed: () => Date.now() - started,
    console: () => text,
    waitForLine,
    readFile: async (path) => {
      const output = await command(`cat ${path}`, new RegExp(`^${LINE_PREFIX}end ${escape(path)}$`))
      const begin = `${LINE_PREFIX}begin ${path}\n`
      return output.slice(output.indexOf(begin) + begin.length, output.lastIndexOf(`${LINE_PREFIX}end ${path}`))
    },
    processes: async () => {
      const output = await command('processes', new RegExp(`^${LINE_PREFIX}processes end$`))
      return output
        .split('\n')
        .filter((line) => line.startsWith(`${LINE_PREFIX}process `))
        .map((line) => line.slice(`${LINE_PREFIX}process `.length).trim())
    },
    shutdown: async () => {
      socket.write('stop\n')
      const timer = setTimeout(() => void qemu.stop(), 60_000)
      try {
        return await qemu.exited
      } finally {
        clearTimeout(timer)
        socket.destroy()
      }
    },
    kill,
    [Symbol.asyncDispose]: kill,
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
