// The old backend's two read routes, served by the engine in-process with node's `http` module, in the
// routes' `{ success, data }` envelope:
//
//   GET /api/v1/ai/business/kpis?from=YYYY-MM-DD&to=YYYY-MM-DD[&country=NP]
//   GET /api/v1/ai/business/time-series/:metric?from=…&to=…[&granularity=day|week|month][&country=NP]
//
// Run it on a mongoexport directory, or on generated data when --data is left out:
//
//   ANALYTICS_PSEUDONYM_KEY=… node examples/server.mjs [--data DIR] [--port 3000] [--host 127.0.0.1]
//   node examples/server.mjs --ephemeral-key …     # a local trial without a key
//
// Configuration comes from the old service's environment variables (`readEnv: true`: REPORTS_TZ,
// USD_TO_NPR, ANALYTICS_APP_ID, ANALYTICS_PSEUDONYM_KEY, ALERT_*). ANALYTICS_PSEUDONYM_KEY, the secret that
// pseudonymises user ids in reports, is required: without it the server refuses to start, unless
// --ephemeral-key asks for a random key of this process (pseudonyms then change at every start; for local
// trials only). USD_TO_NPR defaults to 133.5 here, for the demo only.
//
// Every query parameter goes to the engine, which validates it (dates, ranges at most `maxRangeDays` long
// and no later than tomorrow, countries, metrics, unknown parameters): a request it refuses is a 400 with
// the engine's `code` and message, before any work is done; any other engine failure is a 500. It prints
// one line, `listening on http://HOST:PORT`, once it accepts connections, and stops on SIGINT or SIGTERM.
// In an Express app the handlers are the same two calls: `res.json({ success: true, data: await
// engine.kpis(req.query) })`, with errors mapped as `sendError` does below.
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const require = createRequire(import.meta.url)
// In the backend: `const { Engine } = require('@halobuzz/analytics')`.
const { Engine } = require('../index.js')

const PREFIX = '/api/v1/ai/business'
const SERIES = /^\/api\/v1\/ai\/business\/time-series\/([^/]+)$/

/**
 * Every query parameter, as the engine's request fields: a parameter given twice becomes an array, which
 * the engine refuses by name (as it refuses one it does not know), so nothing is silently dropped.
 */
function queryOf(params) {
  const query = {}
  for (const [name, value] of params) {
    if (!Object.hasOwn(query, name)) query[name] = value
    else query[name] = [].concat(query[name], value)
  }
  return query
}

/** A path segment, percent-decoded if it is valid percent-encoding (else as it came: the engine judges it). */
function segment(raw) {
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

function send(res, status, body) {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/**
 * Engine errors carry a stable `code` and a `category`: invalid input is the client's (400), anything else
 * (data, storage, internal) is ours (500). Their messages never hold a secret; anything else that fails is
 * logged here and answered without details.
 */
function sendError(res, err) {
  const fromEngine = err instanceof Error && typeof err.code === 'string' && typeof err.category === 'string'
  if (!fromEngine) {
    console.error('error: unexpected failure:', err)
    return send(res, 500, { success: false, error: 'internal server error', code: 'INTERNAL_ERROR' })
  }
  const status = err.category === 'invalidInput' ? 400 : 500
  if (status === 500) console.error(`error: ${err.code}: ${err.message}`)
  send(res, status, { success: false, error: err.message, code: err.code })
}

/** The request handler over one engine. */
export function analyticsHandler(engine) {
  return async (req, res) => {
    try {
      if (req.method !== 'GET') {
        res.setHeader('allow', 'GET')
        return send(res, 405, { success: false, error: `${req.method} is not allowed; use GET` })
      }
      let url
      try {
        url = new URL(req.url ?? '/', 'http://localhost')
      } catch {
        return send(res, 400, { success: false, error: 'the request target is not a valid URL path', code: 'INVALID_ARGUMENT' })
      }
      if (url.pathname === `${PREFIX}/kpis`) {
        const data = await engine.kpis(queryOf(url.searchParams))
        return send(res, 200, { success: true, data })
      }
      const series = SERIES.exec(url.pathname)
      if (series) {
        const query = queryOf(url.searchParams)
        const metric = segment(series[1])
        // A `metric` parameter as well as the path's: both go to the engine, which refuses the pair.
        query.metric = Object.hasOwn(query, 'metric') ? [metric].concat(query.metric) : metric
        const data = await engine.timeSeries(query)
        return send(res, 200, { success: true, data })
      }
      send(res, 404, { success: false, error: `no route ${url.pathname}` })
    } catch (err) {
      sendError(res, err)
    }
  }
}

/** Starts the server; resolves once it listens (port 0: the OS picks a free one). */
export async function startServer({ engine, port = 3000, host = '127.0.0.1' }) {
  const server = createServer(analyticsHandler(engine))
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
  return server
}

/** The engine configuration of the server: the environment, and the demo's fallbacks. */
export function serverConfig({ ephemeralKey = false, env = process.env } = {}) {
  if (!env.ANALYTICS_PSEUDONYM_KEY && !ephemeralKey) {
    const err = new Error(
      'ANALYTICS_PSEUDONYM_KEY is not set: set it to the secret that pseudonymises user ids in reports, ' +
        'or pass --ephemeral-key for a local trial with a random key of this process',
    )
    err.code = 'NO_PSEUDONYM_KEY'
    throw err
  }
  const config = { readEnv: true }
  if (ephemeralKey) config.ephemeralPseudonymKey = true
  // METRICS.md: no built-in exchange rate in production; this demo sets one when USD_TO_NPR is unset.
  if (!env.USD_TO_NPR) config.usdToNpr = '133.5'
  return config
}

async function main() {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      'ephemeral-key': { type: 'boolean', default: false },
    },
  })
  const config = serverConfig({ ephemeralKey: values['ephemeral-key'] })
  if (values['ephemeral-key'] && !process.env.ANALYTICS_PSEUDONYM_KEY) {
    console.error('warning: --ephemeral-key: user ids are pseudonymised with a random key of this process')
  }
  const engine = values.data
    ? await Engine.fromDirectory(values.data, config)
    : await Engine.fromGenerator({ users: 2000, days: 60 }, config)
  const server = await startServer({ engine, port: Number(values.port), host: values.host })
  const { address, port } = server.address()
  console.log(`listening on http://${address}:${port}`)
  const stop = () => server.close(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`error: ${err.message}${err.code ? ` (${err.code})` : ''}`)
    // 2: fix the command line or the environment; 1: the data or the system failed.
    const usage = ['INVALID_ARGUMENT', 'NO_PSEUDONYM_KEY'].includes(err.code) || String(err.code).startsWith('ERR_PARSE_ARGS')
    process.exit(usage ? 2 : 1)
  })
}
