// Conditional and Range requests (ranges.ts), property-based (fast-check): the Range
// properties compare with a model written differently from the parser: it marks the bytes
// each range covers and reads the answer off the marks.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { entityTagListMatches, parseRange, select, type Selection } from './ranges.ts'

/** What a list of range-specs selects on `size` bytes, by marking covered bytes (the model). */
function model(specs: Array<[number | undefined, number | undefined]>, size: number): Selection {
  const covered = new Array<boolean>(size).fill(false)
  let satisfiable = false
  let suffixOnEmpty = false
  for (const [first, last] of specs) {
    if (first !== undefined && last !== undefined && last < first) return { kind: 'unsatisfiable' }
    let from: number
    let to: number
    if (first === undefined) {
      if (last === undefined || last === 0) continue
      if (size === 0) suffixOnEmpty = true
      from = Math.max(0, size - last)
      to = size - 1
    } else {
      from = first
      to = last === undefined ? size - 1 : Math.min(last, size - 1)
    }
    for (let i = from; i <= to; i++) {
      covered[i] = true
      satisfiable = true
    }
  }
  if (!satisfiable) return suffixOnEmpty ? { kind: 'whole' } : { kind: 'unsatisfiable' }
  const start = covered.indexOf(true)
  const end = covered.lastIndexOf(true)
  for (let i = start; i <= end; i++) if (!covered[i]) return { kind: 'whole' }
  return { kind: 'range', start, end }
}

// Small positions and sizes, so ranges touch, overlap, leave one-byte gaps and cross the end often.
const positions = fc.option(fc.nat({ max: 40 }), { nil: undefined })
const specs = fc
  .array(fc.tuple(positions, positions), { minLength: 1, maxLength: 6 })
  .filter((list) => list.every(([a, b]) => a !== undefined || b !== undefined))
const spaces = fc.constantFrom('', ' ', '  ', '\t')

function header(list: Array<[number | undefined, number | undefined]>, gap: string): string {
  return `bytes=${list.map(([a, b]) => `${a ?? ''}-${b ?? ''}`).join(`${gap},${gap}`)}`
}

describe('parseRange (property-based)', () => {
  it('selects what the byte-marking model selects, whatever the spacing and the case of the unit', () => {
    fc.assert(
      fc.property(specs, fc.nat({ max: 40 }), spaces, fc.constantFrom('bytes', 'BYTES', 'Bytes'), (list, size, gap, unit) => {
        const expected = model(list, size)
        assert.deepEqual(parseRange(header(list, gap).replace('bytes', unit), size), expected, `${header(list, gap)} on ${size} bytes`)
      }),
      { numRuns: 2000 },
    )
  })

  it('never throws, and a range it selects is always inside the blob', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary-ascii' }).map((s) => `bytes=${s}`),
        ),
        fc.nat({ max: 2 ** 40 }),
        (text, size) => {
          const selection = parseRange(text, size)
          if (selection.kind === 'range') assert.ok(selection.start >= 0 && selection.start <= selection.end && selection.end < size, text)
        },
      ),
    )
  })

  it('ignores other units and malformed range sets', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,8}$/), specs, (unit, list) => {
        fc.pre(unit !== 'bytes')
        assert.deepEqual(parseRange(header(list, '').replace('bytes', unit), 100), { kind: 'whole' })
        assert.deepEqual(parseRange(`${header(list, '')},x-1`, 100), { kind: 'whole' })
      }),
    )
  })
})

describe('conditional requests (property-based)', () => {
  const ours = '"sha256:ours"'
  const others = fc.array(
    fc.stringMatching(/^[a-z0-9:]{1,20}$/).map((t) => `"${t === 'sha256:ours' ? 'x' : t}"`),
    { maxLength: 4 },
  )

  it('matches our tag anywhere in a list; strong comparison never matches its weak form', () => {
    fc.assert(
      fc.property(others, others, spaces, (before, after, gap) => {
        const list = (tag: string): string => [...before, tag, ...after].join(`${gap},${gap}`)
        assert.equal(entityTagListMatches(list(ours), ours, true), true)
        assert.equal(entityTagListMatches(list(ours), ours, false), true)
        assert.equal(entityTagListMatches(list(`W/${ours}`), ours, false), true)
        assert.equal(entityTagListMatches(list(`W/${ours}`), ours, true), false)
        assert.equal(entityTagListMatches([...before, ...after].join(','), ours, false), false)
      }),
    )
  })

  it('applies If-Match, then If-None-Match, then If-Range and Range, in that order', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), specs, (matchHolds, noneMatchHits, ifRangeHolds, list) => {
        const selection = select(
          {
            'if-match': matchHolds ? ours : '"sha256:other"',
            'if-none-match': noneMatchHits ? ours : '"sha256:other"',
            'if-range': ifRangeHolds ? ours : 'W/"sha256:ours"',
            range: header(list, ''),
          },
          ours,
          200,
        )
        if (!matchHolds) assert.equal(selection.kind, 'precondition-failed')
        else if (noneMatchHits) assert.equal(selection.kind, 'not-modified')
        else if (!ifRangeHolds) assert.equal(selection.kind, 'whole')
        else assert.deepEqual(selection, model(list, 200))
      }),
    )
  })
})

describe('conditional and Range edge cases', () => {
  const ours = '"sha256:ours"'

  it('compares If-Match strongly and If-None-Match weakly, and matches nothing in a malformed list', () => {
    assert.equal(select({ 'if-match': `W/${ours}` }, ours, 10).kind, 'precondition-failed')
    assert.equal(select({ 'if-match': ` ${ours} ` }, ours, 10).kind, 'whole')
    assert.equal(select({ 'if-none-match': `W/${ours}` }, ours, 10).kind, 'not-modified')
    for (const malformed of ['sha256:ours', `x${ours}`, '"sha256:ours', `W/x${ours}`, `"a" x ${ours}`, 'W/']) {
      assert.equal(entityTagListMatches(malformed, ours, false), false, malformed)
    }
    assert.equal(select({ 'if-range': ` ${ours} `, range: 'bytes=0-1' }, ours, 10).kind, 'range')
  })

  it('accepts empty list elements, ignores specs without a dash or with no position, rejects a reversed one', () => {
    assert.deepEqual(parseRange('bytes=0-1,,2-3', 10), { kind: 'range', start: 0, end: 3 })
    assert.deepEqual(parseRange('bytes=, 4-5', 10), { kind: 'range', start: 4, end: 5 })
    for (const header of ['bytes=1', 'bytes=-', 'bytes=0-1,5', 'bytes=a-1', 'bytes=1-b', 'bytes', 'bytes=,', '=0-1']) {
      assert.deepEqual(parseRange(header, 10), { kind: 'whole' }, header)
    }
    assert.deepEqual(parseRange('bytes=5-3,0-1', 10), { kind: 'unsatisfiable' })
    assert.deepEqual(parseRange('bytes=-5', 0), { kind: 'whole' })
    assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' })
  })
})
