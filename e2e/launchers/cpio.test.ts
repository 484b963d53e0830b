import assert from 'node:assert/strict'
import { lstat, readFile, readlink, writeFile } from 'node:fs/promises'
import { test } from 'node:test'
import { run } from '../tools/exec.ts'
import { haveTools, toolPath } from '../tools/require-tool.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'
import { cpioArchive } from './cpio.ts'

test('a newc archive unpacks with busybox cpio: files with their modes, directories, symbolic links, parents made', async (t) => {
  if (!haveTools(t, 'busybox')) return
  await using dir = await makeTempDir('cpio-')
  const odd = Buffer.from('x'.repeat(5)) // data lengths that need padding
  const archive = cpioArchive([
    { type: 'file', path: '/init', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    { type: 'file', path: 'etc/containerd/certs.d/docker.io/hosts.toml', data: odd },
    { type: 'directory', path: 'var/empty', mode: 0o700 },
    { type: 'symlink', path: 'bin/sh', target: 'busybox' },
  ])
  assert.equal(archive.length % 4, 0)
  await writeFile(dir.join('archive.cpio'), archive)
  const out = dir.join('out')
  await run(toolPath('busybox'), ['sh', '-c', `mkdir ${out} && cd ${out} && busybox cpio -i -d < ../archive.cpio`])
  assert.equal(await readFile(`${out}/init`, 'utf8'), '#!/bin/sh\n')
  assert.equal((await lstat(`${out}/init`)).mode & 0o777, 0o755)
  assert.deepEqual(await readFile(`${out}/etc/containerd/certs.d/docker.io/hosts.toml`), odd)
  assert.equal((await lstat(`${out}/etc/containerd/certs.d/docker.io/hosts.toml`)).mode & 0o777, 0o644)
  assert.ok((await lstat(`${out}/var/empty`)).isDirectory())
  assert.equal((await lstat(`${out}/var/empty`)).mode & 0o777, 0o700)
  assert.equal(await readlink(`${out}/bin/sh`), 'busybox')
  const listing = (await run(toolPath('busybox'), ['cpio', '-t', '-F', dir.join('archive.cpio')])).stdout.split('\n').filter(Boolean)
  assert.deepEqual(listing, [
    'init',
    'etc',
    'etc/containerd',
    'etc/containerd/certs.d',
    'etc/containerd/certs.d/docker.io',
    'etc/containerd/certs.d/docker.io/hosts.toml',
    'var',
    'var/empty',
    'bin',
    'bin/sh',
  ])
})
