// Retention matrices and lifecycle (the core's RetentionMatrixRequest and LifecycleRequest): the same JSON
// as `halobuzz-analytics retention|lifecycle --json`, the request layer's defaults, and the identities
// that tie them to the daily rollups of the generated data.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { addDays, analytics, cliJson, engineConfig, expectRejection, generateDataset } from './helpers.mjs'

const { Engine } = analytics

/** Same values and the same key order: the JSON text the CLI printed, re-serialised compactly. */
function assertSameJson(actual, expected) {
  assert.deepStrictEqual(actual, expected)
  assert.equal(JSON.stringify(actual), JSON.stringify(expected))
}

let data
let engine
/** The `ALL` rollup view of every day of the window, by day. */
const allOfDay = new Map()

before(async () => {
  data = generateDataset()
  engine = await Engine.fromDirectory(data.dir, engineConfig())
  const { start, end } = data.manifest
  await engine.backfill({ from: start, to: end })
  for (let day = start; day <= end; day = addDays(day, 1)) {
    const [all] = await engine.rollupsOfDay(day)
    assert.equal(all.country, 'ALL')
    allOfDay.set(day, all)
  }
})
after(() => data?.cleanup())

/** Σ of the `ALL` rollups' signups over `from..=to`. */
function signupsOf(from, to) {
  let total = 0
  for (let day = from; day <= to; day = addDays(day, 1)) total += allOfDay.get(day).facts.signups
  return total
}

/** The CLI's flags of a query (`asOf` → `--as-of`, `days` comma-separated). */
function flags(query) {
  const out = []
  for (const [key, value] of Object.entries(query)) {
    out.push(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, Array.isArray(value) ? value.join(',') : String(value))
  }
  return out
}

describe('retentionMatrix equals `halobuzz-analytics retention --json`', () => {
  const cases = () => {
    const { start, end } = data.manifest
    return [
      ['the defaults (weekly, days 1 … 90, as of `to`)', { from: start, to: end }],
      ['daily cohorts of NP', { from: start, to: end, granularity: 'day', country: 'NP' }],
      ['monthly cohorts counted to a later day', { from: start, to: addDays(end, -10), asOf: end, granularity: 'month', days: [0, 1, 2, 28] }],
      ['UNKNOWN, days out of order', { from: addDays(start, 3), to: addDays(start, 16), granularity: 'weekly', country: 'UNKNOWN', days: [7, 1] }],
      ['signup days after asOf are left out', { from: start, to: end, asOf: addDays(start, 9), granularity: 'day', days: [1, 3] }],
      ['a range before the data', { from: '2001-01-01', to: '2001-01-31', granularity: 'week' }],
    ]
  }
  test('every case', async () => {
    for (const [name, query] of cases()) {
      const { from, to, ...rest } = query
      const expected = cliJson(['retention', '--data', data.dir, '--from', from, '--to', to, ...flags(rest)])
      assertSameJson(await engine.retentionMatrix(query), expected)
      assert.ok(expected.cohorts.length > 0, name)
    }
  })
})

describe('lifecycle equals `halobuzz-analytics lifecycle --json`', () => {
  test('every granularity and a few countries', async () => {
    const { start, end } = data.manifest
    for (const [granularity, country] of [['day', 'ALL'], ['week', 'NP'], ['month', 'ALL'], ['daily', 'UNKNOWN']]) {
      const expected = cliJson(['lifecycle', '--data', data.dir, '--from', start, '--to', end, '--granularity', granularity, '--country', country])
      assertSameJson(await engine.lifecycle({ from: start, to: end, granularity, country }), expected)
    }
  })
})

test('the request layer decides the defaults', async () => {
  const { start, end } = data.manifest
  const matrix = await engine.retentionMatrix({ from: start, to: end })
  assert.equal(matrix.granularity, 'week')
  assert.equal(matrix.country, 'ALL')
  assert.equal(matrix.asOf, end)
  assert.deepStrictEqual(matrix.days, [1, 3, 7, 14, 30, 60, 90])
  assertSameJson(matrix, await engine.retentionMatrix({ from: start, to: end, asOf: null, granularity: undefined, days: null }))
  const lifecycle = await engine.lifecycle({ from: start, to: end })
  assert.equal(lifecycle.granularity, 'day')
  assert.equal(lifecycle.country, 'ALL')
  assertSameJson(lifecycle, await engine.lifecycle({ from: start, to: end, granularity: 'day', country: 'all' }))
})

test('a daily matrix has one cohort per signup day, of that day\'s signups', async () => {
  const { start, end } = data.manifest
  const matrix = await engine.retentionMatrix({ from: start, to: end, granularity: 'day', days: [0, 1, 7, 30] })
  assert.equal(matrix.cohorts.length, data.manifest.days)
  matrix.cohorts.forEach((c, i) => {
    const day = addDays(start, i)
    assert.deepStrictEqual([c.cohortDate, c.from, c.to], [day, day, day])
    assert.equal(c.cohortSize, allOfDay.get(day).facts.signups, day)
    c.cells.forEach((cell, j) => {
      const n = matrix.days[j]
      assert.equal(cell.day, n)
      // Every member of a daily cohort reaches day N on the same day: all eligible, or none yet.
      assert.equal(cell.eligible, addDays(day, n) <= end ? c.cohortSize : 0, `${day} d${n}`)
    })
  })
  const total = matrix.cohorts.reduce((sum, c) => sum + c.cohortSize, 0)
  assert.ok(total > 0, 'the generated window has signups')
  assert.equal(total, signupsOf(start, end))
})

test('cohorts of any period split the signups of the range, and every cell adds up', async () => {
  const { start, end } = data.manifest
  const from = addDays(start, 2)
  for (const granularity of ['day', 'week', 'month']) {
    const matrix = await engine.retentionMatrix({ from, to: end, granularity, days: [0, 1, 3, 7, 14, 28] })
    assert.equal(matrix.cohorts.reduce((sum, c) => sum + c.cohortSize, 0), signupsOf(from, end), granularity)
    assert.equal(matrix.cohorts[0].from, from)
    assert.equal(matrix.cohorts.at(-1).to, end)
    for (const c of matrix.cohorts) {
      assert.equal(c.cells.length, matrix.days.length)
      for (const cell of c.cells) {
        const where = `${granularity} ${c.cohortDate} d${cell.day}`
        assert.ok(cell.retained <= cell.retainedOnOrAfter && cell.retainedOnOrAfter <= cell.eligible && cell.eligible <= c.cohortSize, where)
        if (cell.eligible === 0) {
          assert.equal(cell.rate, null, where)
          assert.equal(cell.rateOnOrAfter, null, where)
        } else {
          assert.ok(Math.abs(cell.rate - (cell.retained * 100) / cell.eligible) < 1e-9, where)
          assert.ok(Math.abs(cell.rateOnOrAfter - (cell.retainedOnOrAfter * 100) / cell.eligible) < 1e-9, where)
        }
      }
      // Day 0 is the signup day itself: "on or after day 0" is anyone active by asOf.
      assert.ok(c.cells[0].retainedOnOrAfter >= c.cells.at(-1).retainedOnOrAfter)
    }
  }
})

test('the heat map of shares, as results.d.ts says to build it', async () => {
  const { start, end } = data.manifest
  const matrix = await engine.retentionMatrix({ from: start, to: end, granularity: 'week', days: [1, 7, 14, 28] })
  const shares = matrix.cohorts.map((c) => c.cells.map((cell) => cell.rate))
  assert.equal(shares.length, matrix.cohorts.length)
  for (const [i, row] of shares.entries()) {
    assert.equal(row.length, matrix.days.length)
    row.forEach((share, j) => {
      assert.equal(share === null, matrix.cohorts[i].cells[j].eligible === 0)
      if (share !== null) assert.ok(share >= 0 && share <= 100)
    })
  }
  // The last cohort is too young for day 28; older cohorts have shares.
  assert.equal(shares.at(-1).at(-1), null)
  assert.ok(shares.flat().some((share) => share !== null))
})

test('lifecycle reconciles: active = new + returning + resurrecting, and the period before adds up', async () => {
  const { start, end } = data.manifest
  for (const granularity of ['day', 'week', 'month']) {
    for (const country of ['ALL', 'NP']) {
      const { periods, from, to } = await engine.lifecycle({ from: start, to: end, granularity, country })
      const where = `${granularity} ${country}`
      assert.ok(periods.length > 0, where)
      assert.ok(periods[0].period <= from, where)
      assert.equal(periods.at(-1).to, to, where)
      periods.forEach((p, i) => {
        assert.equal(p.active, p.new + p.returning + p.resurrecting, `${where} ${p.period}`)
        assert.ok(p.dormant <= 0, `${where} ${p.period}`)
        if (i > 0) {
          assert.equal(p.period, addDays(periods[i - 1].to, 1), `${where}: periods follow each other`)
          // Who was active before either stayed (returning, or new again) or went dormant.
          assert.ok(periods[i - 1].active >= p.returning - p.dormant, `${where} ${p.period}`)
        }
      })
    }
  }
  // Per day, for ALL, the active users are the day's rollup's.
  const daily = await engine.lifecycle({ from: start, to: end })
  assert.equal(daily.periods.length, data.manifest.days)
  for (const p of daily.periods) assert.equal(p.active, allOfDay.get(p.period).facts.active, p.period)
})

test('bad queries reject with INVALID_ARGUMENT, naming the field', async () => {
  const { start, end } = data.manifest
  const range = { from: start, to: end }
  await expectRejection(() => engine.retentionMatrix({ ...range, asOf: addDays(start, -1) }), 'INVALID_ARGUMENT', /^invalid asOf: .* is before the first signup day/)
  await expectRejection(() => engine.retentionMatrix({ ...range, days: [] }), 'INVALID_ARGUMENT', /^invalid days: between 1 and 400 values/)
  await expectRejection(() => engine.retentionMatrix({ ...range, days: [1, 3661] }), 'INVALID_ARGUMENT', /^invalid days: 3661 is beyond day 3660/)
  await expectRejection(() => engine.retentionMatrix({ ...range, days: [1, -1] }), 'INVALID_ARGUMENT', /^invalid days\[1\]:/)
  await expectRejection(() => engine.retentionMatrix({ ...range, days: '1,3' }), 'INVALID_ARGUMENT', /^invalid days:/)
  await expectRejection(() => engine.retentionMatrix({ ...range, granularity: 'hour' }), 'INVALID_ARGUMENT', /granularity/)
  await expectRejection(() => engine.retentionMatrix({ ...range, asOf: '2026-4-1' }), 'INVALID_ARGUMENT', /^invalid asOf: `2026-4-1`/)
  await expectRejection(() => engine.retentionMatrix({ ...range, as_of: end }), 'INVALID_ARGUMENT', /unknown field `as_of`/)
  await expectRejection(() => engine.lifecycle({ ...range, days: [1] }), 'INVALID_ARGUMENT', /unknown field `days`/)
  await expectRejection(() => engine.lifecycle({ ...range, country: 'Nepal' }), 'INVALID_ARGUMENT', /ISO-3166/)
  await expectRejection(() => engine.lifecycle({ from: start }), 'INVALID_ARGUMENT', /missing field `to`/)
  // asOf counts as part of the range read: it may not be after tomorrow either.
  await expectRejection(() => engine.retentionMatrix({ ...range, asOf: '2999-01-01' }), 'INVALID_ARGUMENT', /date range/)
})
