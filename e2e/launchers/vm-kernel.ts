/**
 * The guest kernel of ./vm.ts: Debian's cloud kernel (the one a cloud VM boots: virtio drivers,
 * no hardware it will not see), fetched with `apt-get download` from the machine's own sources
 * into a cache directory the first time and reused after. Only `vmlinuz` and the modules a
 * node needs are used; their load order comes from each module's `depends=` (what `modprobe`
 * reads from modules.dep, which a package does not ship: `depmod` writes it on install).
 *
 * Cache: `$LOCALREGISTRY_VM_CACHE`, else `/var/cache/localregistry/vm` (beside scripts/setup-sid-debs.sh's).
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { run } from '../tools/exec.ts'
import { toolPath } from '../tools/require-tool.ts'

/** The metapackage that depends on the current cloud kernel image. */
const METAPACKAGE = 'linux-image-cloud-amd64'

export interface GuestKernel {
  /** The kernel image to pass to `qemu -kernel`. */
  readonly vmlinuz: string
  /** Module files, each after the modules it depends on: the order to `insmod` them in. */
  readonly modules: readonly string[]
}

export function vmCacheDir(): string {
  return process.env.LOCALREGISTRY_VM_CACHE ?? '/var/cache/localregistry/vm'
}

/** The cloud kernel and `modules` with their dependencies, downloaded on first use. */
export async function cloudKernel(modules: readonly string[], cacheDir = vmCacheDir()): Promise<GuestKernel> {
  const root = await extractedPackage(await kernelPackage(), cacheDir)
  const vmlinuz = (await readdir(join(root, 'boot'))).find((name) => name.startsWith('vmlinuz-'))
  if (vmlinuz === undefined) throw new Error(`${root}/boot holds no vmlinuz-*`)
  const release = vmlinuz.slice('vmlinuz-'.length)
  const files = await moduleFiles(join(root, 'lib', 'modules', release, 'kernel'))
  return { vmlinuz: join(root, 'boot', vmlinuz), modules: await loadOrder(modules, files) }
}

/** `linux-image-6.1.0-NN-cloud-amd64`: the package the metapackage depends on now. */
async function kernelPackage(): Promise<string> {
  const { stdout } = await run(toolPath('apt-cache'), ['depends', METAPACKAGE])
  const name = /Depends: (linux-image-\S+)/.exec(stdout)?.[1]
  if (name === undefined) throw new Error(`apt-cache depends ${METAPACKAGE} names no linux-image package (run apt-get update):\n${stdout}`)
  return name
}

/** `cacheDir/PACKAGE`, holding the package's boot/ and lib/; made once, atomically. */
async function extractedPackage(name: string, cacheDir: string): Promise<string> {
  const target = join(cacheDir, name)
  if (existsSync(target)) return target
  await mkdir(cacheDir, { recursive: true })
  const work = await mkdtemp(join(cacheDir, `.${name}-`))
  try {
    // As root, apt warns that its sandbox user cannot write here; downloading as root is the point.
    await run(toolPath('apt-get'), ['download', '-o', 'APT::Sandbox::User=root', name], { cwd: work, timeoutMs: 300_000 })
    const deb = (await readdir(work)).find((file) => file.endsWith('.deb'))
    if (deb === undefined) throw new Error(`apt-get download ${name} left no .deb in ${work}`)
    const tree = join(work, 'tree')
    await run(toolPath('dpkg-deb'), ['-x', join(work, deb), tree], { timeoutMs: 120_000 })
    await rm(join(tree, 'usr'), { recursive: true, force: true })
    // Another run may have finished first: then its copy is as good as this one.
    await rename(tree, target).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(target)) throw error
    })
    return target
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** Every `NAME.ko` under `dir`, by NAME as `depends=` spells it (`virtio-rng.ko` is virtio_rng). */
async function moduleFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  for (const entry of await readdir(dir, { recursive: true })) {
    const name = /(?:^|\/)([^/]+)\.ko$/.exec(entry)?.[1]
    if (name !== undefined) files.set(name.replaceAll('-', '_'), join(dir, entry))
  }
  return files
}

/** `wanted` and what they depend on, dependencies first. */
async function loadOrder(wanted: readonly string[], files: ReadonlyMap<string, string>): Promise<string[]> {
  const order: string[] = []
  const visiting = new Set<string>()
  const visit = async (name: string): Promise<void> => {
    const file = files.get(name)
    if (file === undefined) throw new Error(`the kernel has no module ${name} (built in, or misspelt?)`)
    if (order.includes(file) || visiting.has(name)) return
    visiting.add(name)
    for (const dependency of await dependencies(file)) await visit(dependency)
    order.push(file)
  }
  for (const name of wanted) await visit(name)
  return order
}

/** The `depends=a,b` entry of a module's .modinfo section. */
async function dependencies(file: string): Promise<string[]> {
  const text = (await readFile(file)).toString('latin1')
  const value = /\0depends=([^\0]*)\0/.exec(text)?.[1] ?? ''
  return value.split(',').filter((name) => name !== '')
}
