// examples/server.mjs, started as a process on 127.0.0.1 and a port the OS picks, answers the old routes
// over HTTP in their `{ success, data }` envelope with the engine's results; every query parameter goes to
// the engine, whose refusals are 400s; it needs a pseudonym key (or --ephemeral-key) to start.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect } from 'node:net'
import { join } from 'node:path'
import { after, before, test } from 'node:test'

import { analytics, engineConfig, generateDataset, packageDir, PSEUDONYM_KEY, USD_TO_NPR } from './helpers.mjs'

let data
let engine
let server
let base

/** Starts examples/server.mjs with `args` and `env`; resolves to the child and its base URL once it listens. */
async function spawnServer(args, env) {
  const child = spawn(process.execPath, [join(packageDir, 'examples', 'server.mjs'), ...args, '--port', '0', '--host', '127.0.0.1'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8').on('data', (chunk) => (err += chunk))
  const url = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening: ${out}${err}`)))
    child.stdout.on('data', (chunk) => {
      out += chunk
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) resolve(m[1])
    })
  })
  return { child, url, stderr: () => err }
}

/** Stops a server started by `spawnServer`; it must exit cleanly. */
async function stopServer(child) {
  if (child.exitCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const [code] = await exited
  assert.equal(code, 0, 'the server stops cleanly on SIGTERM')
}

let started

before(async () => {
  data = generateDataset()
  engine = await analytics.Engine.fromDirectory(data.dir, engineConfig())
  started = await spawnServer(['--data', data.dir], { USD_TO_NPR, ANALYTICS_PSEUDONYM_KEY: PSEUDONYM_KEY })
  server = started.child
  base = started.url
})

after(async () => {
  if (server) {
    await stopServer(server)
    // Invalid requests are the client's: the server logged nothing for them.
    assert.equal(started.stderr(), '')
  }
  data?.cleanup()
})

async function get(path, init) {
  const res = await fetch(`${base}${path}`, init)
  assert.match(res.headers.get('content-type'), /^application\/json/)
  return { status: res.status, body: await res.json() }
}

test('GET /api/v1/ai/business/kpis answers { success: true, data: KpiReport }', async () => {
  const { start, end } = data.manifest
  const { status, body } = await get(`/api/v1/ai/business/kpis?from=${start}&to=${end}`)
  assert.equal(status, 200)
  assert.deepStrictEqual(Object.keys(body), ['success', 'data'])
  assert.equal(body.success, true)
  assert.deepStrictEqual(body.data, await engine.kpis({ from: start, to: end }))

  const np = await get(`/api/v1/ai/business/kpis?from=${start}&to=${end}&country=np`)
  assert.deepStrictEqual(np.body.data, await engine.kpis({ from: start, to: end, country: 'NP' }))
})

test('GET /api/v1/ai/business/time-series/:metric answers { success: true, data: TimeSeries }', async () => {
  const { start, end } = data.manifest
  for (const [metric, granularity] of [['revenue.total', 'week'], ['engagement.dau', 'daily'], ['monetization.arpu', 'month']]) {
    const { status, body } = await get(`/api/v1/ai/business/time-series/${metric}?from=${start}&to=${end}&granularity=${granularity}`)
    assert.equal(status, 200)
    assert.equal(body.success, true)
    assert.deepStrictEqual(body.data, await engine.timeSeries({ metric, from: start, to: end, granularity }))
  }
})

test('bad requests answer 400 with the engine error code and message', async () => {
  const { start, end } = data.manifest
  const cases = [
    [`/api/v1/ai/business/time-series/revenue.nope?from=${start}&to=${end}`, /revenue\.nope/],
    [`/api/v1/ai/business/kpis?from=${end}&to=${start}`, /is after/],
    [`/api/v1/ai/business/kpis?to=${end}`, /missing field `from`/],
    [`/api/v1/ai/business/kpis?from=${start}&to=${end}&country=Nepal`, /country/],
    [`/api/v1/ai/business/kpis?from=2026-03-01T00:00:00.000Z&to=${end}`, /YYYY-MM-DD/],
    [`/api/v1/ai/business/time-series/revenue.total?from=${start}&to=${end}&granularity=hourly`, /granularity/],
  ]
  for (const [path, message] of cases) {
    const { status, body } = await get(path)
    assert.equal(status, 400, path)
    assert.equal(body.success, false)
    assert.equal(body.code, 'INVALID_ARGUMENT')
    assert.match(body.error, message)
  }
})

test('unknown routes and methods answer 404 and 405', async () => {
  assert.equal((await get('/api/v1/ai/business/nothing')).status, 404)
  const post = await get('/api/v1/ai/business/kpis', { method: 'POST' })
  assert.equal(post.status, 405)
  assert.equal(post.body.success, false)
})

test('many requests at once', async () => {
  const { start, end } = data.manifest
  const expected = await engine.kpis({ from: start, to: end })
  const bodies = await Promise.all(Array.from({ length: 30 }, () => get(`/api/v1/ai/business/kpis?from=${start}&to=${end}`)))
  for (const { status, body } of bodies) {
    assert.equal(status, 200)
    assert.deepStrictEqual(body.data, expected)
  }
})

test('every query parameter goes to the engine: unknown, repeated or conflicting ones are 400s', async () => {
  const { start, end } = data.manifest
  const cases = [
    [`/api/v1/ai/business/kpis?from=${start}&to=${end}&granularity=week`, /^invalid granularity: unknown field `granularity`/],
    [`/api/v1/ai/business/kpis?from=${start}&to=${end}&contry=NP`, /unknown field `contry`/],
    [`/api/v1/ai/business/kpis?from=${start}&from=${end}&to=${end}`, /^invalid from: invalid type: sequence/],
    [`/api/v1/ai/business/time-series/revenue.total?from=${start}&to=${end}&metric=engagement.dau`, /^invalid metric: invalid type: sequence/],
    // Not percent-encoding: the path segment as it came, which is no metric.
    [`/api/v1/ai/business/time-series/revenue%E0%A4%A?from=${start}&to=${end}`, /`revenue%E0%A4%A` is not a metric/],
  ]
  for (const [path, message] of cases) {
    const { status, body } = await get(path)
    assert.equal(status, 400, path)
    assert.equal(body.code, 'INVALID_ARGUMENT', path)
    assert.match(body.error, message, path)
  }
})

test('ranges are bounded: the whole calendar is a fast 400', async () => {
  for (const path of [
    '/api/v1/ai/business/kpis?from=0001-01-01&to=9999-12-31',
    '/api/v1/ai/business/time-series/revenue.total?from=0001-01-01&to=9999-12-31&granularity=day',
    '/api/v1/ai/business/kpis?from=2000-01-01&to=2026-04-01',
  ]) {
    const t0 = performance.now()
    const { status, body } = await get(path)
    const took = performance.now() - t0
    assert.equal(status, 400, path)
    assert.equal(body.code, 'INVALID_ARGUMENT')
    assert.match(body.error, /^invalid date range: /)
    assert.ok(took < 1000, `${path} took ${took.toFixed(0)} ms`)
  }
})

test('a request target that is no URL path is a 400, and the server lives on', async () => {
  const { port } = new URL(base)
  for (const target of ['http://[::1', '//host:99999/x']) {
    const head = await new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`))
      let text = ''
      socket.setEncoding('utf8').on('data', (chunk) => {
        text += chunk
        if (text.includes('}')) {
          socket.destroy()
          resolve(text)
        }
      })
      socket.on('error', reject)
    })
    assert.match(head, /^HTTP\/1\.1 400 /, target)
    assert.match(head, /"code":"INVALID_ARGUMENT"/)
  }
  const { start, end } = data.manifest
  assert.equal((await get(`/api/v1/ai/business/kpis?from=${start}&to=${end}`)).status, 200)
})

test('without ANALYTICS_PSEUDONYM_KEY the server refuses to start, unless --ephemeral-key', async () => {
  const refused = spawn(process.execPath, [join(packageDir, 'examples', 'server.mjs'), '--data', data.dir, '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', USD_TO_NPR },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  refused.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
  const [code] = await once(refused, 'exit')
  assert.equal(code, 2)
  assert.match(stderr, /ANALYTICS_PSEUDONYM_KEY is not set/)
  assert.match(stderr, /--ephemeral-key/)

  const trial = await spawnServer(['--data', data.dir, '--ephemeral-key'], { USD_TO_NPR })
  try {
    const { start, end } = data.manifest
    const res = await fetch(`${trial.url}/api/v1/ai/business/kpis?from=${start}&to=${end}`)
    assert.equal(res.status, 200)
    const { data: report } = await res.json()
    const expected = await engine.kpis({ from: start, to: end })
    // The same report, but for the pseudonyms of another key.
    assert.deepStrictEqual(report.revenue, expected.revenue)
    assert.notDeepStrictEqual(report.creators.topCreators.map((c) => c.hostId), expected.creators.topCreators.map((c) => c.hostId))
    assert.match(trial.stderr(), /--ephemeral-key: user ids are pseudonymised with a random key/)
  } finally {
    await stopServer(trial.child)
  }
})
