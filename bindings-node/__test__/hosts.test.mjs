// Host performance (the core's HostPerformanceRequest): the same JSON as `halobuzz-analytics hosts
// --json`, pseudonymised host ids that agree with topCreators, the host filter, and the request layer's
// bounds.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'

import { analytics, cliJson, engineConfig, expectRejection, generateDataset } from './helpers.mjs'

const { Engine } = analytics

let data
let engine

before(async () => {
  data = generateDataset()
  engine = await Engine.fromDirectory(data.dir, engineConfig())
})
after(() => data?.cleanup())

test('hostPerformance is the CLI’s report, as plain objects with pseudonymised ids', async () => {
  const { start: from, end: to } = data.manifest
  const report = await engine.hostPerformance({ from, to, sortBy: 'uniqueGifters', limit: 20 })
  const expected = cliJson(['hosts', '--data', data.dir, '--from', from, '--to', to, '--sort-by', 'uniqueGifters', '--limit', '20', '--usd-to-npr', '133.5'])
  assert.deepStrictEqual(report, expected)
  assert.equal(Object.getPrototypeOf(report), Object.prototype)
  assert.ok(report.hosts.length > 0 && report.hosts.length <= 20)
  for (const h of report.hosts) assert.match(h.hostId, /^u_[0-9a-f]{24}$/)
  const gifters = report.hosts.map((h) => h.uniqueGifters)
  assert.deepStrictEqual(gifters, [...gifters].sort((a, b) => b - a))
  // The top host by revenue is topCreators' first, under the same pseudonym.
  const [top] = (await engine.hostPerformance({ from, to, limit: 1 })).hosts
  const kpis = await engine.kpis({ from, to })
  assert.equal(top.hostId, kpis.creators.topCreators[0].hostId)
  assert.equal(top.coins, kpis.creators.topCreators[0].revenue)
  assert.equal(top.rank.revenue, 1)
  // The host filter takes the ids reports show.
  const only = await engine.hostPerformance({ from, to, hosts: [top.hostId] })
  assert.equal(only.totalHosts, 1)
  assert.deepStrictEqual(only.hosts[0], top)
})

test('hostPerformance refuses what the request layer refuses', async () => {
  const { start: from, end: to } = data.manifest
  await expectRejection(() => engine.hostPerformance({ from, to, limit: 0 }), 'INVALID_ARGUMENT', /limit/)
  await expectRejection(() => engine.hostPerformance({ from, to, sortBy: 'fame' }), 'INVALID_ARGUMENT', /sortBy/)
  await expectRejection(() => engine.hostPerformance({ from, to, revealUserIds: true }), 'INVALID_ARGUMENT', /revealUserIds/)
})
