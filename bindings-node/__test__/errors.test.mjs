// Every failure rejects the call's promise with an `Error` that has a stable `code`, the core's
// `category` and a message that says what to fix; nothing throws synchronously and nothing takes the
// process down.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { analytics, engineConfig, generateDataset } from './helpers.mjs'

const { Engine } = analytics

/** The core's category of each code (`Error::category`). */
const CATEGORY = {
  INVALID_ARGUMENT: 'invalidInput',
  NOT_A_DATA_DIRECTORY: 'data',
  AMBIGUOUS_DATA_FILE: 'data',
  READ_FAILED: 'data',
  STORAGE_ERROR: 'storage',
}

/**
 * Calls `call()`, checks that it returned a promise (no synchronous throw), and that it rejects with
 * `code` (and its category); returns the error.
 */
async function rejects(call, code, message) {
  let promise
  assert.doesNotThrow(() => {
    promise = call()
  })
  assert.ok(promise instanceof Promise)
  let error
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Error, `not an Error: ${err}`)
    assert.equal(err.code, code, err.message)
    assert.equal(err.category, CATEGORY[code], `${code}: ${err.message}`)
    if (message) assert.match(err.message, message)
    error = err
    return true
  })
  return error
}

let data
let engine
let scratch

before(async () => {
  data = generateDataset()
  engine = await Engine.fromDirectory(data.dir, engineConfig())
  scratch = mkdtempSync(join(tmpdir(), 'halobuzz-node-errors-'))
})
after(() => {
  data?.cleanup()
  if (scratch) rmSync(scratch, { recursive: true, force: true })
})

const range = () => ({ from: data.manifest.start, to: data.manifest.end })

describe('bad arguments reject with INVALID_ARGUMENT', () => {
  test('an unknown metric path, listing the valid ones', () =>
    rejects(() => engine.timeSeries({ ...range(), metric: 'revenue.totl' }), 'INVALID_ARGUMENT', /revenue\.totl.*revenue\.total/s))

  test('a report field that is not a metric of the catalog', () =>
    rejects(() => engine.timeSeries({ ...range(), metric: 'creators.topCreators' }), 'INVALID_ARGUMENT', /`creators\.topCreators` is not a metric/))

  test('the same bad request is refused alike by every method that takes it', async () => {
    const { start, end } = data.manifest
    const methods = [
      ['kpis', (q) => engine.kpis(q)],
      ['kpisFromRaw', (q) => engine.kpisFromRaw(q)],
      ['timeSeries', (q) => engine.timeSeries({ metric: 'revenue.total', ...q })],
      ['backfill', (q) => engine.backfill(q)],
    ]
    for (const [name, call] of methods) {
      const loose = await rejects(() => call({ from: '2026-4-1', to: '2026-04-30' }), 'INVALID_ARGUMENT')
      assert.match(loose.message, /^invalid from: `2026-4-1` is not a local date written YYYY-MM-DD$/, name)
      const unknown = await rejects(() => call({ from: start, to: end, bogus: 1 }), 'INVALID_ARGUMENT')
      assert.match(unknown.message, /^invalid bogus: unknown field `bogus`, expected one of .*`from`/, name)
    }
    for (const open of [(c) => Engine.fromDirectory(data.dir, c), (c) => Engine.fromGenerator({ users: 10, days: 2 }, c)]) {
      await rejects(() => open({ appId: '' }), 'INVALID_ARGUMENT', /invalid appId: must not be empty/)
    }
  })

  test('`from` after `to`', async () => {
    const reversed = { from: data.manifest.end, to: data.manifest.start }
    await rejects(() => engine.kpis(reversed), 'INVALID_ARGUMENT', /`from` .* is after `to`/)
    await rejects(() => engine.kpisFromRaw(reversed), 'INVALID_ARGUMENT', /is after/)
    await rejects(() => engine.timeSeries({ ...reversed, metric: 'revenue.total' }), 'INVALID_ARGUMENT', /is after/)
    await rejects(() => engine.backfill(reversed), 'INVALID_ARGUMENT', /is after/)
  })

  test('an unknown country format', async () => {
    for (const country of ['Nepal', 'N', 'NPL', '12', 'N1', 'ÑP']) {
      await rejects(() => engine.kpis({ ...range(), country }), 'INVALID_ARGUMENT', /country/)
    }
    await rejects(() => engine.timeSeries({ ...range(), metric: 'revenue.total', country: 'Nepal' }), 'INVALID_ARGUMENT', /ISO-3166/)
  })

  test('an invalid time zone, before any data is read', async () => {
    await rejects(() => Engine.fromDirectory(data.dir, { timezone: 'Mars/Olympus' }), 'INVALID_ARGUMENT', /timezone.*Mars\/Olympus.*IANA/)
    // `tz`, the option's former name, is still accepted.
    await rejects(() => Engine.fromDirectory(join(scratch, 'missing'), { tz: 'Mars/Olympus' }), 'INVALID_ARGUMENT', /time zone/)
    await rejects(() => Engine.fromGenerator({ users: 10, days: 2 }, { env: { REPORTS_TZ: 'Nowhere/Land' } }), 'INVALID_ARGUMENT', /Nowhere\/Land/)
  })

  test('malformed dates, and Date objects instead of day strings', async () => {
    for (const from of ['2026-3-21', '21/03/2026', '2026-02-30', '2026-03-21T00:00:00Z', '', 'yesterday']) {
      await rejects(() => engine.kpis({ from, to: data.manifest.end }), 'INVALID_ARGUMENT', /YYYY-MM-DD/)
    }
    const instant = new Date('2026-03-21T00:00:00Z')
    await rejects(() => engine.kpis({ from: instant, to: data.manifest.end }), 'INVALID_ARGUMENT', /invalid from:.*YYYY-MM-DD \(a string, not a date object\)/)
    await rejects(() => engine.kpis({ from: 20260321, to: data.manifest.end }), 'INVALID_ARGUMENT', /invalid from:/)
    await rejects(() => engine.rollupDay('2026/03/25'), 'INVALID_ARGUMENT', /invalid date: `2026\/03\/25`/)
    await rejects(() => engine.rollupsOfDay(instant), 'INVALID_ARGUMENT', /invalid date:.*not a date object/)
  })

  test('missing, misspelt or mistyped options', async () => {
    await rejects(() => engine.kpis(), 'INVALID_ARGUMENT', /invalid query: missing field `from`/)
    await rejects(() => engine.kpis('2026-03-21'), 'INVALID_ARGUMENT', /expected an object/)
    await rejects(() => engine.kpis({ from: data.manifest.start }), 'INVALID_ARGUMENT', /missing field `to`/)
    await rejects(() => engine.kpis({ from: undefined, to: data.manifest.end }), 'INVALID_ARGUMENT', /missing field `from`/)
    await rejects(() => engine.kpis({ from: null, to: data.manifest.end }), 'INVALID_ARGUMENT', /missing field `from`/)
    await rejects(() => engine.kpis({ ...range(), contry: 'NP' }), 'INVALID_ARGUMENT', /unknown field `contry`/)
    await rejects(() => engine.timeSeries({ ...range() }), 'INVALID_ARGUMENT', /missing field `metric`/)
    await rejects(() => engine.timeSeries({ ...range(), metric: 'revenue.total', granularity: 'hour' }), 'INVALID_ARGUMENT', /granularity/)
    await rejects(() => engine.backfill({ ...range(), force: 'yes' }), 'INVALID_ARGUMENT', /invalid force:/)
    await rejects(() => engine.backfill(range(), 'not a function'), 'INVALID_ARGUMENT', /onProgress/)
    await rejects(() => engine.rollupDay(), 'INVALID_ARGUMENT', /missing field `date`/)
  })

  test('bad engine configuration', async () => {
    const cases = [
      [{ usdToNpr: -1 }, /usdToNpr/],
      [{ usdToNpr: 'lots' }, /usdToNpr/],
      [{ usdToNpr: 0 }, /usdToNpr/],
      [{ appId: '' }, /appId/],
      [{ pseudonymKey: '' }, /pseudonymKey/],
      [{ alerts: { dropPct: -5 } }, /alerts\.dropPct/],
      [{ alerts: { abuseThreshold: 1.5 } }, /abuseThreshold/],
      [{ alerts: { dropPct: 5, typo: 1 } }, /unknown field `typo`/],
      [{ timeZone: 'UTC' }, /unknown field `timeZone`/],
      [{ maxRangeDays: 0 }, /invalid maxRangeDays/],
      [{ settleMinutes: 99999 }, /invalid settleMinutes/],
      [{ now: 'yesterday' }, /invalid now: `yesterday` is not an RFC 3339 instant/],
      [{ env: { ALERT_INFRA_THRESHOLD: 'lots' } }, /ALERT_INFRA_THRESHOLD/],
      [{ env: { USD_TO_NPR: '-3' } }, /usdToNpr/],
      ['Australia/Sydney', /expected an object/],
    ]
    for (const [config, message] of cases) {
      await rejects(() => Engine.fromDirectory(data.dir, config), 'INVALID_ARGUMENT', message)
    }
  })

  test('bad data sources', async () => {
    await rejects(() => Engine.fromDirectory(''), 'INVALID_ARGUMENT', /invalid source: must not be empty/)
    await rejects(() => Engine.fromDirectory('ftp://host/data'), 'INVALID_ARGUMENT', /invalid source: .*scheme/)
    // A malformed MongoDB URI: its user information (a password) never appears in the message.
    const uri = await rejects(() => Engine.fromDirectory('mongodb://admin:hunter2@'), 'INVALID_ARGUMENT', /invalid source: .*MongoDB URI/)
    assert.doesNotMatch(uri.message, /hunter2|admin/)
    await rejects(() => Engine.fromDirectory(42), 'INVALID_ARGUMENT', /invalid source: expected a string/)
    await rejects(() => Engine.fromDirectory(data.dir, {}, { database: 'halobuzz' }), 'INVALID_ARGUMENT', /database.*mongodb:\/\//)
    await rejects(() => Engine.fromDirectory('mongodb://127.0.0.1:1', {}, { database: '' }), 'INVALID_ARGUMENT', /invalid database/)
    await rejects(() => Engine.fromDirectory(data.dir, {}, { db: 'x' }), 'INVALID_ARGUMENT', /unknown field `db`/)
  })

  test('bad generator options', async () => {
    await rejects(() => Engine.fromGenerator({ users: 0 }), 'INVALID_ARGUMENT', /users/)
    await rejects(() => Engine.fromGenerator({ users: -5 }), 'INVALID_ARGUMENT', /users/)
    await rejects(() => Engine.fromGenerator({ seed: -1 }), 'INVALID_ARGUMENT', /seed/)
    await rejects(() => Engine.fromGenerator({ invalidRate: 0.9 }), 'INVALID_ARGUMENT', /invalidRate/)
    await rejects(() => Engine.fromGenerator({ start: '1990-01-01' }), 'INVALID_ARGUMENT', /window/)
    await rejects(() => Engine.fromGenerator({ users: 10, days: 5, revenueDrop: { day: '2030-01-01', pct: 40 } }), 'INVALID_ARGUMENT', /revenueDrop/)
    await rejects(() => Engine.fromGenerator({ usres: 10 }), 'INVALID_ARGUMENT', /unknown field `usres`/)
  })

  test('ranges before 2000-01-01 or longer than maxRangeDays', async () => {
    await rejects(() => engine.kpis({ from: '1999-12-31', to: data.manifest.end }), 'INVALID_ARGUMENT', /invalid date range: .*outside 2000-01-01/)
    const short = await Engine.fromDirectory(data.dir, engineConfig({ maxRangeDays: 7 }))
    await rejects(() => short.kpis(range()), 'INVALID_ARGUMENT', /at most 7/)
    await rejects(() => short.backfill(range()), 'INVALID_ARGUMENT', /at most 7/)
    await rejects(() => short.backfillRecent({ days: 8 }), 'INVALID_ARGUMENT', /between 1 and 7/)
    await rejects(() => short.backfillRecent(), 'INVALID_ARGUMENT', /invalid query: missing field `days`/)
  })

  test('reports that show user ids need a pseudonym key', async () => {
    const keyless = await Engine.fromDirectory(data.dir, { usdToNpr: '133.5' })
    await rejects(() => keyless.kpis(range()), 'INVALID_ARGUMENT', /invalid pseudonymKey: .*ephemeralPseudonymKey/)
    const ephemeral = await Engine.fromDirectory(data.dir, { usdToNpr: '133.5', ephemeralPseudonymKey: true })
    assert.ok((await ephemeral.kpis(range())).engagement.activeUsers > 0)
  })

  test('USD amounts without an exchange rate', async () => {
    const noRate = await Engine.fromDirectory(data.dir, { pseudonymKey: 'x' })
    await rejects(() => noRate.kpis(range()), 'INVALID_ARGUMENT', /usdToNpr/)
    await rejects(() => noRate.timeSeries({ ...range(), metric: 'revenue.total' }), 'INVALID_ARGUMENT', /USD/)
  })
})

describe('data directory errors keep the core codes', () => {
  test('NOT_A_DATA_DIRECTORY', async () => {
    await rejects(() => Engine.fromDirectory(join(scratch, 'does-not-exist')), 'NOT_A_DATA_DIRECTORY', /does-not-exist/)
    const file = join(scratch, 'a-file.json')
    writeFileSync(file, '{}\n')
    await rejects(() => Engine.fromDirectory(file), 'NOT_A_DATA_DIRECTORY', /a-file\.json/)
  })

  test('a MongoDB URI instead of a directory: an unreachable server is STORAGE_ERROR naming the host', async () => {
    // Port 1 on loopback: nothing listens there; the store gives up after its 5 s server-selection timeout.
    const err = await rejects(() => Engine.fromDirectory('mongodb://127.0.0.1:1/halobuzz'), 'STORAGE_ERROR', /127\.0\.0\.1:1/)
    // The driver's error, kept as the core error's source, follows on a `Caused by:` line.
    assert.match(err.message, /\nCaused by: .*Server selection timeout/)
  })

  test('AMBIGUOUS_DATA_FILE', async () => {
    const dir = join(scratch, 'ambiguous')
    mkdirSync(dir)
    writeFileSync(join(dir, 'users.json'), '')
    writeFileSync(join(dir, 'users.ndjson'), '')
    await rejects(() => Engine.fromDirectory(dir), 'AMBIGUOUS_DATA_FILE', /users\.json.*users\.ndjson|users\.ndjson.*users\.json/)
  })

  test('READ_FAILED', async () => {
    const dir = join(scratch, 'corrupt')
    mkdirSync(dir)
    writeFileSync(join(dir, 'users.json.gz'), 'this is not gzip data\n'.repeat(10))
    await rejects(() => Engine.fromDirectory(dir), 'READ_FAILED', /users\.json\.gz/)
  })

  test('an empty directory is an empty (valid) store', async () => {
    const dir = join(scratch, 'empty')
    mkdirSync(dir)
    const empty = await Engine.fromDirectory(dir, engineConfig())
    const report = await empty.kpis({ from: '2026-03-01', to: '2026-03-02' })
    assert.equal(report.engagement.activeUsers, 0)
  })
})

describe('JavaScript exceptions', () => {
  test('a throwing progress callback stops the backfill, which rejects with what it threw', async () => {
    const thrown = new RangeError('stop here')
    let calls = 0
    await assert.rejects(
      engine.backfill({ ...range(), force: true }, (p) => {
        calls++
        if (p.done === 3) throw thrown
      }),
      (err) => err === thrown,
    )
    // Not called again.
    assert.equal(calls, 3)
    // The days rolled up before it stopped stay stored, and the engine still works.
    const again = await engine.backfill(range())
    assert.ok(again.skipped >= 3, JSON.stringify(again))
    assert.equal(again.computed + again.skipped, again.days)
  })

  test('throwing a non-Error value is passed on as well', async () => {
    await assert.rejects(
      engine.backfill({ ...range(), force: true }, () => {
        throw 'plain string'
      }),
      (err) => err === 'plain string',
    )
  })

  test('the engine has no public constructor', () => {
    assert.throws(() => new Engine())
  })
})

test('after all of the above, the engine still answers', async () => {
  const report = await engine.kpis(range())
  assert.ok(report.engagement.activeUsers > 0)
})
