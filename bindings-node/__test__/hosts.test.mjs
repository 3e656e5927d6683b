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

test('daily lists each host’s days (the CLI’s --daily), adding up to the range', async () => {
  const { start: from, end: to } = data.manifest
  const report = await engine.hostPerformance({ from, to, limit: 10, daily: true })
  const expected = cliJson(['hosts', '--data', data.dir, '--from', from, '--to', to, '--limit', '10', '--daily', '--usd-to-npr', '133.5'])
  assert.deepStrictEqual(report, expected)
  for (const h of report.hosts) {
    assert.ok(h.days.length > 0)
    assert.equal(h.days.reduce((s, d) => s + d.streams, 0), h.streams)
    assert.equal(h.days.reduce((s, d) => s + d.engagement, 0), h.engagement)
    assert.ok(h.days.every((d, i) => i === 0 || h.days[i - 1].date < d.date))
  }
  const plain = await engine.hostPerformance({ from, to, limit: 10 })
  assert.ok(plain.hosts.every((h) => !('days' in h)))
})
