// Cohort tables (the core's CohortTableRequest and StoredCohortsRequest): the same JSON as
// `halobuzz-analytics cohorts --json`, sizes that split the signups, and stored cohorts that read back
// what was computed.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'

import { USD_TO_NPR, addDays, analytics, cliJson, engineConfig, expectRejection, generateDataset } from './helpers.mjs'

const { Engine } = analytics

let data
let engine

before(async () => {
  data = generateDataset()
  engine = await Engine.fromDirectory(data.dir, engineConfig())
})
after(() => data?.cleanup())

test('cohorts equals `halobuzz-analytics cohorts --json`', async () => {
  const { start, end } = data.manifest
  for (const [granularity, country] of [['week', 'ALL'], ['day', 'NP'], ['month', 'UNKNOWN']]) {
    const query = { from: start, to: addDays(end, -7), asOf: end, granularity, country }
    const expected = cliJson(['cohorts', '--data', data.dir, '--usd-to-npr', String(USD_TO_NPR), '--from', query.from, '--to', query.to, '--as-of', end, '--granularity', granularity, '--country', country])
    const table = await engine.cohorts(query)
    assert.deepStrictEqual(table, expected)
    assert.equal(JSON.stringify(table), JSON.stringify(expected))
  }
})

test('cohort sizes split the signups; shares and sums are consistent', async () => {
  const { start, end } = data.manifest
  const daily = await engine.retentionMatrix({ from: start, to: end, granularity: 'day', days: [1] })
  const signups = daily.cohorts.reduce((sum, c) => sum + c.cohortSize, 0)
  const table = await engine.cohorts({ from: start, to: end, asOf: end })
  assert.equal(table.granularity, 'week')
  assert.equal(table.currency, 'NPR')
  assert.equal(table.cohorts.reduce((sum, c) => sum + c.cohortSize, 0), signups)
  assert.ok(table.cohorts.some((c) => c.revenue.totalRevenue > 0), 'the generated cohorts pay')
  for (const c of table.cohorts) {
    const p = c.revenue.revenueByPeriod
    const byPeriod = p.week1 + p.week2 + p.week3 + p.week4 + p.month2 + p.month3
    // 30 days of data: nothing is 90 days after signup, so the periods hold the whole revenue.
    assert.ok(Math.abs(byPeriod - c.revenue.totalRevenue) < 0.05, c.cohortDate)
    assert.ok(c.churnedMembers <= c.cohortSize && c.creators <= c.cohortSize)
    assert.equal(c.mature, false)
    assert.equal(c.retention.d90, null)
    assert.ok(Math.abs(c.engagementPerMember.sessions - c.engagement.sessions / c.cohortSize) < 1e-9)
  }
})

test('refreshCohorts stores what cohorts computes; storedCohorts reads it back', async () => {
  const { start, end } = data.manifest
  // From the first Monday: every stored cohort is then the whole week the computed table shows.
  let from = start
  while (new Date(`${from}T00:00:00Z`).getUTCDay() !== 1) from = addDays(from, 1)
  const query = { from, to: end, asOf: end, granularity: 'week' }
  const done = await engine.refreshCohorts(query)
  const computed = await engine.cohorts(query)
  assert.deepStrictEqual([done.written, done.kept, done.asOf], [computed.cohorts.length, 0, end])
  const stored = await engine.storedCohorts({ from, to: end })
  assert.deepStrictEqual(stored.cohorts.map((d) => d.row), computed.cohorts)
  for (const doc of stored.cohorts) {
    assert.deepStrictEqual([doc.asOf, doc.country, doc.granularity, doc.timezone], [end, 'ALL', 'week', 'Australia/Sydney'])
  }
})

test('bad cohort queries reject with INVALID_ARGUMENT, naming the field', async () => {
  const { start, end } = data.manifest
  await expectRejection(() => engine.cohorts({ from: start, to: end, asOf: addDays(start, -1) }), 'INVALID_ARGUMENT', /^invalid asOf: .* is before the first signup day/)
  await expectRejection(() => engine.cohorts({ from: start, to: end, days: [1] }), 'INVALID_ARGUMENT', /unknown field `days`/)
  await expectRejection(() => engine.storedCohorts({ from: start }), 'INVALID_ARGUMENT', /missing field `to`/)
  await expectRejection(() => engine.refreshCohorts({ from: end, to: start }), 'INVALID_ARGUMENT', /./)
})
