// Every failure rejects the call's promise with an `Error` that has a stable `code`, the core's
// `category` and a message that says what to fix; nothing throws synchronously and nothing takes the
// process down.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { allowInternalErrors, analytics, CATEGORY, engineConfig, expectRejection, generateDataset, packageDir } from './helpers.mjs'

const { Engine } = analytics

const rejects = expectRejection

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
      ['retentionMatrix', (q) => engine.retentionMatrix(q)],
      ['lifecycle', (q) => engine.lifecycle(q)],
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
    await rejects(() => engine.retentionMatrix(reversed), 'INVALID_ARGUMENT', /is after/)
    await rejects(() => engine.lifecycle(reversed), 'INVALID_ARGUMENT', /is after/)
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

describe('arguments that could take the process down reject instead', () => {
  /** `{ [key]: { [key]: … value … } }`, `levels` objects deep, built without recursion. */
  const nest = (levels, key = 'a', value = {}) => {
    let o = value
    for (let i = 0; i < levels; i++) o = { [key]: o }
    return o
  }

  test('an object nested 10,000 or 100,000 levels deep (it would overflow the stack)', async () => {
    for (const levels of [10_000, 100_000]) {
      const deep = nest(levels)
      await rejects(() => engine.kpis({ ...range(), country: deep }), 'INVALID_ARGUMENT', /^invalid query: nested deeper than 32 levels/)
      await rejects(() => Engine.fromDirectory(data.dir, { env: deep }), 'INVALID_ARGUMENT', /^invalid config: nested deeper than 32 levels/)
      await rejects(() => Engine.fromGenerator(deep), 'INVALID_ARGUMENT', /^invalid options: nested deeper than 32 levels/)
      await rejects(() => Engine.fromDirectory(data.dir, {}, deep), 'INVALID_ARGUMENT', /^invalid options: nested deeper than 32 levels/)
      await rejects(() => engine.rollupDay(deep), 'INVALID_ARGUMENT', /^invalid date: nested deeper than 32 levels/)
      await rejects(() => engine.backfill(deep), 'INVALID_ARGUMENT', /nested deeper than 32 levels/)
      await rejects(() => engine.backfillRecent(deep), 'INVALID_ARGUMENT', /nested deeper than 32 levels/)
      await rejects(() => engine.timeSeries(deep), 'INVALID_ARGUMENT', /nested deeper than 32 levels/)
      await rejects(() => engine.kpisFromRaw(deep), 'INVALID_ARGUMENT', /nested deeper than 32 levels/)
      // Arrays count as levels too.
      let array = []
      for (let i = 0; i < levels; i++) array = [array]
      await rejects(() => engine.kpis(array), 'INVALID_ARGUMENT', /^invalid query: nested deeper than 32 levels/)
    }
  })

  test('32 levels are read (and judged by the request layer), 33 are not', async () => {
    // The query is level 1, so 31 more objects make 32 levels.
    await rejects(() => engine.kpis({ ...range(), bogus: nest(30) }), 'INVALID_ARGUMENT', /^invalid bogus: unknown field `bogus`/)
    await rejects(() => engine.kpis({ ...range(), bogus: nest(31) }), 'INVALID_ARGUMENT', /^invalid query: nested deeper than 32 levels/)
  })

  test('a cyclic object', async () => {
    const cyclic = { ...range() }
    cyclic.self = cyclic
    await rejects(() => engine.kpis(cyclic), 'INVALID_ARGUMENT', /nested deeper than 32 levels \(a cyclic object\?\)/)
    const env = {}
    env.env = env
    await rejects(() => Engine.fromDirectory(data.dir, { env }), 'INVALID_ARGUMENT', /nested deeper/)
  })

  test('more than 10,000 values', async () => {
    await rejects(() => engine.kpis({ ...range(), country: new Array(2 ** 32 - 1) }), 'INVALID_ARGUMENT', /^invalid query: holds more than 10000 values$/)
    const wide = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))
    await rejects(() => Engine.fromDirectory(data.dir, { env: wide }), 'INVALID_ARGUMENT', /^invalid config: holds more than 10000 values$/)
    // process.env (a few hundred variables at most) is well below it.
    const withEnv = await Engine.fromDirectory(data.dir, engineConfig({ env: { ...process.env, USD_TO_NPR: undefined } }))
    assert.ok((await withEnv.kpis(range())).engagement.activeUsers > 0)
  })

  test('a getter or a proxy trap that throws rejects with what it threw, never synchronously', async () => {
    const thrown = new RangeError('from a getter')
    const query = { ...range() }
    Object.defineProperty(query, 'country', { enumerable: true, get: () => { throw thrown } })
    for (const call of [() => engine.kpis(query), () => Engine.fromGenerator(query), () => engine.rollupDay([1, query])]) {
      let promise
      assert.doesNotThrow(() => {
        promise = call()
      })
      await assert.rejects(promise, (err) => err === thrown)
    }
    const trap = new Error('from a proxy trap')
    const proxy = new Proxy({}, { ownKeys: () => { throw trap } })
    await assert.rejects(engine.kpis(proxy), (err) => err === trap)
    const revocable = Proxy.revocable({}, {})
    revocable.revoke()
    await assert.rejects(engine.kpis(revocable.proxy), TypeError)
    // A thrown value whose own `toString` throws, and a thrown symbol: still a rejection.
    const nasty = { toString: () => { throw new Error('again') } }
    await assert.rejects(engine.kpis({ get from() { throw nasty } }), (err) => err === nasty)
    const symbol = Symbol('thrown')
    await assert.rejects(engine.kpis({ get from() { throw symbol } }), (err) => err === symbol)
    // Each getter runs once: one that answers differently the second time cannot slip past a check.
    let reads = 0
    const once = { ...range() }
    Object.defineProperty(once, 'country', { enumerable: true, get: () => (reads++ === 0 ? 'NP' : nest(100)) })
    await engine.kpis(once)
    assert.equal(reads, 1)
  })

  test('values without a JSON form', async () => {
    const cases = [
      [{ users: NaN }, /^invalid users: NaN is not a finite number$/],
      [{ users: Infinity }, /^invalid users: Infinity is not a finite number$/],
      [{ invalidRate: -Infinity }, /^invalid invalidRate: -Infinity is not a finite number$/],
      [{ users: 10n }, /^invalid users: .*got a BigInt$/],
      [{ users: Symbol('x') }, /^invalid users: .*got a symbol$/],
      [{ users: () => 10 }, /^invalid users: .*got a function$/],
      [{ users: Buffer.from('10') }, /^invalid users: .*got binary data/],
      [{ revenueDrop: { day: new Uint8Array(4) } }, /^invalid revenueDrop\.day: .*got binary data/],
      // Beyond the integers a JS number holds exactly: a float, never a rounded or saturated integer.
      [{ users: 2 ** 64 }, /^invalid users: invalid type: floating point/],
      [{ seed: 2 ** 53 + 2 }, /^invalid seed: invalid type: floating point/],
    ]
    for (const [options, message] of cases) {
      await rejects(() => Engine.fromGenerator(options), 'INVALID_ARGUMENT', message)
    }
    await rejects(() => engine.rollupDay([NaN]), 'INVALID_ARGUMENT', /^invalid date\[0\]: NaN is not a finite number$/)
  })

  test('after all of the above, the engine still answers', async () => {
    assert.ok((await engine.kpis(range())).engagement.activeUsers > 0)
  })
})

describe('every code of the core, through the test hook', () => {
  // `__raiseForTest` (not in index.d.ts) rejects with the binding's error of a core error of each code,
  // including those the data cannot trigger.
  const raise = (code, onJsThread) => analytics.__raiseForTest(code, onJsThread)

  test('each code keeps its category, as the README lists them', async () => {
    for (const code of Object.keys(CATEGORY).filter((c) => c !== 'INTERNAL_ERROR')) {
      const err = await rejects(() => raise(code), code)
      assert.ok(err.message.length > 0)
      assert.equal(err.cause, undefined)
    }
    const storage = await rejects(() => raise('STORAGE_ERROR'), 'STORAGE_ERROR')
    assert.equal(storage.message, 'storage error on `analyticsdailykpis`: a test\nCaused by: server selection timed out\nCaused by: Connection refused (os error 111)')
    await rejects(() => raise('NO_SUCH_CODE'), 'INVALID_ARGUMENT', /unknown code `NO_SUCH_CODE`/)
  })

  test('a panic is caught: INTERNAL_ERROR in the category internal, and the process and engine live on', async () => {
    allowInternalErrors(2)
    const before = analytics.__internalErrors()
    const pool = await rejects(() => raise('INTERNAL_ERROR'), 'INTERNAL_ERROR', /^internal error in halobuzz-analytics \(a bug; please report it/)
    assert.match(pool.message, /a test panic on the thread pool/)
    const js = await rejects(() => raise('INTERNAL_ERROR', true), 'INTERNAL_ERROR', /a test panic on the JavaScript thread/)
    assert.equal(js.category, 'internal')
    assert.equal(analytics.__internalErrors() - before, 2)
    assert.ok((await engine.kpis(range())).engagement.activeUsers > 0)
  })

  test('the test hooks are no part of the typed API', () => {
    const types = readFileSync(join(packageDir, 'index.d.ts'), 'utf8')
    assert.doesNotMatch(types, /__raiseForTest|__internalErrors|raiseForTest|internalErrors/)
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
