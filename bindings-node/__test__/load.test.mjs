// A short load test of examples/server.mjs (scripts/load-test.mjs --quick: 50 clients for 3 s on the
// loopback interface, after a 1 s warm-up): every valid request answers 200, every invalid one 400 with
// INVALID_ARGUMENT, and the server's memory does not grow by more than half after the warm-up. The full
// run (200 clients, 30 s) is `node scripts/load-test.mjs`.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'

import { cliPath, packageDir } from './helpers.mjs'

test('50 clients for 3 s: only 200s and 400s, and bounded memory', { timeout: 180_000 }, async () => {
  const env = { PATH: process.env.PATH ?? '', HALOBUZZ_ANALYTICS_CLI: cliPath }
  for (const name of Object.keys(process.env).filter((n) => n.startsWith('LOAD_'))) delete env[name]
  let stdout
  try {
    ;({ stdout } = await promisify(execFile)(process.execPath, [join(packageDir, 'scripts', 'load-test.mjs'), '--quick', '--json'], {
      env,
      timeout: 170_000,
      maxBuffer: 16 * 1024 * 1024,
    }))
  } catch (e) {
    assert.fail(`the load test failed (exit ${e.code}):\n${e.stdout}\n${e.stderr}`)
  }
  const summary = JSON.parse(stdout)
  assert.equal(summary.ok, true, JSON.stringify(summary, null, 2))
  assert.equal(summary.clients, 50)
  assert.equal(summary.wrongResponses, 0)
  assert.ok(summary.requests > 0)
  assert.deepStrictEqual(Object.keys(summary.byStatus).sort(), ['200', '400'])
  for (const kind of ['kpis', 'timeSeries', 'invalid']) assert.ok(summary.latencyMs[kind].count > 0, kind)
  assert.ok(summary.rssMiB.maxGrowth <= 0.5, JSON.stringify(summary.rssMiB))
  assert.equal(summary.serverExit, 0)
  assert.equal(summary.serverStderr, '')
})
