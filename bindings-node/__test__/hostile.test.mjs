// The hostile-input suite, Node side: every request of tests/hostile/requests.json through the package, as
// core/tests/hostile.rs replays it through the request layer (and the CLI and Python suites through
// theirs), against the same generated dataset and base configuration. Each case rejects its promise
// (never a synchronous throw) with its `code` and that code's `category`, within a deadline, never with
// INTERNAL_ERROR (helpers.mjs fails any test during which one appears), and none of its secrets (nor the
// suite's pseudonym key) appears in the error: message, stack, `cause` chain, or `util.inspect`.
//
// Then the hostile data directories of tests/hostile/data/: each loads, its quality report and a KPI
// report equal the CLI's on the same directory.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { inspect } from 'node:util'

import { analytics, CATEGORY, cliJson, packageDir } from './helpers.mjs'

const { Engine } = analytics

const HOSTILE = join(packageDir, '..', 'tests', 'hostile')
const CASES = JSON.parse(readFileSync(join(HOSTILE, 'requests.json'), 'utf8')).cases

// The suite's base configuration and dataset (the corpus's "about", core/tests/hostile.rs).
const BASE_KEY = 'hostile-suite-key'
const BASE_CONFIG = { usdToNpr: 133.5, pseudonymKey: BASE_KEY, now: '2026-04-20T00:00:00Z' }
const DATASET = { users: 300, days: 20, start: '2026-03-20', seed: 7 }

// How long a case may take: the unreachable MongoDB cases wait for the driver's 5 s server selection.
const DEADLINE_MS = 15_000

/** Engine methods by the corpus's operation names. */
const OPERATIONS = {
  kpis: (engine, args) => engine.kpis(args),
  timeSeries: (engine, args) => engine.timeSeries(args),
  retentionMatrix: (engine, args) => engine.retentionMatrix(args),
  lifecycle: (engine, args) => engine.lifecycle(args),
  cohorts: (engine, args) => engine.cohorts(args),
  storedCohorts: (engine, args) => engine.storedCohorts(args),
  backfill: (engine, args) => engine.backfill(args),
  backfillRecent: (engine, args) => engine.backfillRecent(args),
  rollupDay: (engine, args) => engine.rollupDay(args.date),
  funnel: (engine, args) => engine.funnel(args),
  hostPerformance: (engine, args) => engine.hostPerformance(args),
  checkAlerts: (engine, args) => engine.checkAlerts(args),
  evaluateAlerts: (engine, args) => engine.evaluateAlerts(args),
  alerts: (engine, args) => engine.alerts(args),
  acknowledgeAlert: (engine, args) => engine.acknowledgeAlert(args.alertId, args.by),
  resolveAlert: (engine, args) => engine.resolveAlert(args.alertId, args.by),
  putAlertRule: (engine, args) => engine.putAlertRule(args),
  deleteAlertRule: (engine, args) => engine.deleteAlertRule(args.id),
  deliverAlertNotifications: (engine, args) => engine.deliverAlertNotifications(args, () => ({ outcome: 'sent' })),
  forecast: (engine, args) => engine.forecast(args),
  storedForecasts: (engine, args) => engine.storedForecasts(args),
  report: (engine, args) => engine.report(args),
  reports: (engine, args) => engine.reports(args),
  reportFile: (engine, args) => engine.reportFile(args.id),
  // The scheduler: `engine.scheduler` and `addJob` throw at once, so they run inside a promise here.
  scheduler: (engine, args) => Promise.resolve().then(() => engine.scheduler(args).status()),
  nextRuns: (engine, args) => engine.scheduler().nextRuns(args),
  runDue: (engine, args) => engine.scheduler().runDue(args.at),
  schedulerHistory: (engine, args) => engine.scheduler().history(args),
  addJob: (engine, { name, cron, ...options }) =>
    Promise.resolve().then(() => engine.scheduler().addJob(name, cron, () => {}, options)),
}

/** Module functions by the corpus's operation names (they need no engine). */
const FUNCTIONS = {
  forecastSeries: ({ values, ...options }) => analytics.forecastSeries(values, options),
  forecastBatch: ({ series, ...options }) => analytics.forecastBatch(series, options),
}

/** The corpus's shorthand `{ $repeat: X, count: N }` as N copies of X, anywhere in `value`. */
function expand(value) {
  if (Array.isArray(value)) return value.map(expand)
  if (value !== null && typeof value === 'object') {
    if ('$repeat' in value) {
      const item = expand(value.$repeat)
      return Array.from({ length: value.count }, () => item)
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v)]))
  }
  return value
}

function configOf(c) {
  return { ...(c.bareConfig === true ? {} : BASE_CONFIG), ...(c.config ?? {}) }
}

/** `call()`, which must return a promise without throwing. */
function promiseOf(what, call) {
  let promise
  assert.doesNotThrow(() => {
    promise = call()
  }, `${what} threw synchronously`)
  assert.ok(promise instanceof Promise, `${what} did not return a Promise`)
  return promise
}

/** The case as calls of the package: open (or generate) the engine, then run the operation. */
async function run(c) {
  const config = configOf(c)
  if (c.operation === 'open') {
    const { source, database, ...rest } = c.arguments
    assert.deepStrictEqual(rest, {}, `${c.name}: an argument open does not take`)
    const options = database === undefined ? undefined : { database }
    return promiseOf('Engine.fromDirectory', () => Engine.fromDirectory(source, config, options))
  }
  if (c.operation in FUNCTIONS) {
    return promiseOf(c.operation, () => FUNCTIONS[c.operation](expand(c.arguments)))
  }
  const operation = OPERATIONS[c.operation]
  assert.ok(operation, `${c.name}: unknown operation ${c.operation}: add it to OPERATIONS`)
  const engine = await promiseOf('Engine.fromGenerator', () => Engine.fromGenerator(DATASET, config))
  return promiseOf(c.operation, () => operation(engine, expand(c.arguments)))
}

/** What settles first: the promise (`{ value }` or `{ error }`), or the deadline (`{ late: true }`). */
async function withinDeadline(promise) {
  let timer
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ late: true }), DEADLINE_MS)
  })
  try {
    return await Promise.race([promise.then((value) => ({ value }), (error) => ({ error })), deadline])
  } finally {
    clearTimeout(timer)
  }
}

/** Everything a log line, a stack trace or a debugger could show of an error and its causes. */
function shown(err) {
  const parts = [inspect(err, { depth: Infinity, showHidden: true })]
  const seen = new Set()
  for (let e = err; e !== undefined && e !== null && !seen.has(e); e = e.cause) {
    seen.add(e)
    if (typeof e !== 'object') {
      parts.push(String(e))
      continue
    }
    parts.push(String(e.message), String(e.stack), inspect(e, { depth: Infinity, showHidden: true }))
    for (const key of Reflect.ownKeys(e)) parts.push(`${String(key)}=${inspect(e[key], { depth: Infinity })}`)
  }
  return parts.join('\n')
}

test('the corpus is whole', () => {
  const names = CASES.map((c) => c.name)
  assert.ok(names.length >= 20, 'the corpus lost its cases')
  assert.equal(new Set(names).size, names.length, 'case names are unique')
  for (const c of CASES) {
    assert.ok(c.operation === 'open' || c.operation in OPERATIONS || c.operation in FUNCTIONS, `${c.name}: unknown operation ${c.operation}`)
    assert.ok(c.code in CATEGORY, `${c.name}: unknown code ${c.code}`)
  }
})

// The cases run eight at a time: the slow ones only wait for a MongoDB server that is not there.
describe('every hostile request rejects with its code, in time, showing no secret', { concurrency: 8 }, () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const started = Date.now()
      const outcome = await withinDeadline(run(c))
      const took = Date.now() - started
      assert.ok(!outcome.late, `${c.name}: still pending after ${DEADLINE_MS} ms`)
      assert.ok('error' in outcome, `${c.name}: accepted (${inspect(outcome.value, { depth: 1 })})`)
      const err = outcome.error
      assert.ok(err instanceof Error, `${c.name}: rejected with a non-Error ${inspect(err)}`)
      assert.notEqual(err.code, 'INTERNAL_ERROR', `${c.name}: a bug in the engine: ${err.message}`)
      assert.equal(err.code, c.code, `${c.name}: ${err.message}`)
      assert.equal(err.category, CATEGORY[c.code], `${c.name}: ${err.message}`)
      assert.ok(err.message.length > 0)
      const text = shown(err)
      for (const secret of [...(c.secrets ?? []), BASE_KEY]) {
        assert.ok(!text.includes(secret), `${c.name} shows ${JSON.stringify(secret)}:\n${text}`)
      }
      assert.ok(took < DEADLINE_MS, `${c.name}: took ${took} ms`)
    })
  }
})

describe('hostile data directories load and report like the CLI', () => {
  const root = join(HOSTILE, 'data')
  const dirs = readdirSync(root)
    .map((name) => join(root, name))
    .filter((dir) => statSync(dir).isDirectory())
    .sort()
  const config = { usdToNpr: '133.5', pseudonymKey: 'k', now: '2026-04-20T00:00:00Z' }
  const range = { from: '2026-03-20', to: '2026-04-08' }
  const flags = ['--usd-to-npr', '133.5', '--pseudonym-key', 'k', '--now', config.now]

  test('both data directories are there', () => {
    const names = dirs.map((d) => d.slice(root.length + 1))
    for (const name of ['corpus', 'issue-cases']) assert.ok(names.includes(name), `${name} in ${names}`)
  })

  for (const dir of dirs) {
    const name = dir.slice(root.length + 1)
    test(name, async () => {
      const engine = await withinDeadline(promiseOf('Engine.fromDirectory', () => Engine.fromDirectory(dir, config)))
      assert.ok(!engine.late, `${name}: loading took more than ${DEADLINE_MS} ms`)
      assert.ok('value' in engine, `${name}: ${inspect(engine.error)}`)
      const quality = await engine.value.qualityReport()
      assert.deepStrictEqual(quality, cliJson(['quality', '--data', dir]))
      assert.ok(quality.collections.length > 0)

      const report = await withinDeadline(engine.value.kpis(range))
      assert.ok(!report.late, `${name}: kpis took more than ${DEADLINE_MS} ms`)
      assert.ok('value' in report, `${name}: ${inspect(report.error)}`)
      assert.deepStrictEqual(report.value, cliJson(['kpis', '--data', dir, '--from', range.from, '--to', range.to, ...flags]))
      if (name === 'issue-cases') {
        // What the issue expects of its documents: the two 5e28 NPR recharges are out of range, the OG
        // subscription of tier 9 counts under `unknown`, and of four streams (1e19 viewers twice, a
        // duration of 1e308 s) one is plausible.
        assert.equal(report.value.revenue.total, 1500)
        assert.equal(report.value.revenue.byOGTier.unknown, 1000)
        assert.equal(report.value.engagement.totalStreams, 1)
      }
    })
  }
})
