// The old backend's two read routes, served by the engine in-process with node's `http` module, in the
// routes' `{ success, data }` envelope:
//
//   GET /api/v1/ai/business/kpis?from=YYYY-MM-DD&to=YYYY-MM-DD[&country=NP]
//   GET /api/v1/ai/business/time-series/:metric?from=…&to=…[&granularity=day|week|month][&country=NP]
//
// Run it on a mongoexport directory, or on generated data when --data is left out:
//
//   node examples/server.mjs [--data DIR] [--port 3000] [--host 127.0.0.1]
//
// Configuration comes from the old service's environment variables (REPORTS_TZ, USD_TO_NPR, …). It prints
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

/** Only the query parameters a route takes, left out when absent (so the engine names what is missing). */
function pick(params, names) {
  const out = {}
  for (const name of names) {
    const value = params.get(name)
    if (value !== null) out[name] = value
  }
  return out
}

function send(res, status, body) {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/**
 * Engine errors carry a stable `code` and a `category`: invalid input is the client's (400), anything else
 * (data, storage, internal) is ours (500).
 */
function sendError(res, err) {
  const status = err?.category === 'invalidInput' ? 400 : 500
  send(res, status, { success: false, error: err?.message ?? String(err), code: err?.code ?? 'INTERNAL_ERROR' })
}

/** The request handler over one engine. */
export function analyticsHandler(engine) {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    try {
      if (req.method !== 'GET') {
        res.setHeader('allow', 'GET')
        return send(res, 405, { success: false, error: `${req.method} is not allowed; use GET` })
      }
      if (url.pathname === `${PREFIX}/kpis`) {
        const data = await engine.kpis(pick(url.searchParams, ['from', 'to', 'country']))
        return send(res, 200, { success: true, data })
      }
      const series = /^\/api\/v1\/ai\/business\/time-series\/([^/]+)$/.exec(url.pathname)
      if (series) {
        const metric = decodeURIComponent(series[1])
        const query = pick(url.searchParams, ['from', 'to', 'granularity', 'country'])
        const data = await engine.timeSeries({ metric, ...query })
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

async function main() {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  })
  const config = { env: process.env }
  // METRICS.md: no built-in exchange rate in production; this demo sets one when USD_TO_NPR is unset.
  if (!process.env.USD_TO_NPR) config.usdToNpr = '133.5'
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
    process.exit(1)
  })
}
