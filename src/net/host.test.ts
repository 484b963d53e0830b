import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatHost, isLoopback, isWildcard, loopbackFor, parseHostPort } from './host.ts'

test('parseHostPort: DNS names, IPv4, bracketed IPv6, with or without a port', () => {
  assert.deepEqual(parseHostPort('Registry.Test:5000'), { host: 'Registry.Test', port: 5000, address: 'registry.test:5000' })
  assert.deepEqual(parseHostPort('10.42.0.82'), { host: '10.42.0.82', port: undefined, address: '10.42.0.82' })
  assert.deepEqual(parseHostPort('[::1]:443'), { host: '::1', port: 443, address: '[::1]:443' })
  assert.deepEqual(parseHostPort('[FD00::1]'), { host: 'FD00::1', port: undefined, address: '[fd00::1]' })
  for (const bad of ['', ':5000', '::1', '[::1', '[zz]', '[10.0.0.1]', 'a_b', 'a b', `${'a'.repeat(64)}.example`, 'h:', 'h:x', 'h:65536', 'h:123456', 'h/x']) {
    assert.equal(parseHostPort(bad), undefined, bad)
  }
})

test('port 0 (pick a free port) only where listening', () => {
  assert.equal(parseHostPort('h:0'), undefined)
  assert.deepEqual(parseHostPort('h:0', { listening: true }), { host: 'h', port: 0, address: 'h:0' })
  assert.equal(parseHostPort('h:65536', { listening: true }), undefined)
})

test('formatHost brackets IPv6 only', () => {
  assert.equal(formatHost('::1'), '[::1]')
  assert.equal(formatHost('127.0.0.1'), '127.0.0.1')
  assert.equal(formatHost('localhost'), 'localhost')
})

test('wildcards, their loopback addresses, and loopback hosts', () => {
  for (const wildcard of ['0.0.0.0', '::', '[::]']) assert.equal(isWildcard(wildcard), true, wildcard)
  for (const other of ['127.0.0.1', '::1', '0.0.0.1', 'localhost']) assert.equal(isWildcard(other), false, other)
  assert.equal(loopbackFor('0.0.0.0'), '127.0.0.1')
  assert.equal(loopbackFor('[::]'), '::1')
  assert.equal(loopbackFor('10.0.0.1'), undefined)
  for (const local of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) assert.equal(isLoopback(local), true, local)
  for (const remote of ['127.0.0.1.example', '128.0.0.1', '::2', '0.0.0.0', 'localhost.example']) assert.equal(isLoopback(remote), false, remote)
})
