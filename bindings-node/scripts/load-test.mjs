#!/usr/bin/env node
// Load test of examples/server.mjs: bounded, on the loopback interface only, and it stops by itself.
//
//   node scripts/load-test.mjs            # 200 clients for 30 s after a 5 s warm-up, 2000 users × 60 days
//   node scripts/load-test.mjs --quick    # 50 clients for 3 s after a 1 s warm-up, 500 users × 30 days
//                                         # (the test suite's run, __test__/load.test.mjs)
//   node scripts/load-test.mjs --json     # the summary as one JSON object on stdout (and nothing else)
//
// 1. Generates a dataset with the CLI (`halobuzz-analytics generate`: $HALOBUZZ_ANALYTICS_CLI, else the
//    workspace's debug or release build) into a temporary directory, or uses LOAD_DATA=DIR (which needs a
//    manifest.json, or LOAD_FROM and LOAD_TO, for its days).
// 2. Starts examples/server.mjs on 127.0.0.1 and a port the OS picks, with a random pseudonym key.
// 3. Warm-up: one report over the whole window (every day rolled up once), then the mix below at full
//    concurrency; the server's RSS is measured after it.
// 4. The measured run: every client sends one request at a time, back to back, until the time is up: 45%
//    KPI reports and 35% time series over random ranges, countries, metrics and granularities inside the
//    data's window, 20% invalid requests (a whole-calendar range, a reversed one, a malformed date, an
//    unknown metric, country, granularity or parameter, a repeated parameter).
// 5. Reports requests/s, p50/p95/p99 latency per kind, responses by status, and the server's RSS after
//    the warm-up, at its peak and at the end. Fails (exit 1) if a valid request got anything but a 200,
//    an invalid one anything but a 400 with code INVALID_ARGUMENT, or the RSS grew by more than
//    LOAD_MAX_RSS_GROWTH (0.5: 50%) after the warm-up.
//
// Environment: LOAD_CLIENTS, LOAD_DURATION_S, LOAD_WARMUP_S, LOAD_USERS, LOAD_DAYS (override the mode's),
// LOAD_SEED (42), LOAD_DATA, LOAD_FROM, LOAD_TO, LOAD_MAX_RSS_GROWTH. The server inherits
// UV_THREADPOOL_SIZE. A watchdog ends everything (exit 1) if the whole run outlives its schedule by 3 minutes.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean' }, json: { type: 'boolean' } } })
const mode = flags.quick
  ? { clients: 50, duration: 3, warmup: 1, users: 500, days: 30 }
  : { clients: 200, duration: 30, warmup: 5, users: 2000, days: 60 }

/** Progress lines go to stderr, so that `--json` leaves stdout to the summary. */
const log = (...args) => console.error(...args)

let server
let scratch
const cleanups = []
function cleanup() {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL')
  if (scratch) rmSync(scratch, { recursive: true, force: true })
  scratch = undefined
  for (const f of cleanups.splice(0)) f()
}
process.on('exit', cleanup)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`load test: ${signal}, stopping`)
    cleanup()
    process.exit(130)
  })
}

function fail(message) {
  log(`load test: FAILED: ${message}`)
  cleanup()
  process.exit(1)
}

function envNumber(name, fallback, { min = 0, integer = true } = {}) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    fail(`${name}=${raw} is not ${integer ? 'an integer' : 'a number'} ≥ ${min}`)
  }
  return n
}

const settings = {
  clients: envNumber('LOAD_CLIENTS', mode.clients, { min: 1 }),
  durationS: envNumber('LOAD_DURATION_S', mode.duration, { min: 0.1, integer: false }),
  warmupS: envNumber('LOAD_WARMUP_S', mode.warmup, { integer: false }),
  users: envNumber('LOAD_USERS', mode.users, { min: 1 }),
  days: envNumber('LOAD_DAYS', mode.days, { min: 1 }),
  seed: envNumber('LOAD_SEED', 42),
  maxRssGrowth: envNumber('LOAD_MAX_RSS_GROWTH', 0.5, { integer: false }),
}

// ---- data ------------------------------------------------------------------------------------------

function cliPath() {
  const candidates = [
    process.env.HALOBUZZ_ANALYTICS_CLI,
    join(packageDir, '..', 'target', 'release', 'halobuzz-analytics'),
    join(packageDir, '..', 'target', 'debug', 'halobuzz-analytics'),
  ].filter(Boolean)
  const found = candidates.find((p) => existsSync(p))
  if (!found) fail('no CLI binary: set HALOBUZZ_ANALYTICS_CLI or run `cargo build --bin halobuzz-analytics`')
  return found
}

function dataset() {
  if (process.env.LOAD_DATA) {
    const dir = process.env.LOAD_DATA
    const manifest = join(dir, 'manifest.json')
    if (process.env.LOAD_FROM && process.env.LOAD_TO) return { dir, from: process.env.LOAD_FROM, to: process.env.LOAD_TO }
    if (!existsSync(manifest)) fail(`LOAD_DATA=${dir} has no manifest.json: set LOAD_FROM and LOAD_TO`)
    const { start, end } = JSON.parse(readFileSync(manifest, 'utf8'))
    return { dir, from: start, to: end }
  }
  scratch = mkdtempSync(join(tmpdir(), 'halobuzz-load-'))
  const dir = join(scratch, 'data')
  const { users, days, seed } = settings
  log(`load test: generating ${users} users × ${days} days (seed ${seed})`)
  execFileSync(cliPath(), ['generate', '--out', dir, '--users', String(users), '--days', String(days), '--seed', String(seed)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env.PATH ?? '' },
  })
  const { start, end } = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
  return { dir, from: start, to: end }
}

// ---- the server ------------------------------------------------------------------------------------

async function startServer(dir) {
  const env = {
    PATH: process.env.PATH ?? '',
    USD_TO_NPR: '133.5',
    // A random key of this run (never printed): the server refuses to start without one.
    ANALYTICS_PSEUDONYM_KEY: randomBytes(24).toString('hex'),
  }
  if (process.env.UV_THREADPOOL_SIZE) env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE
  server = spawn(process.execPath, [join(packageDir, 'examples', 'server.mjs'), '--data', dir, '--host', '127.0.0.1', '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stderr = []
  server.stderr.setEncoding('utf8').on('data', (chunk) => stderr.push(chunk))
  let out = ''
  server.stdout.setEncoding('utf8')
  const url = await new Promise((resolve, reject) => {
    server.once('exit', (code, signal) => reject(new Error(`the server exited (${code ?? signal}) before listening: ${stderr.join('')}`)))
    server.stdout.on('data', (chunk) => {
      out += chunk
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out)
      if (m) resolve(new URL(m[1]))
    })
  })
  return { url, stderr }
}

/** The server's resident set size in bytes (Linux: /proc; elsewhere `ps`). */
function serverRss() {
  try {
    const status = readFileSync(`/proc/${server.pid}/status`, 'utf8')
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)
    if (kb) return Number(kb[1]) * 1024
  } catch {
    // not Linux: ask ps
  }
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(server.pid)], { encoding: 'utf8' }).trim()) * 1024
}

// ---- requests --------------------------------------------------------------------------------------

const COUNTRIES = ['ALL', 'ALL', 'NP', 'IN', 'US', 'UNKNOWN', 'np']
const GRANULARITIES = ['day', 'week', 'month', 'daily', 'weekly']
const { metricPaths } = require(join(packageDir, 'index.js'))
const METRICS = metricPaths()

// A seeded generator (mulberry32), so that a run's request mix can be replayed exactly (LOAD_SEED).
let seed = Number(process.env.LOAD_SEED ?? 7) >>> 0
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const pickOne = (list) => list[Math.floor(random() * list.length)]

function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}

function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)
}

/** The next request of the mix: its kind, path and expected status. */
function requests(window) {
  const span = daysBetween(window.from, window.to)
  const range = () => {
    const a = Math.floor(random() * (span + 1))
    const b = Math.floor(random() * (span + 1))
    return { from: addDays(window.from, Math.min(a, b)), to: addDays(window.from, Math.max(a, b)) }
  }
  const invalid = [
    () => '/api/v1/ai/business/kpis?from=0001-01-01&to=9999-12-31',
    () => '/api/v1/ai/business/time-series/revenue.total?from=0001-01-01&to=9999-12-31',
    () => `/api/v1/ai/business/kpis?from=${window.to}&to=${window.from}`,
    () => `/api/v1/ai/business/kpis?from=2026-4-1&to=${window.to}`,
    () => `/api/v1/ai/business/time-series/revenue.totl?from=${window.from}&to=${window.to}`,
    () => `/api/v1/ai/business/kpis?from=${window.from}&to=${window.to}&country=Nepal`,
    () => `/api/v1/ai/business/time-series/engagement.dau?from=${window.from}&to=${window.to}&granularity=hourly`,
    () => `/api/v1/ai/business/kpis?from=${window.from}&to=${window.to}&bogus=1`,
    () => `/api/v1/ai/business/kpis?from=${window.from}&from=${window.from}&to=${window.to}`,
  ]
  return () => {
    const roll = random()
    if (roll < 0.45) {
      const { from, to } = range()
      return { kind: 'kpis', expected: 200, path: `/api/v1/ai/business/kpis?from=${from}&to=${to}&country=${pickOne(COUNTRIES)}` }
    }
    if (roll < 0.8) {
      const { from, to } = range()
      const metric = encodeURIComponent(pickOne(METRICS))
      return {
        kind: 'timeSeries',
        expected: 200,
        path: `/api/v1/ai/business/time-series/${metric}?from=${from}&to=${to}&granularity=${pickOne(GRANULARITIES)}&country=${pickOne(COUNTRIES)}`,
      }
    }
    return { kind: 'invalid', expected: 400, path: pickOne(invalid)() }
  }
}

/** One GET: `{ status, body }` (status 0: no response, with `error`). */
function get(agent, url, path) {
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path, agent, timeout: 20_000 }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', (error) => resolve({ status: 0, error: error.code ?? error.message }))
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })))
    req.on('error', (error) => resolve({ status: 0, error: error.code ?? error.message }))
    req.end()
  })
}

/** Whether a response is what its request should get. */
function judge(r, res) {
  if (res.status !== r.expected) return false
  if (r.expected === 200) return res.body.startsWith('{"success":true,"data":{')
  try {
    const body = JSON.parse(res.body)
    return body.success === false && body.code === 'INVALID_ARGUMENT' && typeof body.error === 'string'
  } catch {
    return false
  }
}

/** `clients` clients sending requests back to back for `seconds`; what they saw. */
async function drive({ agent, url, next, clients, seconds }) {
  const stats = { count: 0, latencies: { kpis: [], timeSeries: [], invalid: [] }, byStatus: {}, wrong: [], wrongCount: 0 }
  const deadline = performance.now() + seconds * 1000
  const client = async () => {
    while (performance.now() < deadline) {
      const r = next()
      const t0 = performance.now()
      const res = await get(agent, url, r.path)
      const ms = performance.now() - t0
      stats.count++
      stats.latencies[r.kind].push(ms)
      const key = res.status === 0 ? `no response (${res.error})` : String(res.status)
      stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1
      if (!judge(r, res)) {
        stats.wrongCount++
        if (stats.wrong.length < 10) {
          stats.wrong.push({ kind: r.kind, path: r.path, expected: r.expected, status: res.status, body: (res.body ?? res.error ?? '').slice(0, 300) })
        }
      }
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: clients }, client))
  stats.seconds = (performance.now() - started) / 1000
  return stats
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

const round = (x, digits = 1) => (x === null ? null : Number(x.toFixed(digits)))
const mib = (bytes) => round(bytes / 1024 / 1024)

// ---- the run -----------------------------------------------------------------------------------------

async function main() {
  const { clients, durationS, warmupS, maxRssGrowth } = settings
  // Whatever happens, the run ends: the warm-up and the run, plus 3 minutes for the data and the server.
  const limit = Math.round(warmupS + durationS + 180)
  const watchdog = setTimeout(() => fail(`still running after ${limit} s`), limit * 1000)
  watchdog.unref()

  const window = dataset()
  const { url, stderr } = await startServer(window.dir)
  log(`load test: server on ${url.origin} over ${window.from} … ${window.to}; ${clients} clients, warm-up ${warmupS} s, run ${durationS} s`)
  const agent = new Agent({ keepAlive: true, maxSockets: clients })
  cleanups.push(() => agent.destroy())
  const next = requests(window)

  // Warm-up: every day rolled up once, then the mix.
  const whole = await get(agent, url, `/api/v1/ai/business/kpis?from=${window.from}&to=${window.to}`)
  if (whole.status !== 200) fail(`the warm-up report answered ${whole.status}: ${(whole.body ?? whole.error).slice(0, 300)}`)
  const warm = await drive({ agent, url, next, clients, seconds: warmupS })
  const rssAfterWarmup = serverRss()

  let rssPeak = rssAfterWarmup
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, serverRss())
  }, 200)
  const run = await drive({ agent, url, next, clients, seconds: durationS })
  clearInterval(sampler)
  const rssEnd = serverRss()
  rssPeak = Math.max(rssPeak, rssEnd)

  const latency = {}
  for (const [kind, list] of Object.entries(run.latencies)) {
    const sorted = Float64Array.from(list).sort()
    latency[kind] = { count: sorted.length, p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), max: round(percentile(sorted, 100)) }
  }
  const growth = (rssPeak - rssAfterWarmup) / rssAfterWarmup
  const summary = {
    clients,
    warmupSeconds: warmupS,
    seconds: round(run.seconds, 2),
    data: { from: window.from, to: window.to, users: process.env.LOAD_DATA ? null : settings.users },
    requests: run.count,
    requestsPerSecond: round(run.count / run.seconds),
    latencyMs: latency,
    byStatus: run.byStatus,
    wrongResponses: run.wrongCount,
    wrongExamples: run.wrong,
    warmup: { requests: warm.count, wrongResponses: warm.wrongCount, byStatus: warm.byStatus },
    rssMiB: { afterWarmup: mib(rssAfterWarmup), peak: mib(rssPeak), end: mib(rssEnd), maxGrowth: round(growth, 3), limit: maxRssGrowth },
    serverStderr: stderr.join('').slice(0, 2000),
  }

  // The server must stop cleanly too.
  const exited = once(server, 'exit')
  server.kill('SIGTERM')
  const [code] = await exited
  summary.serverExit = code

  const failures = []
  if (run.wrongCount > 0 || warm.wrongCount > 0) failures.push(`${run.wrongCount + warm.wrongCount} responses were not 200 (valid) / 400 (invalid)`)
  if (growth > maxRssGrowth) failures.push(`the server's RSS grew by ${(growth * 100).toFixed(0)}% after the warm-up (limit ${maxRssGrowth * 100}%)`)
  if (run.count === 0) failures.push('no request completed')
  if (code !== 0) failures.push(`the server exited with ${code} on SIGTERM`)
  summary.ok = failures.length === 0
  summary.failures = failures

  if (flags.json) {
    console.log(JSON.stringify(summary))
  } else {
    console.log(`load test: ${clients} clients, ${summary.seconds} s: ${run.count} requests, ${summary.requestsPerSecond} requests/s`)
    console.log('latency (ms)      count      p50      p95      p99      max')
    for (const [kind, l] of Object.entries(latency)) {
      console.log(`  ${kind.padEnd(12)} ${String(l.count).padStart(8)} ${String(l.p50).padStart(8)} ${String(l.p95).padStart(8)} ${String(l.p99).padStart(8)} ${String(l.max).padStart(8)}`)
    }
    console.log(`responses by status: ${JSON.stringify(run.byStatus)} (warm-up: ${warm.count} requests, ${JSON.stringify(warm.byStatus)})`)
    console.log(`server RSS: ${summary.rssMiB.afterWarmup} MiB after warm-up, ${summary.rssMiB.peak} MiB peak, ${summary.rssMiB.end} MiB at the end (growth ${(growth * 100).toFixed(1)}%, limit ${maxRssGrowth * 100}%)`)
    for (const w of run.wrong) console.log(`wrong: ${JSON.stringify(w)}`)
    if (summary.serverStderr) console.log(`server stderr:\n${summary.serverStderr}`)
    console.log(summary.ok ? 'load test: OK' : `load test: FAILED: ${failures.join('; ')}`)
  }
  cleanup()
  process.exit(summary.ok ? 0 : 1)
}

main().catch((err) => fail(err?.stack ?? String(err)))
