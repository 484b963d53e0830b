/**
 * criConfigToml without a containerd: each TOML table once (containerd 1 keeps images and runtime
 * in one CRI table, and refuses a config that names a table twice), and each version's names.
 * cri.test.ts runs both configs on real containerds.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { criConfigToml, type CriConfig } from './containerd-node.ts'

const CONFIG: CriConfig = {
  major: 1,
  root: '/n/root',
  state: '/n/state',
  address: '/n/containerd.sock',
  hostsDir: '/n/certs.d',
  sandboxImage: 'registry.test.internal/pause:1',
  snapshotter: 'overlayfs',
  shim: '/usr/bin/containerd-shim-runc-v2',
  runc: '/usr/sbin/runc',
  runcRoot: '/n/runc',
  cniDir: '/n/cni',
}

function tables(toml: string): string[] {
  return toml.split('\n').filter((line) => line.startsWith('['))
}

for (const major of [1, 2]) {
  for (const tcpAddress of [undefined, '0.0.0.0:10010']) {
    test(`containerd ${major}${tcpAddress ? ' with tcp_address' : ''}: no table twice`, () => {
      const names = tables(criConfigToml({ ...CONFIG, major, ...(tcpAddress && { tcpAddress }) }))
      assert.deepEqual(
        names.filter((name, i) => names.indexOf(name) !== i),
        [],
      )
    })
  }
}

test('containerd 1: version 2, everything CRI under io.containerd.grpc.v1.cri', () => {
  const toml = criConfigToml({ ...CONFIG, tcpAddress: '0.0.0.0:10010' })
  assert.match(toml, /^version = 2$/m)
  assert.match(toml, /^\[plugins\."io\.containerd\.grpc\.v1\.cri"\]\n(  .*\n)*  sandbox_image = "registry\.test\.internal\/pause:1"$/m)
  assert.match(toml, /^\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\]\n  config_path = "\/n\/certs\.d"$/m)
  assert.match(toml, /^  disable_tcp_service = false$/m)
  assert.doesNotMatch(toml, /io\.containerd\.cri\.v1/)
})

test('containerd 2: version 3, images and runtime plugins, the sandbox image pinned', () => {
  const toml = criConfigToml({ ...CONFIG, major: 2 })
  assert.match(toml, /^version = 3$/m)
  assert.match(toml, /^\[plugins\."io\.containerd\.cri\.v1\.images"\.pinned_images\]\n  sandbox = "registry\.test\.internal\/pause:1"$/m)
  assert.match(toml, /^\[plugins\."io\.containerd\.cri\.v1\.images"\.registry\]\n  config_path = "\/n\/certs\.d"$/m)
  assert.match(toml, /^\[plugins\."io\.containerd\.cri\.v1\.runtime"\]\n  restrict_oom_score_adj = true$/m)
  assert.doesNotMatch(toml, /disable_tcp_service|sandbox_image/, 'CRI stays off tcp_address unless one is given')
})
