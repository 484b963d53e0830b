// findTool: what it returns is a program to run, wherever the test runs (Bazel runs tests in a
// runfiles tree, with `.` on PATH and package directories named like tools: busybox/).
import assert from 'node:assert/strict'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { findTool } from './require-tool.ts'
import { makeTempDir } from '../../test/support/temp-dir.ts'

test('findTool skips a directory named like the tool and gives an absolute path for a relative PATH entry', async () => {
  await using work = await makeTempDir('require-tool-')
  await mkdir(work.join('first', 'findtool-dir-test'), { recursive: true })
  await mkdir(work.join('second'))
  for (const name of ['findtool-dir-test', 'findtool-relative-test']) {
    await writeFile(work.join('second', name), '#!/bin/sh\n')
    await chmod(work.join('second', name), 0o755)
  }
  const saved = { path: process.env.PATH, cwd: process.cwd() }
  try {
    process.chdir(work.path)
    process.env.PATH = ['first', 'second'].join(':')
    assert.equal(findTool('findtool-dir-test'), work.join('second', 'findtool-dir-test'))
    assert.equal(findTool('findtool-relative-test'), join(work.path, 'second', 'findtool-relative-test'))
  } finally {
    process.chdir(saved.cwd)
    process.env.PATH = saved.path
  }
})
