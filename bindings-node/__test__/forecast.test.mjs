// Forecasting from Node: forecastSeries / forecastBatch (module functions) and Engine.forecast /
// storedForecasts give the CLI's JSON for the same request; NaN in a Float64Array and null in an
// array are missing values; bad input rejects with INVALID_ARGUMENT and the core's message.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { analytics, cliJson, engineConfig, expectRejection, generateDataset } from './helpers.mjs'

const { Engine, forecastSeries, forecastBatch } = analytics
const NOW = '2026-04-20T00:00:00Z'

/** A weekly pattern on a slow trend. */
const weekly = (n) => Array.from({ length: n }, (_, i) => 100 + i * 0.5 + [0, 5, 9, 4, -3, -8, -6][i % 7])

let data
let engine
let scratch

before(async () => {
  data = generateDataset()
  engine = await Engine.fromDirectory(data.dir, engineConfig({ now: NOW }))
  scratch = mkdtempSync(join(tmpdir(), 'halobuzz-node-forecast-'))
})
after(() => {
  data?.cleanup()
  if (scratch) rmSync(scratch, { recursive: true, force: true })
})

describe('forecastSeries', () => {
  test('equals the CLI on the same series, with missing values', async () => {
    const values = weekly(60)
    values[10] = null
    values[20] = NaN
    const file = join(scratch, 's.csv')
    writeFileSync(file, 'value\n' + values.map((v) => (v === null ? '' : String(v))).join('\n') + '\n')
    const expected = cliJson(['forecast', '--series', file, '--horizon', '9', '--season', '7'])
    const got = await forecastSeries(values, { horizon: 9, seasonLength: 7 })
    assert.deepEqual(got, expected)
    assert.equal(got.filled, 2)
    assert.deepEqual(got.intervals.map((i) => i.level), [80, 95])
  })

  test('a Float64Array with NaN equals the array with null', async () => {
    const values = weekly(40)
    const typed = Float64Array.from(values)
    typed[5] = NaN
    values[5] = null
    const a = await forecastSeries(typed, { horizon: 3, seasonLength: 7, levels: [90] })
    const b = await forecastSeries(values, { horizon: 3, seasonLength: 7, levels: [90] })
    assert.deepEqual(a, b)
    assert.equal(a.filled, 1)
    assert.equal(a.point.length, 3)
  })

  test('dates date the forecast', async () => {
    const dates = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10))
    const f = await forecastSeries(weekly(30), { horizon: 2, dates, seasonLength: 7 })
    assert.deepEqual(f.dates, ['2026-01-31', '2026-02-01'])
  })
})

describe('forecastBatch', () => {
  test('forecasts in order, failures apart', async () => {
    const b = await forecastBatch(
      [
        { id: 'a', values: weekly(30), horizon: 3, seasonLength: 7 },
        { id: 'empty', values: [null, null], horizon: 3 },
        { id: 'b', values: Float64Array.from(weekly(30)), horizon: 3, seasonLength: 7 },
      ],
      { threads: 2 },
    )
    assert.deepEqual(b.forecasts.map((f) => f.id), ['a', 'b'])
    assert.deepEqual(b.forecasts[0].point, b.forecasts[1].point)
    assert.equal(b.failures.length, 1)
    assert.equal(b.failures[0].index, 1)
    assert.equal(b.failures[0].code, 'INVALID_ARGUMENT')
    assert.match(b.failures[0].message, /every value is missing/)
  })

  test('bad elements name their index', async () => {
    await expectRejection(() => forecastBatch([{ values: [1, 2], horizon: 1 }, 5]), 'INVALID_ARGUMENT', /series\[1\]/)
    await expectRejection(() => forecastBatch([{ values: [1, 'x'], horizon: 1 }]), 'INVALID_ARGUMENT', /values\[1\]/)
    await expectRejection(() => forecastBatch([{ values: [1, 2], horizon: 1, bogus: 1 }]), 'INVALID_ARGUMENT', /series\[0\].*bogus|bogus/)
    await expectRejection(() => forecastBatch([{ values: [1, 2], horizon: 1 }], { threads: 0 }), 'INVALID_ARGUMENT', /threads/)
    await expectRejection(() => forecastBatch('nope'), 'INVALID_ARGUMENT', /series/)
  })
})

describe('Engine.forecast', () => {
  test('equals the CLI', async () => {
    const to = data.manifest.end
    const expected = cliJson([
      'forecast', '--data', data.dir, '--usd-to-npr', '133.5', '--now', NOW,
      '--metric', 'revenue.total', '--horizon', '7', '--to', to, '--levels', '50,90',
    ])
    const got = await engine.forecast({ metric: 'revenue.total', horizon: 7, to, levels: [50, 90] })
    assert.deepEqual(got, expected)
    assert.equal(got.predictions.length, 7)
    assert.equal(got.historyTo, to)
  })

  test('store, then list', async () => {
    const fresh = await Engine.fromDirectory(data.dir, engineConfig({ now: NOW }))
    assert.deepEqual(await fresh.storedForecasts(), [])
    const f = await fresh.forecast({ metric: 'engagement.dau', horizon: 3, to: data.manifest.end, store: true })
    assert.deepEqual(await fresh.storedForecasts({ metric: 'engagement.dau' }), [f])
    assert.deepEqual(await fresh.storedForecasts({ country: 'NP' }), [])
  })

  test('bad options reject with the core message', async () => {
    await expectRejection(() => engine.forecast({ metric: 'revenue.total', horizon: 400 }), 'INVALID_ARGUMENT', /invalid horizon: .*366/)
    await expectRejection(() => engine.forecast({ metric: 'nope' }), 'INVALID_ARGUMENT', /metric/)
    await expectRejection(() => engine.forecast({ metric: 'revenue.total', method: 'magic' }), 'INVALID_ARGUMENT', /invalid method/)
    await expectRejection(() => engine.forecast(), 'INVALID_ARGUMENT', /metric/)
    await expectRejection(() => engine.storedForecasts({ from: '2026-02-30' }), 'INVALID_ARGUMENT', /invalid from/)
  })
})

describe('bad input to forecastSeries rejects with INVALID_ARGUMENT', () => {
  const cases = [
    ['empty values', () => forecastSeries([], { horizon: 3 }), /invalid values: is empty/],
    ['all missing', () => forecastSeries([NaN, null], { horizon: 3 }), /every value is missing/],
    ['an infinity', () => forecastSeries([1, Infinity], { horizon: 3 }), /infinite/],
    ['a negative horizon', () => forecastSeries([1, 2], { horizon: -1 }), /invalid horizon/],
    ['a huge horizon', () => forecastSeries([1, 2], { horizon: 1e9 }), /invalid horizon/],
    ['no horizon', () => forecastSeries([1, 2], {}), /horizon/],
    ['no options', () => forecastSeries([1, 2]), /horizon/],
    ['season 0', () => forecastSeries([1, 2], { horizon: 1, seasonLength: 0 }), /invalid seasonLength/],
    ['10,000 season lengths', () => forecastSeries([1, 2], { horizon: 1, seasonLength: Array.from({ length: 10000 }, (_, i) => i + 1) }), /seasonLength/],
    ['an unknown method', () => forecastSeries([1, 2], { horizon: 1, method: 'magic' }), /invalid method/],
    ['a bad date', () => forecastSeries([1, 2], { horizon: 1, dates: ['2026-01-01', '2026-02-30'] }), /dates/],
    ['a string value', () => forecastSeries([1, '2'], { horizon: 1 }), /values\[1\]/],
    ['a string for values', () => forecastSeries('1,2', { horizon: 1 }), /values/],
    ['an Int32Array', () => forecastSeries(Int32Array.from([1, 2]), { horizon: 1 }), /Float64Array/],
    ['values in the options', () => forecastSeries([1], { horizon: 1, values: [1] }), /first argument/],
    ['a 2-million-value series', () => forecastSeries(new Float64Array(2_000_000), { horizon: 1 }), /at most 1000000/],
    ['a sparse billion-element array', () => forecastSeries(new Array(1e9), { horizon: 1 }), /at most 1000000/],
  ]
  for (const [name, call, message] of cases) {
    test(name, () => expectRejection(call, 'INVALID_ARGUMENT', message))
  }
})
