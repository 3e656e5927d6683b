// Many calls in flight at once on one engine (as a busy backend route makes them) all resolve, each to
// the result the same call gives alone.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'

import { addDays, analytics, engineConfig, generateDataset } from './helpers.mjs'

const { Engine } = analytics

let data
before(() => {
  data = generateDataset()
})
after(() => data?.cleanup())

/** 100 different calls: reports over several ranges and countries, series, raw reports, quality. */
function calls() {
  const { start, end } = data.manifest
  const countries = ['ALL', 'NP', 'IN', 'UNKNOWN']
  const metrics = ['revenue.total', 'engagement.dau', 'monetization.payerRate', 'safety.safetyScore']
  const granularities = ['day', 'week', 'month']
  const out = []
  for (let i = 0; i < 100; i++) {
    const from = addDays(start, i % 20)
    const to = addDays(end, -(i % 7))
    const country = countries[i % countries.length]
    switch (i % 5) {
      case 0:
      case 1:
        out.push([`kpis ${from}..${to} ${country}`, (e) => e.kpis({ from, to, country })])
        break
      case 2:
      case 3: {
        const metric = metrics[i % metrics.length]
        const granularity = granularities[i % granularities.length]
        out.push([`${metric} ${granularity} ${country}`, (e) => e.timeSeries({ metric, from, to, granularity, country })])
        break
      }
      default:
        out.push(i % 10 === 4
          ? [`kpisFromRaw ${from}..${to}`, (e) => e.kpisFromRaw({ from, to, country })]
          : ['qualityReport', (e) => e.qualityReport()])
    }
  }
  return out
}

test('100 concurrent calls on a fresh engine resolve to the results of the same calls made one by one', async () => {
  const all = calls()
  assert.equal(all.length, 100)

  // The reference: a separate engine, one call at a time.
  const reference = await Engine.fromDirectory(data.dir, engineConfig())
  const expected = []
  for (const [, call] of all) expected.push(await call(reference))

  // All at once on a fresh engine, so the first calls also race to roll up the missing days.
  const engine = await Engine.fromDirectory(data.dir, engineConfig())
  const results = await Promise.all(all.map(([, call]) => call(engine)))
  for (let i = 0; i < all.length; i++) {
    assert.deepStrictEqual(results[i], expected[i], all[i][0])
  }
})

test('concurrent backfills, rollups and reports on one engine agree', async () => {
  const { start, end } = data.manifest
  const engine = await Engine.fromDirectory(data.dir, engineConfig())
  const progress = []
  const [summary, , report, series] = await Promise.all([
    engine.backfill({ from: start, to: end }, (p) => progress.push(p.done)),
    engine.rollupDay(addDays(start, 5)),
    engine.kpis({ from: start, to: end }),
    engine.timeSeries({ metric: 'revenue.total', from: start, to: end, granularity: 'week' }),
    ...Array.from({ length: 20 }, () => engine.kpis({ from: start, to: end, country: 'NP' })),
  ])
  assert.equal(summary.days, data.manifest.days)
  assert.equal(summary.computed + summary.skipped, summary.days)
  assert.deepStrictEqual(progress, Array.from({ length: summary.days }, (_, i) => i + 1))
  const raw = await engine.kpisFromRaw({ from: start, to: end })
  assert.deepStrictEqual(report, raw)
  const total = series.points.reduce((sum, p) => sum + p.value, 0)
  assert.ok(Math.abs(total - raw.revenue.total) < 0.05, `${total} vs ${raw.revenue.total}`)
})

test('failing and succeeding calls in flight together do not disturb each other', async () => {
  const { start, end } = data.manifest
  const engine = await Engine.fromDirectory(data.dir, engineConfig())
  const settled = await Promise.allSettled(
    Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0
        ? engine.kpis({ from: start, to: end })
        : engine.timeSeries({ metric: `revenue.nope${i}`, from: start, to: end }),
    ),
  )
  const first = settled[0].value
  settled.forEach((s, i) => {
    if (i % 2 === 0) {
      assert.equal(s.status, 'fulfilled')
      assert.deepStrictEqual(s.value, first)
    } else {
      assert.equal(s.status, 'rejected')
      assert.equal(s.reason.code, 'INVALID_ARGUMENT')
      assert.match(s.reason.message, new RegExp(`revenue\\.nope${i}`))
    }
  })
})

test('a refused call rejects at once, without waiting behind busy pool threads', async () => {
  const { start, end } = data.manifest
  const engine = await Engine.fromDirectory(data.dir, engineConfig())
  const order = []
  // Twice as many slow calls as the pool has threads (4 by default): every thread is busy.
  const slow = Array.from({ length: 8 }, (_, i) =>
    engine.kpisFromRaw({ from: start, to: end, country: i % 2 ? 'NP' : 'ALL' }).then(() => order.push('slow')),
  )
  const refused = [
    engine.kpis({ from: '0001-01-01', to: '9999-12-31' }),
    engine.timeSeries({ metric: 'revenue.total', from: end, to: start }),
    engine.backfill({ from: '1900-01-01', to: end }),
    engine.rollupDay('2099-01-01'),
    engine.retentionMatrix({ from: '0001-01-01', to: end }),
    engine.lifecycle({ from: start, to: '9999-12-31', granularity: 'month' }),
    engine.kpis({ from: start, to: end, country: 'Nepal' }),
    Engine.fromDirectory(data.dir, {}, { database: 'x' }),
  ].map((p) =>
    p.then(
      () => assert.fail('accepted'),
      (err) => {
        assert.equal(err.code, 'INVALID_ARGUMENT', err.message)
        order.push('refused')
      },
    ),
  )
  await Promise.all([...slow, ...refused])
  assert.deepStrictEqual(order.slice(0, refused.length), Array(refused.length).fill('refused'), order.join(' '))
})
