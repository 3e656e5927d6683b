// Every failure rejects the call's promise with an `Error` that has a stable `code` and a message that
// says what to fix; nothing throws synchronously and nothing takes the process down.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { analytics, engineConfig, generateDataset } from './helpers.mjs'

const { Engine } = analytics

/** Calls `call()`, checks that it returned a promise (no synchronous throw), and that it rejects with `code`. */
async function rejects(call, code, message) {
  let promise
  assert.doesNotThrow(() => {
    promise = call()
  })
  assert.ok(promise instanceof Promise)
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Error, `not an Error: ${err}`)
    assert.equal(err.code, code, err.message)
    if (message) assert.match(err.message, message)
    return true
  })
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

  test('a metric path that is not numeric', () =>
    rejects(() => engine.timeSeries({ ...range(), metric: 'creators.topCreators' }), 'INVALID_ARGUMENT', /not a numeric metric path/))

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
    await rejects(() => Engine.fromDirectory(data.dir, { tz: 'Mars/Olympus' }), 'INVALID_ARGUMENT', /Mars\/Olympus.*IANA/)
    await rejects(() => Engine.fromDirectory(join(scratch, 'missing'), { tz: 'Mars/Olympus' }), 'INVALID_ARGUMENT', /time zone/)
    await rejects(() => Engine.fromGenerator({ users: 10, days: 2 }, { env: { REPORTS_TZ: 'Nowhere/Land' } }), 'INVALID_ARGUMENT', /Nowhere\/Land/)
  })

  test('malformed dates, and Date objects instead of day strings', async () => {
    for (const from of ['2026-3-21', '21/03/2026', '2026-02-30', '2026-03-21T00:00:00Z', '', 'yesterday']) {
      await rejects(() => engine.kpis({ from, to: data.manifest.end }), 'INVALID_ARGUMENT', /YYYY-MM-DD/)
    }
    await rejects(() => engine.kpis({ from: new Date(), to: data.manifest.end }), 'INVALID_ARGUMENT', /`from`.*YYYY-MM-DD/)
    await rejects(() => engine.kpis({ from: 20260321, to: data.manifest.end }), 'INVALID_ARGUMENT', /`from`/)
    await rejects(() => engine.rollupDay('2026/03/25'), 'INVALID_ARGUMENT', /date/)
    await rejects(() => engine.rollupsOfDay(new Date()), 'INVALID_ARGUMENT', /date/)
  })

  test('missing, misspelt or mistyped options', async () => {
    await rejects(() => engine.kpis(), 'INVALID_ARGUMENT', /pass an object/)
    await rejects(() => engine.kpis('2026-03-21'), 'INVALID_ARGUMENT', /expected an object/)
    await rejects(() => engine.kpis({ from: data.manifest.start }), 'INVALID_ARGUMENT', /missing field `to`/)
    await rejects(() => engine.kpis({ from: undefined, to: data.manifest.end }), 'INVALID_ARGUMENT', /missing field `from`/)
    await rejects(() => engine.kpis({ from: null, to: data.manifest.end }), 'INVALID_ARGUMENT', /missing field `from`/)
    await rejects(() => engine.kpis({ ...range(), contry: 'NP' }), 'INVALID_ARGUMENT', /unknown field `contry`/)
    await rejects(() => engine.timeSeries({ ...range() }), 'INVALID_ARGUMENT', /missing field `metric`/)
    await rejects(() => engine.timeSeries({ ...range(), metric: 'revenue.total', granularity: 'hour' }), 'INVALID_ARGUMENT', /granularity/)
    await rejects(() => engine.backfill({ ...range(), force: 'yes' }), 'INVALID_ARGUMENT', /`force`/)
    await rejects(() => engine.backfill(range(), 'not a function'), 'INVALID_ARGUMENT', /onProgress/)
    await rejects(() => engine.rollupDay(), 'INVALID_ARGUMENT', /date/)
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
      [{ timezone: 'UTC' }, /unknown field `timezone`/],
      [{ env: { ALERT_INFRA_THRESHOLD: 'lots' } }, /ALERT_INFRA_THRESHOLD/],
      [{ env: { USD_TO_NPR: '-3' } }, /usdToNpr/],
      ['Australia/Sydney', /expected an object/],
    ]
    for (const [config, message] of cases) {
      await rejects(() => Engine.fromDirectory(data.dir, config), 'INVALID_ARGUMENT', message)
    }
  })

  test('bad generator options', async () => {
    await rejects(() => Engine.fromGenerator({ users: 0 }), 'INVALID_ARGUMENT', /users/)
    await rejects(() => Engine.fromGenerator({ users: -5 }), 'INVALID_ARGUMENT', /users/)
    await rejects(() => Engine.fromGenerator({ seed: -1 }), 'INVALID_ARGUMENT', /seed/)
    await rejects(() => Engine.fromGenerator({ invalidRate: 0.9 }), 'INVALID_ARGUMENT', /invalid_rate/)
    await rejects(() => Engine.fromGenerator({ start: '1990-01-01' }), 'INVALID_ARGUMENT', /window/)
    await rejects(() => Engine.fromGenerator({ users: 10, days: 5, revenueDrop: { day: '2030-01-01', pct: 40 } }), 'INVALID_ARGUMENT', /revenue_drop/)
    await rejects(() => Engine.fromGenerator({ usres: 10 }), 'INVALID_ARGUMENT', /unknown field `usres`/)
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
    await rejects(() => Engine.fromDirectory('mongodb://127.0.0.1:1/halobuzz'), 'STORAGE_ERROR', /127\.0\.0\.1:1/)
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
  test('a throwing progress callback rejects the backfill with what it threw, and is not called again', async () => {
    const thrown = new RangeError('stop here')
    let calls = 0
    await assert.rejects(
      engine.backfill({ ...range(), force: true }, (p) => {
        calls++
        if (p.done === 3) throw thrown
      }),
      (err) => err === thrown,
    )
    assert.equal(calls, 3)
    // The rollups were still written and the engine still works.
    const again = await engine.backfill(range())
    assert.equal(again.computed, 0)
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
