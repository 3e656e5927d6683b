// Daily rollups as they leave the engine: a backfill that its progress callback stops leaves whole days
// only, and a later backfill resumes after them; rollup views carry set sizes, never raw user ids unless
// the engine reveals them.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { addDays, analytics, DATASET, engineConfig } from './helpers.mjs'

const { Engine } = analytics

/** A fresh engine over the shared dataset's data (generated in memory: no rollups yet). */
async function freshEngine(extra = {}) {
  const engine = await Engine.fromGenerator(DATASET, engineConfig(extra))
  const { start, end, days } = engine.generationManifest
  return { engine, start, end, days }
}

/** Every string in `value`, keys included. */
function strings(value, out = []) {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out))
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k)
      strings(v, out)
    }
  }
  return out
}

const OBJECT_ID = /^[0-9a-f]{24}$/

test('onProgress returning false stops the backfill: cancelled, whole days stored, the rest untouched', async () => {
  const { engine, start, end } = await freshEngine()
  // 2000 days before the data, then the data's days: a day takes about a millisecond in a debug build,
  // while the answer needs only the JavaScript thread to run two reports, so the backfill stops long
  // before the end even on a busy machine.
  const from = addDays(start, -2000)
  const seen = []
  const summary = await engine.backfill({ from, to: end }, (p) => {
    seen.push(p.done)
    if (p.done === 2) return false
  })
  const days = summary.days
  assert.equal(summary.cancelled, true, JSON.stringify(summary))
  assert.equal(days, 2000 + DATASET.days)
  assert.equal(summary.skipped, 0)
  // Reports arrive asynchronously, so the backfill may have finished a few more days before it saw the
  // answer; never all of them.
  assert.ok(summary.computed >= 2 && summary.computed < days, JSON.stringify(summary))
  // Not called again after answering false.
  assert.deepStrictEqual(seen, [1, 2])

  let stored = 0
  for (let i = 0; i < days; i++) {
    const day = addDays(from, i)
    const views = await engine.rollupsOfDay(day)
    if (i < summary.computed) {
      // A whole day: its ALL rollup first, every rollup of that day, and the same as recomputing it.
      assert.equal(views[0]?.country, 'ALL', day)
      assert.ok(views.every((v) => v.date === day), day)
      stored += views.length
    } else {
      assert.deepStrictEqual(views, [], `${day} was never reached but has rollups`)
    }
  }
  assert.equal(stored, summary.rollupsWritten)
  const last = addDays(from, summary.computed - 1)
  const withoutTime = (views) => views.map(({ computedAt, ...rest }) => rest)
  const before = await engine.rollupsOfDay(last)
  assert.deepStrictEqual(withoutTime(await engine.rollupDay(last)), withoutTime(before))

  // A later backfill resumes after the stored days.
  const rest = await engine.backfill({ from, to: end })
  assert.equal(rest.cancelled, false)
  assert.equal(rest.skipped, summary.computed)
  assert.equal(rest.computed, days - summary.computed)
})

test('returning anything but false (true, 0, null, a promise) goes on to the end', async () => {
  const { engine, start, end, days } = await freshEngine()
  const answers = [true, 0, null, '', undefined, Promise.resolve(false)]
  let calls = 0
  const summary = await engine.backfill({ from: start, to: end }, () => answers[calls++ % answers.length])
  assert.equal(calls, days)
  assert.deepStrictEqual([summary.computed, summary.cancelled], [days, false])
})

test('false on the last day is not a cancellation', async () => {
  const { engine, start } = await freshEngine()
  const to = addDays(start, 2)
  const summary = await engine.backfill({ from: start, to }, (p) => p.done !== 3)
  assert.deepStrictEqual([summary.computed, summary.cancelled], [3, false])
})

test('rollup views hold set sizes and no raw user ids, unless revealUserIds', async () => {
  const { engine, start } = await freshEngine()
  const day = addDays(start, 3)
  const views = await engine.rollupDay(day)
  assert.ok(views.length > 1, 'expected ALL and at least one country')
  assert.ok(views[0].facts.active > 0)
  for (const view of [...views, ...(await engine.rollupsOfDay(day))]) {
    assert.equal('userIds' in view, false)
    const ids = strings(view).filter((s) => OBJECT_ID.test(s))
    assert.deepStrictEqual(ids, [], `${view.country}: raw ids in a view`)
  }

  const revealing = (await freshEngine({ revealUserIds: true })).engine
  const revealed = await revealing.rollupDay(day)
  const { facts, userIds } = revealed[0]
  assert.ok(userIds.active.every((id) => OBJECT_ID.test(id)))
  assert.equal(userIds.active.length, facts.active)
  assert.equal(Object.keys(userIds.hosts).length, facts.hosts)
  // The same day without the ids.
  const withoutIds = ({ computedAt, userIds: _, ...rest }) => rest
  assert.deepStrictEqual(revealed.map(withoutIds), views.map(withoutIds))
})

test('backfillRecent re-rolls the last settled days as of the engine clock, and may be stopped too', async () => {
  // A frozen clock: 2026-04-10T00:00Z is 10:00 on 10 April in Sydney, so 9 April is the last settled day.
  const { engine } = await freshEngine({ now: '2026-04-10T00:00:00Z' })
  const dates = []
  const summary = await engine.backfillRecent({ days: 3 }, (p) => dates.push(p.date))
  assert.deepStrictEqual(dates, ['2026-04-07', '2026-04-08', '2026-04-09'])
  assert.deepStrictEqual([summary.days, summary.computed, summary.cancelled], [3, 3, false])
  assert.equal((await engine.rollupsOfDay('2026-04-09'))[0].country, 'ALL')
  assert.deepStrictEqual(await engine.rollupsOfDay('2026-04-10'), [])

  const stopped = await engine.backfillRecent({ days: 900 }, (p) => p.done !== 1)
  assert.equal(stopped.cancelled, true)
  assert.ok(stopped.computed < stopped.days, JSON.stringify(stopped))
})
