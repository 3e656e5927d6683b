// The scheduler through the package (docs/schedule.md): next runs across Sydney's 2026 daylight-saving
// changes with their RFC 3339 offsets, a pass at an instant running the due jobs, a custom JavaScript job
// whose result and failure show in status and history, start/stop on a background thread that never
// holds the process, and typed errors.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { describe, test } from 'node:test'

import { analytics, CATEGORY, expectRejection, packageDir } from './helpers.mjs'

const { Engine } = analytics

/** 10:00 in Sydney (AEST). */
const NOW = '2026-04-20T00:00:00Z'

/** An engine over a little generated data, its clock frozen at `now`. */
const open = (now = NOW) => Engine.fromGenerator({ users: 20, days: 3 }, { now })

/** Only the alert check among the default jobs (the others would roll up and forecast). */
const ONLY_ALERTS = {
  jobs: ['daily-rollup', 'forecasts', 'weekly-report', 'monthly-cohorts'].map((name) => ({ name, enabled: false })),
}

/** Calls `f`, which must throw an `Error` of `code` synchronously. */
function throwsCode(f, code, message) {
  assert.throws(f, (err) => {
    assert.ok(err instanceof Error)
    assert.equal(err.code, code, err.message)
    assert.equal(err.category, CATEGORY[code])
    if (message) assert.match(err.message, message)
    return true
  })
}

describe('next runs', () => {
  test('across both Sydney DST changes, each with its offset', async () => {
    const scheduler = (await open()).scheduler()
    const october = await scheduler.nextRuns({ job: 'forecasts', after: '2026-10-03T00:00:00+10:00', count: 3 })
    assert.equal(october.timezone, 'Australia/Sydney')
    assert.equal(october.schedule, '0 2 * * *')
    // 02:00 does not exist on October 4: the first instant after the gap.
    assert.deepStrictEqual(october.runs, ['2026-10-03T02:00:00+10:00', '2026-10-04T03:00:00+11:00', '2026-10-05T02:00:00+11:00'])
    const april = await scheduler.nextRuns({ job: 'daily-rollup', after: '2026-04-03T01:00:00+11:00', count: 4 })
    assert.deepStrictEqual(april.runs, [
      '2026-04-03T03:00:00+11:00',
      '2026-04-04T03:00:00+11:00',
      '2026-04-05T03:00:00+10:00',
      '2026-04-06T03:00:00+10:00',
    ])
    // Options change a job: the alert interval.
    const every30 = (await open()).scheduler({ alertIntervalMin: 30 })
    const alerts = await every30.nextRuns({ job: 'alert-check', after: '2026-04-04T23:50:00+11:00', count: 2 })
    assert.deepStrictEqual(alerts.runs, ['2026-04-05T00:00:00+11:00', '2026-04-05T00:30:00+11:00'])
  })

  test('bad queries reject with INVALID_ARGUMENT', async () => {
    const scheduler = (await open()).scheduler()
    await expectRejection(() => scheduler.nextRuns({ job: 'nightly' }), 'INVALID_ARGUMENT', /nightly/)
    await expectRejection(() => scheduler.nextRuns({ job: 'forecasts', count: 0 }), 'INVALID_ARGUMENT', /count/)
    await expectRejection(() => scheduler.nextRuns({ job: 'forecasts', count: 1001 }), 'INVALID_ARGUMENT', /count/)
    await expectRejection(() => scheduler.nextRuns({ job: 'forecasts', after: 'yesterday' }), 'INVALID_ARGUMENT', /after/)
    await expectRejection(() => scheduler.nextRuns({ job: 'forecasts', every: 2 }), 'INVALID_ARGUMENT', /every/)
    await expectRejection(() => scheduler.nextRuns(), 'INVALID_ARGUMENT')
  })
})

describe('passes', () => {
  test('runDue at an instant runs the due jobs, a custom JS job included, once', async () => {
    const scheduler = (await open()).scheduler(ONLY_ALERTS)
    const seen = []
    scheduler.addJob(
      'quarterly-ping',
      '*/15 * * * *',
      async (context) => {
        seen.push(context)
        await new Promise((resolve) => setTimeout(resolve, 5))
        return { message: `pinged ${context.scheduledAt}`, details: { n: seen.length } }
      },
      { catchUp: 'none', description: 'a test job' },
    )
    const pass = await scheduler.runDue(NOW)
    assert.equal(pass.at, NOW)
    assert.deepStrictEqual(
      pass.runs.map((r) => [r.job, r.outcome]).sort(),
      [['alert-check', 'succeeded'], ['quarterly-ping', 'succeeded']],
    )
    const ping = pass.runs.find((r) => r.job === 'quarterly-ping')
    assert.equal(ping.scheduledAt, NOW)
    assert.deepStrictEqual(ping.run.output, { message: `pinged ${NOW}`, details: { n: 1 } })
    assert.equal(seen.length, 1)
    assert.deepStrictEqual(seen[0], { job: 'quarterly-ping', scheduledAt: NOW, startedAt: NOW, catchUp: false, attempt: 0 })
    // The same instant again: already run.
    const again = await scheduler.runDue(NOW)
    assert.ok(again.runs.every((r) => r.outcome !== 'succeeded'), JSON.stringify(again))
    assert.equal(seen.length, 1)

    const status = await scheduler.status()
    assert.equal(status.running, false)
    assert.equal(status.timezone, 'Australia/Sydney')
    assert.deepStrictEqual(status.jobs.map((j) => j.name), ['daily-rollup', 'forecasts', 'weekly-report', 'alert-check', 'monthly-cohorts', 'quarterly-ping'])
    const job = status.jobs.find((j) => j.name === 'quarterly-ping')
    assert.equal(job.lastOutcome, 'succeeded')
    assert.equal(job.lastRun, NOW)
    assert.equal(job.description, 'a test job')
    assert.equal(job.catchUp, 'none')
    assert.equal(job.error, null)
    assert.equal(job.nextRun, '2026-04-20T00:15:00Z')
    assert.equal(status.jobs.find((j) => j.name === 'daily-rollup').enabled, false)

    const history = await scheduler.history({ job: 'quarterly-ping' })
    assert.equal(history.length, 1)
    assert.equal(history[0].status, 'succeeded')
    assert.equal((await scheduler.history()).length, 2)
  })

  test('a throwing or rejecting JS job is a failed run with JOB_FAILED; answers of every shape', async () => {
    const scheduler = (await open()).scheduler(ONLY_ALERTS)
    scheduler.addJob('thrower', '0 * * * *', () => {
      throw new TypeError('boom')
    })
    scheduler.addJob('rejecter', '0 * * * *', () => Promise.reject(new Error('later boom')))
    scheduler.addJob('bad-answer', '0 * * * *', () => 42)
    scheduler.addJob('says', '0 * * * *', () => 'a message')
    scheduler.addJob('silent', '0 * * * *', () => {})
    const pass = await scheduler.runDue(NOW)
    const outcome = Object.fromEntries(pass.runs.map((r) => [r.job, r]))
    assert.equal(outcome.thrower.outcome, 'failed')
    assert.deepStrictEqual(outcome.thrower.run.error, { code: 'JOB_FAILED', message: 'the job `thrower` failed: TypeError: boom' })
    assert.equal(outcome.rejecter.run.error.code, 'JOB_FAILED')
    assert.match(outcome.rejecter.run.error.message, /later boom/)
    assert.equal(outcome['bad-answer'].outcome, 'failed')
    assert.equal(outcome.says.run.output.message, 'a message')
    assert.equal(outcome.silent.outcome, 'succeeded')
    const status = await scheduler.status()
    const thrower = status.jobs.find((j) => j.name === 'thrower')
    assert.equal(thrower.lastOutcome, 'failed')
    assert.match(thrower.error, /TypeError: boom/)
  })

  test('addJob and start refuse what is wrong, synchronously, with codes', async () => {
    const scheduler = (await open()).scheduler()
    throwsCode(() => scheduler.addJob('Bad Name', '* * * * *', () => {}), 'INVALID_ARGUMENT', /job name/)
    throwsCode(() => scheduler.addJob('x', 'soon', () => {}), 'INVALID_ARGUMENT', /cron/)
    throwsCode(() => scheduler.addJob('x', '0 3 * * * *', () => {}), 'INVALID_ARGUMENT')
    throwsCode(() => scheduler.addJob('x', '* * * * *', 'not a function'), 'INVALID_ARGUMENT', /fn/)
    throwsCode(() => scheduler.addJob('x', '* * * * *', () => {}, { catchUp: 'sometimes' }), 'INVALID_ARGUMENT')
    throwsCode(() => scheduler.addJob('x', '* * * * *', () => {}, { timeoutSeconds: 0 }), 'INVALID_ARGUMENT', /timeoutSeconds/)
    throwsCode(() => scheduler.addJob('forecasts', '* * * * *', () => {}), 'INVALID_ARGUMENT', /forecasts/)
    throwsCode(() => scheduler.start({ tick: 5 }), 'INVALID_ARGUMENT', /tick/)
    throwsCode(() => scheduler.start({ onPass: 5 }), 'INVALID_ARGUMENT', /onPass/)
    const engine = await open()
    throwsCode(() => engine.scheduler({ leaseSeconds: 0 }), 'INVALID_ARGUMENT', /leaseSeconds/)
    throwsCode(() => engine.scheduler({ leaseSeconds: 1e9 }), 'INVALID_ARGUMENT')
    throwsCode(() => engine.scheduler({ alertIntervalMin: 7 }), 'INVALID_ARGUMENT', /alertIntervalMin/)
    throwsCode(() => engine.scheduler({ jobs: [{ name: 'forecasts', catchUp: 'never' }] }), 'INVALID_ARGUMENT')
    throwsCode(() => engine.scheduler({ bogus: 1 }), 'INVALID_ARGUMENT', /bogus/)
    await expectRejection(() => scheduler.runDue('yesterday'), 'INVALID_ARGUMENT', /at/)
    await expectRejection(() => scheduler.history({ limit: 0 }), 'INVALID_ARGUMENT', /limit/)
    await expectRejection(() => scheduler.history({ job: 'nightly' }), 'INVALID_ARGUMENT', /nightly/)
  })
})

describe('the background loop', () => {
  test('start runs passes off the event loop, stop ends it', async () => {
    const scheduler = (await open()).scheduler(ONLY_ALERTS)
    const contexts = []
    scheduler.addJob('loop-job', '*/15 * * * *', (context) => {
      contexts.push(context)
      return 'ok'
    })
    const events = []
    let passed
    const firstPass = new Promise((resolve) => {
      passed = resolve
    })
    scheduler.start({
      onPass: (event) => {
        events.push(event)
        passed()
      },
    })
    assert.equal(scheduler.running, true)
    throwsCode(() => scheduler.start(), 'INVALID_ARGUMENT', /already started/)
    throwsCode(() => scheduler.addJob('late', '* * * * *', () => {}), 'INVALID_ARGUMENT', /started/)
    // Timers keep firing while the loop runs: the event loop is free.
    let ticks = 0
    const timer = setInterval(() => ticks++, 5)
    await firstPass
    await new Promise((resolve) => setTimeout(resolve, 50))
    clearInterval(timer)
    assert.ok(ticks >= 3, `ticks ${ticks}`)
    assert.equal((await scheduler.status()).running, true)
    assert.equal(await scheduler.stop(), true)
    assert.equal(scheduler.running, false)
    assert.equal(await scheduler.stop(), false)
    assert.ok('pass' in events[0], JSON.stringify(events[0]))
    assert.deepStrictEqual(events[0].pass.runs.map((r) => [r.job, r.outcome]).sort(), [['alert-check', 'succeeded'], ['loop-job', 'succeeded']])
    assert.equal(contexts.length, 1)
    assert.equal((await scheduler.status()).running, false)
    // Stopped, it can start again (and stop at once).
    scheduler.start()
    assert.equal(await scheduler.stop(), true)
  })

  test('a process that starts a scheduler ends: at stop(), or at once with keepAlive: false', () => {
    const script = (body) => `
      const { Engine } = require(${JSON.stringify(packageDir)})
      Engine.fromGenerator({ users: 5, days: 2 }, { now: '${NOW}' }).then((engine) => {
        const s = engine.scheduler({ jobs: [{ name: 'daily-rollup', enabled: false }, { name: 'forecasts', enabled: false }] })
        s.addJob('js', '* * * * *', () => 'ok')
        ${body}
      })`
    const started = Date.now()
    const out = execFileSync(process.execPath, ['-e', script(`
        s.start({ onPass: (e) => { console.log('pass', e.pass.runs.length); s.stop().then((was) => console.log('stopped', was)) } })`)], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.match(out, /pass \d+\nstopped true/)
    execFileSync(process.execPath, ['-e', script(`s.start({ keepAlive: false })`)], { encoding: 'utf8', timeout: 30_000 })
    assert.ok(Date.now() - started < 30_000)
  })
})
