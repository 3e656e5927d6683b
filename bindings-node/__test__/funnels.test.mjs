// Funnels (the core's FunnelRequest): the same JSON as `halobuzz-analytics funnel --json`, the
// request layer's defaults and checks, and the identities every funnel keeps.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'

import { analytics, cliJson, engineConfig, expectRejection, generateDataset } from './helpers.mjs'

const { Engine } = analytics

// One clock for the binding and the CLI: `asOf` and `windowComplete` depend on it.
const NOW = '2026-04-25T00:00:00Z'
const STEPS = ['session_start', 'profile_view', 'session_end']

let data
let engine

before(async () => {
  data = generateDataset()
  engine = await Engine.fromDirectory(data.dir, engineConfig({ now: NOW }))
})

after(() => data?.cleanup())

test('built-in and custom funnels equal the CLI\'s JSON', async () => {
  const { start, end } = data.manifest
  const cli = (extra) => cliJson(['funnel', '--data', data.dir, '--now', NOW, '--from', start, '--to', end, ...extra])
  const builtin = await engine.funnel({ from: start, to: end })
  assert.deepStrictEqual(builtin, cli([]))
  assert.equal(builtin.kind, 'builtin')
  assert.equal(builtin.windowDays, 7)
  assert.equal(builtin.total.members, builtin.days.reduce((s, d) => s + d.members, 0))
  assert.ok(builtin.total.members > 0)
  assert.equal(builtin.days.at(-1).windowComplete, false, 'the last signup days are still in their window')

  const custom = await engine.funnel({ from: start, to: end, steps: STEPS, breakdown: 'platform', order: 'consecutive' })
  assert.deepStrictEqual(custom, cli(['--steps', STEPS.join(','), '--breakdown', 'platform', '--order', 'consecutive']))
  assert.equal(custom.kind, 'custom')
  const users = custom.total.steps.map((s) => s.users)
  assert.ok(users[0] > 0)
  users.slice(1).forEach((u, i) => assert.ok(u <= users[i], `${users}`))
  users.forEach((u, k) => assert.equal(custom.breakdowns.reduce((s, b) => s + b.steps[k].users, 0), u))
})

test('the request layer checks funnels', async () => {
  const { start, end } = data.manifest
  await expectRejection(() => engine.funnel({ from: start, to: end, steps: ['one'] }), 'INVALID_ARGUMENT', /steps/)
  await expectRejection(() => engine.funnel({ from: start, to: end, windowDays: 0 }), 'INVALID_ARGUMENT', /windowDays/)
  await expectRejection(() => engine.funnel({ from: start, to: end, breakdown: 'platform' }), 'INVALID_ARGUMENT', /breakdown/)
  await expectRejection(() => engine.funnel({ from: start, to: end, steps: STEPS, order: 'strict' }), 'INVALID_ARGUMENT', /order/)
})
