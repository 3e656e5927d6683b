// Long calls run on the libuv thread pool: while a backfill of many days runs, timers keep firing and
// progress reports arrive as it goes, not in one burst at the end.
import assert from 'node:assert/strict'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { after, before, test } from 'node:test'

import { addDays, analytics, engineConfig, generateDataset } from './helpers.mjs'

const { Engine } = analytics

let data
let engine
before(async () => {
  data = generateDataset()
  engine = await Engine.fromDirectory(data.dir, engineConfig())
})
after(() => data?.cleanup())

/** Runs `call()` while a 5 ms interval timer ticks; returns how long it took and how the timer fared. */
async function whileTicking(call) {
  const delay = monitorEventLoopDelay({ resolution: 5 })
  let ticks = 0
  let maxGap = 0
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    maxGap = Math.max(maxGap, now - last)
    last = now
    ticks++
  }, 5)
  delay.enable()
  const started = performance.now()
  try {
    const result = await call()
    const elapsed = performance.now() - started
    return { result, elapsed, ticks, maxGap, maxDelay: delay.max / 1e6 }
  } finally {
    // Also when the call rejects: a live interval would keep the test process running.
    delay.disable()
    clearInterval(timer)
  }
}

test('the event loop keeps running during a long backfill', async () => {
  // Three years of days before the data's end (the data's 30 among them), recomputed: about a second in a
  // debug build, so a synchronous call would freeze the loop visibly. A faster (release) build goes
  // further back (requests stay within 2000-01-01 and ten years) until the backfill lasts long enough.
  const { end } = data.manifest
  let run
  for (const from of [addDays(end, -1100), addDays(end, -3650)]) {
    const reports = []
    run = await whileTicking(() =>
      engine.backfill({ from, to: end, force: true }, (p) => reports.push({ ...p, at: performance.now() })),
    )
    run.reports = reports
    if (run.elapsed > 200) break
  }
  const { result: summary, elapsed, ticks, maxGap, maxDelay, reports } = run
  const info = JSON.stringify({ elapsed, ticks, maxGap, maxDelay, days: summary.days })
  assert.equal(summary.computed, summary.days)
  assert.ok(elapsed > 100, `the backfill was too short to tell anything: ${info}`)
  // A blocked loop would show one gap as long as the whole call, and almost no ticks.
  assert.ok(maxGap < Math.max(100, elapsed / 4), `timer gap too long: ${info}`)
  assert.ok(ticks >= elapsed / 5 / 4, `too few timer ticks: ${info}`)
  // Progress: every day, in order, spread over the call rather than delivered at the end.
  assert.equal(reports.length, summary.days)
  assert.ok(reports.every((p, i) => p.done === i + 1 && p.total === summary.days))
  const spread = reports.at(-1).at - reports[0].at
  assert.ok(spread > elapsed / 4, `progress arrived in a burst (${spread} ms of ${elapsed} ms)`)
})

test('the backfill promise settles only after its last progress report', async () => {
  const { start, end } = data.manifest
  for (let round = 0; round < 5; round++) {
    let reports = 0
    let settledEarly = false
    const summary = await engine.backfill({ from: start, to: end, force: true }, () => {
      reports++
    }).then((s) => {
      settledEarly = reports !== s.days
      return s
    })
    assert.equal(settledEarly, false)
    assert.equal(reports, summary.days)
  }
})

test('timers also fire while an engine is generated and a KPI report is computed', async () => {
  const generated = await whileTicking(() => Engine.fromGenerator({ users: 1500, days: 30, seed: 3 }, engineConfig()))
  assert.ok(generated.ticks >= 2, JSON.stringify(generated))
  assert.ok(generated.maxGap < Math.max(100, generated.elapsed / 4), JSON.stringify({ ...generated, result: undefined }))
  const { start, end } = generated.result.generationManifest
  const report = await whileTicking(() => generated.result.kpis({ from: start, to: end }))
  assert.ok(report.result.engagement.activeUsers > 0)
  assert.ok(report.maxGap < Math.max(100, report.elapsed / 4), JSON.stringify({ ...report, result: undefined }))
})
