// Alerts through the package (the core's CheckAlertsRequest, EvaluateAlertsRequest, AlertFilter,
// AlertActionRequest, AlertRule, DeleteAlertRuleRequest and DeliverAlertsRequest): on a dataset with a
// 60% revenue drop injected on DROP_DAY, a check the morning after raises `revenue_drop:ALL:DROP_DAY`
// with the same JSON as `halobuzz-analytics alerts check --json`; acknowledging, resolving, the rules,
// and delivery through a JavaScript notifier, each attempt recorded on its alert.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { analytics, cliJson, engineConfig, expectRejection, generateDataset } from './helpers.mjs'

const { Engine } = analytics

const DROP_DAY = '2026-04-14'
const REVENUE_ALERT = `revenue_drop:ALL:${DROP_DAY}`
/** 08:00 in Sydney (AEST, +10:00) the morning after the drop. */
const AT = '2026-04-14T22:00:00Z'
const NOW = '2026-04-20T00:00:00Z'

let data
before(() => {
  data = generateDataset({ users: 1500, days: 30, seed: 7, args: ['--drop-day', DROP_DAY, '--drop-pct', '60'] })
})
after(() => data?.cleanup())

/** A fresh engine over the dataset (the in-memory store starts without alerts), clock at NOW. */
const open = () => Engine.fromDirectory(data.dir, engineConfig({ now: NOW }))
const cliFlags = () => ['--data', data.dir, '--usd-to-npr', '133.5', '--now', NOW, '--at', AT]

describe('checking and explaining', () => {
  test('checkAlerts the morning after the drop raises it, as the CLI does', async () => {
    const engine = await open()
    const check = await engine.checkAlerts({ at: AT, channels: { channels: ['slack', 'webhook'] } })
    assert.ok(check.transitions.some((t) => t.alertId === REVENUE_ALERT && t.to === 'active' && t.event === 'firing'))
    const alert = check.alerts.find((a) => a.alertId === REVENUE_ALERT)
    assert.ok(alert.deviation < -15, `deviation ${alert.deviation}`)
    assert.ok(check.notifications.some((n) => n.alertId === REVENUE_ALERT && n.channel === 'slack'))
    const expected = cliJson(['alerts', 'check', ...cliFlags(), '--channels', 'slack,webhook'])
    assert.deepStrictEqual(check, expected)
    assert.equal(JSON.stringify(check), JSON.stringify(expected))
  })

  test('without channels, no payloads; a second check changes nothing', async () => {
    const engine = await open()
    const first = await engine.checkAlerts({ at: AT })
    assert.deepStrictEqual(first.notifications, [])
    const again = await engine.checkAlerts({ at: AT })
    assert.ok(!again.transitions.some((t) => t.alertId === REVENUE_ALERT), 'raised twice')
  })

  test('evaluateAlerts explains every rule, as `alerts explain --json`, storing nothing', async () => {
    const engine = await open()
    const evaluations = await engine.evaluateAlerts({ at: AT })
    assert.deepStrictEqual(evaluations, cliJson(['alerts', 'explain', ...cliFlags()]))
    const revenue = evaluations.find((e) => e.rule === 'revenue_drop' && e.country === 'ALL')
    assert.equal(revenue.decision, 'breach')
    assert.deepStrictEqual(await engine.alerts(), [])
  })

  test('the request layer refuses a bad or future instant and an unknown channel', async () => {
    const engine = await open()
    await expectRejection(() => engine.checkAlerts({ at: 'yesterday' }), 'INVALID_ARGUMENT', /at/)
    await expectRejection(() => engine.checkAlerts({ at: '2099-01-01T00:00:00Z' }), 'INVALID_ARGUMENT', /at/)
    await expectRejection(() => engine.checkAlerts({ channels: { channels: ['pager'] } }), 'INVALID_ARGUMENT')
    await expectRejection(() => engine.evaluateAlerts({ at: AT, bogus: 1 }), 'INVALID_ARGUMENT', /bogus/)
    await expectRejection(() => engine.evaluateAlerts('2026-04-14'), 'INVALID_ARGUMENT')
  })
})

describe('acknowledging and resolving', () => {
  test('acknowledge, then resolve, with the errors of each', async () => {
    const engine = await open()
    await engine.checkAlerts({ at: AT })
    const acked = await engine.acknowledgeAlert(REVENUE_ALERT, 'ops@halobuzz')
    assert.equal(acked.status, 'acknowledged')
    assert.equal(acked.acknowledgedBy, 'ops@halobuzz')
    assert.equal(acked.acknowledgedAt, NOW)
    await expectRejection(() => engine.acknowledgeAlert(REVENUE_ALERT, 'ops'), 'INVALID_ARGUMENT', /only an active alert/)
    await expectRejection(() => engine.acknowledgeAlert('no-such-alert', 'ops'), 'INVALID_ARGUMENT', /no alert/)
    await expectRejection(() => engine.resolveAlert(REVENUE_ALERT, 'ops\u001b[31m'), 'INVALID_ARGUMENT', /by/)
    await expectRejection(() => engine.resolveAlert(REVENUE_ALERT), 'INVALID_ARGUMENT', /by/)
    await expectRejection(() => engine.resolveAlert(42, 'ops'), 'INVALID_ARGUMENT', /alertId/)
    const resolved = await engine.resolveAlert(REVENUE_ALERT, 'ops@halobuzz')
    assert.equal(resolved.status, 'resolved')
    assert.equal(resolved.resolvedBy, 'ops@halobuzz')
    await expectRejection(() => engine.resolveAlert(REVENUE_ALERT, 'ops'), 'INVALID_ARGUMENT', /already resolved/)
    const listed = await engine.alerts({ status: ['resolved'], rule: 'revenue_drop' })
    assert.deepStrictEqual(listed, [resolved])
    await expectRejection(() => engine.alerts({ limit: 0 }), 'INVALID_ARGUMENT', /limit/)
    await expectRejection(() => engine.alerts({ minSeverity: 'apocalyptic' }), 'INVALID_ARGUMENT', /minSeverity/)
  })
})

describe('rules', () => {
  test('put, list and delete a rule', async () => {
    const engine = await open()
    const builtIns = await engine.alertRules()
    assert.deepStrictEqual(
      builtIns.map((r) => r.id),
      ['revenue_drop', 'payer_rate_drop', 'abuse_spike', 'infra_errors', 'churn_spike', 'engagement_drop'],
    )
    const rule = { id: 'np-revenue-floor', condition: { kind: 'threshold', metric: 'revenue.total', below: 1000 }, countries: ['NP'], for: '15m' }
    const stored = await engine.putAlertRule(rule)
    assert.equal(stored.id, rule.id)
    assert.equal(stored.for, '900s')
    assert.equal(stored.enabled, true)
    assert.deepStrictEqual(stored.countries, ['NP'])
    const rules = await engine.alertRules()
    assert.deepStrictEqual(rules.at(-1), stored)
    assert.equal(await engine.deleteAlertRule(rule.id), true)
    assert.equal(await engine.deleteAlertRule(rule.id), false)
    assert.deepStrictEqual(await engine.alertRules(), builtIns)
    await expectRejection(() => engine.putAlertRule({ ...rule, id: 'Bad Id!' }), 'INVALID_ARGUMENT', /id/)
    await expectRejection(
      () => engine.putAlertRule({ ...rule, condition: { kind: 'threshold', metric: 'revenue.totl', below: 1 } }),
      'INVALID_ARGUMENT',
      /revenue\.totl/,
    )
    await expectRejection(() => engine.putAlertRule(), 'INVALID_ARGUMENT')
    await expectRejection(() => engine.deleteAlertRule(), 'INVALID_ARGUMENT', /id/)
  })
})

describe('delivery through a JavaScript notifier', () => {
  const channels = { channels: ['slack', 'webhook'] }

  test('a failed attempt and a sent one are recorded on the alert, the response redacted', async () => {
    const engine = await open()
    const received = []
    const notifier = (notification) => {
      received.push(notification)
      if (received.length === 1) {
        return { outcome: 'failed', response: 'HTTP 500 from https://hooks.slack.com/services/T0/B0/XXXSECRET' }
      }
      return new Promise((resolve) => setTimeout(() => resolve({ outcome: 'sent', response: '200 OK' }), 5))
    }
    const done = await engine.deliverAlertNotifications({ at: AT, channels }, notifier)
    assert.deepStrictEqual(received, done.notifications)
    assert.equal(received[0].alertId, REVENUE_ALERT)
    assert.equal(received[0].channel, 'slack')
    const alert = done.delivered.find((a) => a.alertId === REVENUE_ALERT)
    assert.deepStrictEqual(
      alert.notifications.map(({ channel, event, outcome, at, response }) => ({ channel, event, outcome, at, response })),
      [
        { channel: 'slack', event: 'firing', outcome: 'failed', at: NOW, response: 'HTTP 500 from https://hooks.slack.com/***' },
        { channel: 'webhook', event: 'firing', outcome: 'sent', at: NOW, response: '200 OK' },
      ],
    )
    const [stored] = await engine.alerts({ rule: 'revenue_drop' })
    assert.deepStrictEqual(stored, alert)
    // The check is the same as without delivery.
    const { delivered, ...check } = done
    const plain = await (await open()).checkAlerts({ at: AT, channels })
    assert.deepStrictEqual(check, plain)
    assert.equal(delivered.length, new Set(done.notifications.map((n) => n.alertId)).size)
  })

  test('a notifier that throws, rejects or answers nonsense is a failed attempt, never a crash', async () => {
    const answers = [
      () => {
        throw new Error('boom: token 123456789:AAEhBP0av28sYqB4lPf3e-X9x2uN0yZ6abc')
      },
      () => Promise.reject(new TypeError('socket hang up')),
      () => 42,
      () => ({ outcome: 'delivered' }),
      () => {
        throw Symbol('odd')
      },
      () => ({ get outcome() { throw new Error('getter') } }),
      () => undefined,
    ]
    for (const [i, answer] of answers.entries()) {
      const engine = await open()
      const done = await engine.deliverAlertNotifications({ at: AT, channels: { channels: ['webhook'] } }, answer)
      const alert = done.delivered.find((a) => a.alertId === REVENUE_ALERT)
      assert.equal(alert.notifications.length, 1, `answer ${i}`)
      const [attempt] = alert.notifications
      assert.equal(attempt.outcome, 'failed', `answer ${i}: ${attempt.response}`)
      assert.ok(attempt.response.length > 0, `answer ${i}`)
      assert.ok(!attempt.response.includes('AAEhBP0'), attempt.response)
      if (i === 0) assert.match(attempt.response, /boom/)
      if (i === 1) assert.match(attempt.response, /socket hang up/)
    }
  })

  test('a notifier that is not a function, and bad channels, reject before anything is checked', async () => {
    const engine = await open()
    await expectRejection(() => engine.deliverAlertNotifications({ at: AT, channels }, 'https://hooks'), 'INVALID_ARGUMENT', /notifier/)
    await expectRejection(() => engine.deliverAlertNotifications({ at: AT, channels }), 'INVALID_ARGUMENT', /notifier/)
    await expectRejection(() => engine.deliverAlertNotifications({ at: AT }, () => ({ outcome: 'sent' })), 'INVALID_ARGUMENT', /channels/)
    await expectRejection(
      () => engine.deliverAlertNotifications({ at: AT, channels: { channels: ['telegram'] } }, () => ({ outcome: 'sent' })),
      'INVALID_ARGUMENT',
      /telegram/,
    )
    assert.deepStrictEqual(await engine.alerts(), [])
  })
})
