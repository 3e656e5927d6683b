// The binding's results are the Rust engine's JSON: the same data gives, field for field and in the same
// order, what `halobuzz-analytics … --json` prints.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { addDays, analytics, cli, cliJson, DATASET, engineConfig, generateDataset } from './helpers.mjs'

const { Engine, metricPaths, metrics } = analytics

/** Same values and the same key order: the JSON text the CLI printed, re-serialised compactly. */
function assertSameJson(actual, expected) {
  assert.deepStrictEqual(actual, expected)
  assert.equal(JSON.stringify(actual), JSON.stringify(expected))
}

let data
let engine

before(async () => {
  data = generateDataset()
  engine = await Engine.fromDirectory(data.dir, engineConfig())
})
after(() => data?.cleanup())

describe('kpis equal `halobuzz-analytics kpis --json`', () => {
  const ranges = () => {
    const { start, end } = data.manifest
    return [
      ['the whole window', start, end],
      ['the last 7 days', addDays(end, -6), end],
      ['the Sydney DST-change day', '2026-04-05', '2026-04-05'],
      ['a range before the data', addDays(start, -20), addDays(start, -1)],
    ]
  }

  for (const country of ['ALL', 'NP', 'UNKNOWN']) {
    test(`country ${country}`, async () => {
      for (const [, from, to] of ranges()) {
        const expected = cliJson(['kpis', '--data', data.dir, '--from', from, '--to', to, '--country', country, '--usd-to-npr', '133.5'])
        assertSameJson(await engine.kpis({ from, to, country }), expected)
      }
    })
  }

  test('from raw records (`--raw`)', async () => {
    const { start, end } = data.manifest
    const expected = cliJson(['kpis', '--data', data.dir, '--from', start, '--to', end, '--raw', '--usd-to-npr', '133.5'])
    assertSameJson(await engine.kpisFromRaw({ from: start, to: end }), expected)
    // And the rollup path agrees with the raw one.
    assertSameJson(await engine.kpis({ from: start, to: end }), expected)
  })

  test('in another time zone (`--tz`)', async () => {
    const kathmandu = await Engine.fromDirectory(data.dir, engineConfig({ timezone: 'Asia/Kathmandu' }))
    const { start, end } = data.manifest
    const expected = cliJson(['kpis', '--data', data.dir, '--from', start, '--to', end, '--tz', 'Asia/Kathmandu', '--usd-to-npr', '133.5'])
    const report = await kathmandu.kpis({ from: start, to: end })
    assert.equal(report.period.timezone, 'Asia/Kathmandu')
    assertSameJson(report, expected)
  })

  test('lower-case country codes are accepted', async () => {
    const { start, end } = data.manifest
    assertSameJson(await engine.kpis({ from: start, to: end, country: 'np' }), await engine.kpis({ from: start, to: end, country: 'NP' }))
  })

  test('a country left out, undefined or null is ALL', async () => {
    const { start, end } = data.manifest
    const all = await engine.kpis({ from: start, to: end, country: 'ALL' })
    for (const country of [undefined, null, '', 'all']) {
      assertSameJson(await engine.kpis({ from: start, to: end, country }), all)
    }
    assertSameJson(await engine.kpis({ from: start, to: end }), all)
  })

  test('nulls stay null and dates are ISO strings', async () => {
    // Years before any document: every ratio has a zero denominator.
    const report = await engine.kpis({ from: '2001-01-10', to: '2001-01-20' })
    assert.equal(report.revenue.growth, null)
    assert.equal(report.monetization.arpu, null)
    assert.equal(typeof report.period.from, 'string')
    assert.match(report.period.previousFrom, /^\d{4}-\d{2}-\d{2}$/)
  })
})

describe('timeSeries equals `halobuzz-analytics timeseries --json`', () => {
  const cases = [
    ['revenue.total', 'week', 'ALL'],
    ['engagement.dau', 'day', 'ALL'],
    ['monetization.arpu', 'month', 'ALL'],
    ['retention.d1Retention', 'week', 'NP'],
    ['revenue.byPaymentMethod.esewa', 'day', 'NP'],
    ['revenue.byOGTier.unknown', 'month', 'ALL'],
    ['gaming.houseEdge', 'daily', 'UNKNOWN'],
  ]
  for (const [metric, granularity, country] of cases) {
    test(`${metric} per ${granularity}, ${country}`, async () => {
      const { start, end } = data.manifest
      const expected = cliJson([
        'timeseries', '--data', data.dir, '--from', start, '--to', end,
        '--metric', metric, '--granularity', granularity, '--country', country, '--usd-to-npr', '133.5',
      ])
      assertSameJson(await engine.timeSeries({ metric, from: start, to: end, granularity, country }), expected)
    })
  }

  test('metricPaths() lists every path the engine accepts', async () => {
    const paths = metricPaths()
    assert.ok(paths.includes('revenue.total') && paths.includes('engagement.dau'))
    assert.ok(paths.every((p) => !p.startsWith('period.')))
    const { end } = data.manifest
    for (const metric of paths) {
      const series = await engine.timeSeries({ metric, from: end, to: end })
      assert.equal(series.points.length, 1, metric)
    }
  })

  test('metrics() is the catalog: the same ids, with unit, kind and aliases', async () => {
    const catalog = metrics()
    assert.deepStrictEqual(catalog.map((m) => m.id), metricPaths())
    const total = catalog.find((m) => m.id === 'revenue.total')
    assert.equal(total.unit, 'npr')
    assert.equal(total.section, 'revenue')
    assert.equal(total.kind, 'sum')
    assert.ok(total.description.length > 0)
    // Every alias names the same series as the id.
    const { start, end } = data.manifest
    for (const m of catalog.filter((m) => m.aliases.length > 0).slice(0, 5)) {
      const byId = await engine.timeSeries({ metric: m.id, from: start, to: end })
      for (const alias of m.aliases) {
        assert.deepStrictEqual((await engine.timeSeries({ metric: alias, from: start, to: end })).points, byId.points, alias)
      }
    }
  })
})

test('qualityReport() equals `halobuzz-analytics quality --json`', async () => {
  assertSameJson(await engine.qualityReport(), cliJson(['quality', '--data', data.dir]))
})

/** The distinct sets of a rollup, which a view gives by their sizes. */
const SETS = ['active', 'payers', 'ogBuyers', 'players', 'signups', 'newHosts', 'hosts', 'rounds', 'memberMoney', 'memberCounts']

/** The number of members of a roaring bitmap in its portable serialisation (the container headers). */
function roaringCardinality(bytes) {
  const cookie = bytes.readUInt32LE(0)
  let containers
  let offset
  if (cookie === 12346) {
    containers = bytes.readUInt32LE(4)
    offset = 8
  } else if ((cookie & 0xffff) === 12347) {
    containers = (cookie >>> 16) + 1
    offset = 4 + Math.ceil(containers / 8)
  } else {
    throw new Error(`not a roaring bitmap (cookie ${cookie})`)
  }
  let n = 0
  for (let i = 0; i < containers; i++) n += bytes.readUInt16LE(offset + 4 * i + 2) + 1
  return n
}

/**
 * The view of a stored rollup document (relaxed Extended JSON): every set by its size (user sets are
 * `$binary` roaring bitmaps, hosts and rounds `{ set, values }` with one value per member, the per-member
 * facts `{ set, values }` with the values packed in one binary), without the
 * storage's publication `generation`.
 */
function viewOfDocument({ generation, ...doc }) {
  const bitmap = (b) => roaringCardinality(Buffer.from(b.$binary.base64, 'base64'))
  const size = (v) => ('$binary' in v ? bitmap(v) : Array.isArray(v.values) ? v.values.length : bitmap(v.set))
  const facts = { ...doc.facts }
  for (const k of SETS) facts[k] = size(doc.facts[k])
  return { ...doc, facts }
}

test('rollupDay() returns the views of the documents `halobuzz-analytics rollup --out` writes', async () => {
  const day = addDays(data.manifest.start, 3)
  const out = join(data.dir, 'rollups.jsonl')
  cli(['rollup', '--data', data.dir, '--date', day, '--out', out])
  const expected = readFileSync(out, 'utf8').trim().split('\n').map((line) => viewOfDocument(JSON.parse(line)))
  const views = await engine.rollupDay(day)
  assert.equal(views.length, expected.length)
  assert.equal(views[0].country, 'ALL')
  const withoutTime = ({ computedAt, ...rest }) => {
    assert.match(computedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/)
    return rest
  }
  assert.deepStrictEqual(views.map(withoutTime), expected.map(withoutTime))
  // What was stored is what was returned.
  assert.deepStrictEqual(await engine.rollupsOfDay(day), views)
  assert.deepStrictEqual(await engine.rollupsOfDay('1999-01-01'), [])
})

test('Engine.fromGenerator() holds the same data as `halobuzz-analytics generate`', async () => {
  const generated = await Engine.fromGenerator(DATASET, engineConfig())
  const manifest = generated.generationManifest
  assert.deepStrictEqual(manifest, data.manifest)
  assert.equal(engine.generationManifest, null)
  const { start, end } = manifest
  assertSameJson(await generated.kpis({ from: start, to: end }), await engine.kpis({ from: start, to: end }))
  const { collections } = await generated.qualityReport()
  const fromFiles = (await engine.qualityReport()).collections
  // Counts agree; line numbers exist only for documents read from files.
  const counts = ({ collection, read, valid, invalid, duplicates, invalidByField }) =>
    ({ collection, read, valid, invalid, duplicates, invalidByField })
  assert.deepStrictEqual(collections.map(counts), fromFiles.map(counts))
})

test('backfill() reports every day and skips what is already rolled up', async () => {
  const fresh = await Engine.fromDirectory(data.dir, engineConfig())
  const { start, end } = data.manifest
  const seen = []
  const first = await fresh.backfill({ from: start, to: end }, (p) => seen.push(p))
  assert.deepStrictEqual(Object.keys(first), ['days', 'computed', 'skipped', 'rollupsWritten', 'cancelled'])
  assert.equal(first.cancelled, false)
  assert.equal(first.days, DATASET.days)
  assert.equal(first.computed, DATASET.days)
  assert.equal(seen.length, DATASET.days)
  assert.deepStrictEqual(seen.map((p) => p.done), Array.from({ length: DATASET.days }, (_, i) => i + 1))
  assert.deepStrictEqual(seen[0], { done: 1, total: DATASET.days, date: start, skipped: false })
  const again = await fresh.backfill({ from: start, to: end })
  assert.deepStrictEqual(again, { days: DATASET.days, computed: 0, skipped: DATASET.days, rollupsWritten: 0, cancelled: false })
  const forced = await fresh.backfill({ from: start, to: end, force: true })
  assert.deepStrictEqual(forced, first)
})

test('config.env reads the old service variables, and options override them', async () => {
  const { start, end } = data.manifest
  const fromEnv = await Engine.fromDirectory(data.dir, {
    env: { REPORTS_TZ: 'Asia/Kathmandu', USD_TO_NPR: '133.5', ANALYTICS_PSEUDONYM_KEY: engineConfig().pseudonymKey, UNRELATED: undefined },
  })
  const expected = cliJson(['kpis', '--data', data.dir, '--from', start, '--to', end, '--tz', 'Asia/Kathmandu', '--usd-to-npr', '133.5'])
  assertSameJson(await fromEnv.kpis({ from: start, to: end }), expected)
  const overridden = await Engine.fromDirectory(data.dir, { ...engineConfig(), env: { REPORTS_TZ: 'Asia/Kathmandu' }, timezone: 'Australia/Sydney' })
  assert.equal((await overridden.kpis({ from: start, to: end })).period.timezone, 'Australia/Sydney')
  // `tz`, the former name of `timezone`, still works.
  const legacy = await Engine.fromDirectory(data.dir, { ...engineConfig(), tz: 'Asia/Kathmandu' })
  assert.equal((await legacy.kpis({ from: start, to: end })).period.timezone, 'Asia/Kathmandu')
})

test('revealUserIds puts raw host ids in topCreators', async () => {
  const { start, end } = data.manifest
  const revealing = await Engine.fromDirectory(data.dir, engineConfig({ revealUserIds: true }))
  const expected = cliJson(['kpis', '--data', data.dir, '--from', start, '--to', end, '--reveal-user-ids', '--usd-to-npr', '133.5'])
  const report = await revealing.kpis({ from: start, to: end })
  assertSameJson(report, expected)
  assert.match(report.creators.topCreators[0].hostId, /^[0-9a-f]{24}$/)
})
