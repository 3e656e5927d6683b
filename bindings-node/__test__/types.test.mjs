// index.d.ts describes what the package really returns: every result interface (hand-written in
// src/results.d.ts, prepended by `napi build`) is checked field by field against real results, every
// runtime export is declared, and the whole file type-checks with a typed example (typecheck.ts).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'

import { addDays, analytics, engineConfig, generateDataset, packageDir } from './helpers.mjs'

const { Engine } = analytics
const dts = readFileSync(join(packageDir, 'index.d.ts'), 'utf8')

/** Splits `a | b` or `a; b` at the top level (outside <>, {}, (), quotes). */
function splitTop(text, sep) {
  const parts = []
  let depth = 0
  let quote = null
  let current = ''
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null
    } else if (ch === "'" || ch === '"') quote = ch
    else if ('<{('.includes(ch)) depth++
    else if ('>})'.includes(ch)) depth--
    if (!quote && depth === 0 && ch === sep) {
      parts.push(current.trim())
      current = ''
    } else current += ch
  }
  if (current.trim()) parts.push(current.trim())
  return parts
}

/** `name?: type` members of an object type body (comments removed). */
function members(body) {
  const clean = body.replace(/\/\*\*[\s\S]*?\*\//g, '').replace(/\n/g, ';')
  return splitTop(clean, ';')
    .filter(Boolean)
    .map((m) => {
      const match = /^(\w+)(\?)?:\s*([\s\S]+)$/.exec(m)
      assert.ok(match, `cannot read member \`${m}\``)
      return { name: match[1], optional: Boolean(match[2]), type: match[3].trim() }
    })
}

/** Every `export interface` and `export type` of index.d.ts. */
function declarations() {
  const out = new Map()
  for (const m of dts.matchAll(/^export interface (\w+) \{\n([\s\S]*?)\n\}/gm)) out.set(m[1], `{${m[2]}}`)
  for (const m of dts.matchAll(/^export type (\w+) =\s*([\s\S]*?)(?=\n\n|\n\/\*\*|\nexport )/gm)) out.set(m[1], m[2].trim())
  return out
}
const types = declarations()

/** Asserts that `value` has TypeScript type `type`; `path` names it in failures. */
function check(value, type, path) {
  type = type.trim()
  if (type.startsWith('|')) type = type.slice(1).trim()
  const alternatives = splitTop(type, '|')
  if (alternatives.length > 1) {
    const failures = []
    for (const alt of alternatives) {
      try {
        check(value, alt, path)
        return
      } catch (e) {
        failures.push(e.message)
      }
    }
    assert.fail(`${path}: ${JSON.stringify(value)?.slice(0, 80)} matches none of ${type}:\n  ${failures.join('\n  ')}`)
  }
  if (type === 'number' || type === 'string' || type === 'boolean') {
    assert.equal(typeof value, type, `${path} should be a ${type}`)
  } else if (type === 'null') {
    assert.equal(value, null, `${path} should be null`)
  } else if (type === 'unknown') {
    // anything
  } else if (/^'[^']*'$/.test(type)) {
    assert.equal(value, type.slice(1, -1), path)
  } else if (type.startsWith('Array<')) {
    assert.ok(Array.isArray(value), `${path} should be an array`)
    value.forEach((v, i) => check(v, type.slice(6, -1), `${path}[${i}]`))
  } else if (/^(Partial<)?Record</.test(type)) {
    assert.ok(value && typeof value === 'object' && !Array.isArray(value), `${path} should be an object`)
  } else if (type.startsWith('{')) {
    assert.ok(value && typeof value === 'object' && !Array.isArray(value), `${path} should be an object`)
    const declared = members(type.slice(1, -1))
    for (const m of declared) {
      if (!(m.name in value)) {
        assert.ok(m.optional, `${path}.${m.name} is declared but missing`)
        continue
      }
      check(value[m.name], m.type, `${path}.${m.name}`)
    }
    const extra = Object.keys(value).filter((k) => !declared.some((m) => m.name === k))
    assert.deepStrictEqual(extra, [], `${path} has fields the type does not declare`)
  } else if (types.has(type)) {
    check(value, types.get(type), path)
  } else {
    assert.fail(`${path}: unknown type ${type}`)
  }
}

let data
let engine
before(async () => {
  data = generateDataset()
  engine = await Engine.fromDirectory(data.dir, engineConfig())
})
after(() => data?.cleanup())

test('results match their declared types', async () => {
  const { start, end } = data.manifest
  for (const country of ['ALL', 'NP', 'UNKNOWN']) {
    check(await engine.kpis({ from: start, to: end, country }), 'KpiReport', `kpis(${country})`)
    check(await engine.kpis({ from: '2001-01-01', to: '2001-01-02', country }), 'KpiReport', `kpis(empty, ${country})`)
  }
  for (const metric of analytics.metricPaths()) {
    check(await engine.timeSeries({ metric, from: start, to: end, granularity: 'week' }), 'TimeSeries', metric)
  }
  for (const granularity of ['day', 'week', 'month']) {
    for (const country of ['ALL', 'NP', 'UNKNOWN']) {
      check(await engine.retentionMatrix({ from: start, to: end, granularity, country, days: [0, 1, 7, 28] }), 'RetentionMatrix', `retentionMatrix(${granularity}, ${country})`)
      check(await engine.lifecycle({ from: start, to: end, granularity, country }), 'Lifecycle', `lifecycle(${granularity}, ${country})`)
    }
  }
  const young = await engine.retentionMatrix({ from: start, to: end, asOf: addDays(start, 3) })
  assert.ok(young.cohorts[0].cells.some((c) => c.rate === null), 'cells of no eligible member are null')
  check(young, 'RetentionMatrix', 'retentionMatrix(asOf)')
  check(await engine.retentionMatrix({ from: '2001-01-01', to: '2001-01-02' }), 'RetentionMatrix', 'retentionMatrix(empty)')
  check(await engine.qualityReport(), 'QualityReport', 'qualityReport()')
  const progress = []
  check(await engine.backfill({ from: start, to: end }, (p) => progress.push(p)), 'BackfillSummary', 'backfill()')
  progress.forEach((p, i) => check(p, 'BackfillProgress', `progress[${i}]`))
  check(await engine.rollupDay(addDays(start, 2)), 'Array<RollupView>', 'rollupDay()')
  check(await engine.rollupsOfDay(addDays(start, 2)), 'Array<RollupView>', 'rollupsOfDay()')
  const revealing = await Engine.fromDirectory(data.dir, engineConfig({ revealUserIds: true }))
  const revealed = await revealing.rollupDay(addDays(start, 2))
  assert.ok(revealed.every((v) => v.userIds), 'revealUserIds: every view has userIds')
  check(revealed, 'Array<RollupView>', 'rollupDay(), revealUserIds')
  check(analytics.metrics(), 'Array<MetricInfo>', 'metrics()')
  const generated = await Engine.fromGenerator({ users: 50, days: 3, revenueDrop: { day: '2026-04-05', pct: 50 } })
  check(generated.generationManifest, 'GenerationManifest', 'generationManifest')
  check(engine.generationManifest, 'GenerationManifest | null', 'generationManifest')
})

test('every runtime export is declared, and nothing else (but the test suite\'s hooks)', () => {
  const declared = [...dts.matchAll(/^export declare (?:class|function|const) (\w+)/gm)].map((m) => m[1]).sort()
  // The hooks of the test suite (src/testing.rs) are exported without types: no part of the API.
  const hooks = ['__internalErrors', '__raiseForTest']
  const exported = Object.keys(analytics)
  for (const hook of hooks) assert.ok(exported.includes(hook) && !declared.includes(hook), hook)
  assert.deepStrictEqual(exported.filter((name) => !hooks.includes(name)).sort(), declared)
  const methods = Object.getOwnPropertyNames(Engine.prototype).filter((n) => n !== 'constructor').sort()
  const classBody = /^export declare class Engine \{\n([\s\S]*?)\n\}/m.exec(dts)[1]
  const declaredMethods = [...classBody.matchAll(/^ {2}(?:get |static )?(\w+)\(/gm)].map((m) => m[1])
  for (const m of methods) assert.ok(declaredMethods.includes(m), `Engine.prototype.${m} is not declared`)
  for (const s of ['fromDirectory', 'fromGenerator']) assert.equal(typeof Engine[s], 'function')
})

test('index.d.ts type-checks, and so does using it (misuse does not)', () => {
  const tsc = join(packageDir, 'node_modules', 'typescript', 'bin', 'tsc')
  const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext']
  for (const file of ['index.d.ts', join('__test__', 'typecheck.ts')]) {
    try {
      execFileSync(process.execPath, [tsc, ...args, file], { cwd: packageDir, encoding: 'utf8' })
    } catch (e) {
      assert.fail(`tsc ${file}:\n${e.stdout}${e.stderr}`)
    }
  }
})
