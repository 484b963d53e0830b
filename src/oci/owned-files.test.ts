// Owned names and records: stale only when made on this machine by a process that is gone.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isStaleName, isStaleRecord, ownedName, ownerPid, ownerRecord } from './owned-files.ts'
import { deadPid } from '../../test/support/layouts.ts'

describe('owned files', () => {
  it('a name is stale only with its prefix, this host, and a process that is gone', async () => {
    const live = ownedName('.tmp-')
    assert.match(live, new RegExp(`^\\.tmp-${process.pid}-[0-9a-f]{8}-[0-9a-f]{12}$`))
    assert.notEqual(ownedName('.tmp-'), live)
    const dead = live.replace(`-${process.pid}-`, `-${await deadPid()}-`)
    assert.equal(isStaleName(dead, '.tmp-'), true)
    assert.equal(isStaleName(live, '.tmp-'), false, 'this process is alive')
    assert.equal(isStaleName(dead, '.index.json.tmp-'), false, 'another prefix')
    assert.equal(isStaleName(dead.replace(/-[0-9a-f]{8}-/, '-00000000-'), '.tmp-'), false, 'another host')
    assert.equal(isStaleName(`${dead}x`, '.tmp-'), false, 'not an owned name')
    assert.equal(isStaleName('.tmp-0123456789ab', '.tmp-'), false, 'an older, ownerless name')
    assert.equal(isStaleName(dead.replace(/-\d+-/, '-0-'), '.tmp-'), false, 'pid 0')
  })

  it('a record is stale only for this host and a process that is gone', async () => {
    const live = ownerRecord()
    assert.match(live, new RegExp(`^${process.pid} [0-9a-f]{8} [0-9a-f]{16}\\n$`))
    assert.notEqual(ownerRecord(), live)
    assert.equal(ownerPid(live), String(process.pid))
    assert.equal(ownerPid('garbage'), 'unknown')
    const dead = live.replace(/^\d+/, String(await deadPid()))
    assert.equal(isStaleRecord(dead), true)
    assert.equal(isStaleRecord(live), false)
    assert.equal(isStaleRecord(dead.replace(/ [0-9a-f]{8} /, ' 00000000 ')), false, 'another host')
    assert.equal(isStaleRecord(dead.trimEnd()), false, 'incomplete')
    assert.equal(isStaleRecord(''), false)
  })

  it("text around the owner part makes a name or record someone else's, never stale", async () => {
    const deadName = ownedName('.tmp-').replace(`-${process.pid}-`, `-${await deadPid()}-`)
    assert.equal(isStaleName(deadName.replace('.tmp-', '.tmp-x'), '.tmp-'), false)
    const deadRecord = ownerRecord().replace(/^\d+/, String(await deadPid()))
    assert.equal(isStaleRecord(`x${deadRecord}`), false)
    assert.equal(isStaleRecord(`${deadRecord}more\n`), false)
  })

  it('a process of another user is alive (EPERM), not gone', () => {
    // pid 1 exists and, for a non-root user, answers EPERM; for root it answers.
    assert.equal(isStaleRecord(ownerRecord().replace(/^\d+/, '1')), false)
  })
})
