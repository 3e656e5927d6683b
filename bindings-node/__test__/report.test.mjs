// Reports (issue 15) from Node: Engine.report (the file as a Buffer), writeReport, reportContent,
// reports and reportFile, on the dataset and clock of core/tests/report.rs. The JSON format is checked
// by its content; PDF, XLSX and CSV by their first bytes (their content is checked in the core's tests).
// Errors reject with the core's code, category and field.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { analytics, expectRejection } from './helpers.mjs'

const { Engine } = analytics

// 2026-05-04 02:00 UTC is Monday 12:00 in Sydney: the last month is April, the last week Apr 27 – May 3.
const NOW = '2026-05-04T02:00:00Z'
const DATASET = { users: 600, days: 75, seed: 5, start: '2026-02-16' }
const CONFIG = { usdToNpr: '133.5', ephemeralPseudonymKey: true, now: NOW }
const MAGIC = { pdf: '%PDF', xlsx: 'PK', csv: 'table,key,column,value' }

let engine
let scratch
let reportsDir

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'halobuzz-node-report-'))
  reportsDir = join(scratch, 'stored')
  engine = await Engine.fromGenerator(DATASET, { ...CONFIG, reportsDir })
})
after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true })
})

describe('report content', () => {
  test('a monthly report has every section and the days of April and March', async () => {
    const c = await engine.reportContent({ period: 'monthly' })
    assert.deepEqual([c.period, c.from, c.to], ['monthly', '2026-04-01', '2026-04-30'])
    assert.deepEqual([c.previousFrom, c.previousTo], ['2026-03-01', '2026-03-31'])
    assert.equal(c.timezone, 'Australia/Sydney')
    assert.equal(c.sections.length, 7)
    assert.equal(c.daily.dates.length, 30)
    assert.equal(c.daily.previousDates.length, 31)
    assert.match(c.summary, /^Revenue was NPR /)
    assert.equal(c.forecast.points[0].date, '2026-05-01')
    const without = await engine.reportContent({ period: 'monthly', forecast: false })
    assert.equal(without.forecast, null)
    assert.deepEqual(without.sections, c.sections)
  })

  test('periods resolve as of a day', async () => {
    let c = await engine.reportContent({ period: 'monthly', at: '2026-03-15' })
    assert.deepEqual([c.from, c.to, c.asOf], ['2026-02-01', '2026-02-28', '2026-03-15'])
    c = await engine.reportContent({ period: 'weekly' })
    assert.deepEqual([c.from, c.to], ['2026-04-27', '2026-05-03'])
    c = await engine.reportContent({ period: 'custom', from: '2026-03-10', to: '2026-03-19' })
    assert.deepEqual([c.previousFrom, c.previousTo], ['2026-02-28', '2026-03-09'])
  })

  test('the JSON file is the content', async () => {
    const r = await engine.report({ period: 'monthly', format: 'json' })
    assert.equal(r.fileName, 'halobuzz-monthly-2026-04-01-2026-04-30.json')
    assert.equal(r.mimeType, 'application/json')
    assert.equal(r.stored, false)
    assert.ok(Buffer.isBuffer(r.data))
    assert.equal(r.record.size, r.data.length)
    assert.equal(r.record.format, 'json')
    const doc = JSON.parse(r.data.toString('utf8'))
    assert.deepEqual(doc, await engine.reportContent({ period: 'monthly' }))
  })
})

describe('files', () => {
  test('a stored report is listed and fetched byte for byte', async () => {
    const r = await engine.report({ period: 'weekly', format: 'json', store: true })
    assert.equal(r.stored, true)
    assert.deepEqual(readFileSync(join(reportsDir, r.fileName)), r.data)
    const listed = await engine.reports()
    assert.ok(listed.some((x) => x.id === r.record.id))
    const filtered = await engine.reports({ period: 'weekly', format: 'json', from: '2026-05-01', limit: 1 })
    assert.equal(filtered[0].id, r.record.id)
    assert.deepEqual(await engine.reports({ period: 'monthly', format: 'json' }), [])
    const fetched = await engine.reportFile(r.record.id)
    assert.deepEqual(fetched.record, r.record)
    assert.ok(Buffer.isBuffer(fetched.data))
    assert.ok(fetched.data.equals(r.data))
    await expectRejection(() => engine.reportFile('rpt_nope'), 'INVALID_ARGUMENT', /id/)
    await expectRejection(() => engine.reportFile(42), 'INVALID_ARGUMENT', /id/)
  })

  test('a file changed behind its record is refused', async () => {
    const dir = join(scratch, 'tamper')
    const e = await Engine.fromGenerator(DATASET, { ...CONFIG, reportsDir: dir })
    const r = await e.report({ period: 'daily', format: 'json', store: true })
    writeFileSync(join(dir, r.fileName), 'tampered')
    await expectRejection(() => e.reportFile(r.record.id), 'STORAGE_ERROR', /checksum/)
  })

  test('writeReport writes into a directory under the report name, or to a file', async () => {
    const dir = mkdtempSync(join(scratch, 'out-'))
    const info = await engine.writeReport({ period: 'weekly', format: 'json' }, dir)
    const name = 'halobuzz-weekly-2026-04-27-2026-05-03.json'
    assert.equal(info.fileName, name)
    assert.equal(info.path, join(dir, name))
    assert.equal(info.data, undefined)
    const again = await engine.report({ period: 'weekly', format: 'json' })
    assert.ok(readFileSync(join(dir, name)).equals(again.data))
    const file = join(dir, 'april.json')
    const np = await engine.writeReport({ period: 'monthly', format: 'json', country: 'NP' }, file)
    assert.equal(np.path, file)
    assert.match(np.fileName, /-NP\.json$/)
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).country, 'NP')
    await expectRejection(
      () => engine.writeReport({ period: 'weekly', format: 'json' }, join(dir, 'no', 'such', 'x.json')),
      'WRITE_FAILED',
    )
    await expectRejection(() => engine.writeReport({ period: 'weekly', format: 'json' }), 'INVALID_ARGUMENT', /path/)
  })
})

describe('formats', () => {
  for (const format of ['pdf', 'xlsx', 'csv']) {
    test(`${format} begins with its magic bytes`, async () => {
      const r = await engine.report({ period: 'weekly', format })
      assert.ok(r.data.subarray(0, MAGIC[format].length).equals(Buffer.from(MAGIC[format])), r.data.subarray(0, 40).toString())
      assert.ok(r.fileName.endsWith(`.${format}`))
      assert.equal(r.record.size, r.data.length)
      const dir = mkdtempSync(join(scratch, `${format}-`))
      const info = await engine.writeReport({ period: 'weekly', format }, dir)
      assert.ok(existsSync(info.path))
      assert.ok(readFileSync(info.path).subarray(0, MAGIC[format].length).equals(Buffer.from(MAGIC[format])))
    })
  }

  test('json renders now', async () => {
    const r = await engine.report({ period: 'daily', format: 'json' })
    assert.equal(r.data[0], '{'.charCodeAt(0))
  })
})

describe('errors', () => {
  const cases = [
    [{ period: 'hourly' }, /period/],
    [{ period: 'custom', from: '2026-03-01' }, /from/],
    [{ period: 'monthly', from: '2026-03-01' }, /from/],
    [{ period: 'daily', format: 'docx' }, /format/],
    [{ period: 'daily', colour: 'red' }, /colour/],
    [{ period: 'daily', at: '2999-01-01' }, /2998-12-31/],
    [{ period: 'daily', country: 'Nepal' }, /country/],
    [undefined, /period|options/],
  ]
  for (const [options, message] of cases) {
    test(`refuses ${JSON.stringify(options)}`, async () => {
      await expectRejection(() => engine.report(options), 'INVALID_ARGUMENT', message)
      await expectRejection(() => engine.reportContent(options), 'INVALID_ARGUMENT', message)
    })
  }

  test('bad filters and storing without reportsDir', async () => {
    for (const filter of [{ limit: 0 }, { limit: 100000 }, { limit: -1 }, { format: 'doc' }, { bogus: 1 }]) {
      await expectRejection(() => engine.reports(filter), 'INVALID_ARGUMENT')
    }
    const bare = await Engine.fromGenerator({ users: 50, days: 3 }, CONFIG)
    await expectRejection(
      () => bare.report({ period: 'daily', format: 'json', store: true }),
      'INVALID_ARGUMENT',
      /reportsDir.*REPORTS_STORAGE_DIR/s,
    )
  })
})

describe('progress', () => {
  test('onProgress sees the days a report rolls up first, and false cancels it', async () => {
    const fresh = await Engine.fromGenerator(DATASET, CONFIG)
    let calls = 0
    await expectRejection(
      () =>
        fresh.report({ period: 'monthly', format: 'json' }, () => {
          calls += 1
          return calls < 3
        }),
      'CANCELLED',
      /monthly report was cancelled/,
    )
    // Reports arrive asynchronously: the core may have rolled up a day or two more before it saw the stop.
    assert.ok(calls >= 3, `${calls} progress calls`)
    const seen = []
    const r = await fresh.report({ period: 'monthly', format: 'json' }, (p) => {
      seen.push(p)
    })
    assert.equal(seen.length, seen[0].total)
    assert.ok(seen.filter((p) => p.skipped).length >= 3, 'days rolled up before the stop are skipped')
    assert.equal(seen.map((p) => p.date).sort().at(-1), '2026-04-30')
    const plain = await engine.report({ period: 'monthly', format: 'json' })
    assert.deepEqual(r.data, plain.data)
    const again = []
    await fresh.writeReport({ period: 'monthly', format: 'json' }, join(scratch, 'progress.json'), (p) => {
      again.push(p)
    })
    assert.ok(again.length > 0 && again.every((p) => p.skipped))
  })

  test('an onProgress that throws rejects with what it threw; one that is not a function is refused', async () => {
    const fresh = await Engine.fromGenerator(DATASET, CONFIG)
    await assert.rejects(
      fresh.report({ period: 'weekly', format: 'csv' }, () => {
        throw new RangeError('stop here')
      }),
      (e) => e instanceof RangeError && e.message === 'stop here',
    )
    await expectRejection(() => fresh.report({ period: 'weekly', format: 'csv' }, 42), 'INVALID_ARGUMENT', /onProgress/)
  })
})
