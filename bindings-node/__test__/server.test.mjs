// examples/server.mjs, started as a process on 127.0.0.1 and a port the OS picks, answers the old routes
// over HTTP in their `{ success, data }` envelope with the engine's results.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { after, before, test } from 'node:test'

import { analytics, engineConfig, generateDataset, packageDir, PSEUDONYM_KEY, USD_TO_NPR } from './helpers.mjs'

let data
let engine
let server
let base

before(async () => {
  data = generateDataset()
  engine = await analytics.Engine.fromDirectory(data.dir, engineConfig())
  server = spawn(process.execPath, [join(packageDir, 'examples', 'server.mjs'), '--data', data.dir, '--port', '0', '--host', '127.0.0.1'], {
    env: { PATH: process.env.PATH ?? '', USD_TO_NPR, ANALYTICS_PSEUDONYM_KEY: PSEUDONYM_KEY },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  server.stdout.setEncoding('utf8')
  base = await new Promise((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`server exited with ${code} before listening: ${out}`)))
    server.stdout.on('data', (chunk) => {
      out += chunk
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) resolve(m[1])
    })
  })
})

after(async () => {
  if (server && server.exitCode === null) {
    const exited = once(server, 'exit')
    server.kill('SIGTERM')
    const [code] = await exited
    assert.equal(code, 0, 'the server stops cleanly on SIGTERM')
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
