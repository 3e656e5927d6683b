// Shared by the test files: the native module, the Rust CLI (the reference the binding must agree with),
// a small synthetic dataset generated once per test file into a temporary directory, the check of
// rejections, and the guard that fails every test during which the binding made an INTERNAL_ERROR.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, afterEach, beforeEach } from 'node:test'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)

/** The package directory (bindings-node/). */
export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The package itself, as a backend would `require('@halobuzz/analytics')` it. */
export const analytics = require(packageDir)

/** The exchange rate and pseudonym key both sides use, so that results (and hashed host ids) agree. */
export const USD_TO_NPR = '133.5'
export const PSEUDONYM_KEY = 'node-binding-tests'

/** The CLI binary: `$HALOBUZZ_ANALYTICS_CLI` (scripts/test.sh sets it) or the workspace's debug build. */
export const cliPath =
  process.env.HALOBUZZ_ANALYTICS_CLI ?? join(packageDir, '..', 'target', 'debug', 'halobuzz-analytics')

/** Runs the CLI with a clean environment (only our pseudonym key), returning its stdout. */
export function cli(args) {
  if (!existsSync(cliPath)) {
    throw new Error(`no CLI at ${cliPath}: run \`cargo build --bin halobuzz-analytics\` (scripts/test.sh does)`)
  }
  return execFileSync(cliPath, args, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ANALYTICS_PSEUDONYM_KEY: PSEUDONYM_KEY },
    maxBuffer: 256 * 1024 * 1024,
  })
}

/** The CLI's `--json` output of `args`, parsed. */
export function cliJson(args) {
  return JSON.parse(cli([...args, '--json']))
}

/** The generator options of the shared dataset (small: 400 users over 30 days). */
export const DATASET = { users: 400, days: 30, seed: 7 }

/**
 * Generates the dataset with the CLI into a fresh temporary directory (`options.args`: further flags of
 * `generate`, such as `--drop-day`); returns the directory, its manifest (`start`, `end`) and a
 * `cleanup` function for `after()`.
 */
export function generateDataset(options = DATASET) {
  const dir = mkdtempSync(join(tmpdir(), 'halobuzz-node-'))
  cli([
    'generate',
    '--out', dir,
    '--users', String(options.users),
    '--days', String(options.days),
    '--seed', String(options.seed),
    ...(options.args ?? []),
  ])
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
  return { dir, manifest, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The engine configuration matching `cli()`'s environment. */
export const engineConfig = (extra = {}) => ({
  usdToNpr: USD_TO_NPR,
  pseudonymKey: PSEUDONYM_KEY,
  ...extra,
})

/** `YYYY-MM-DD` plus `n` days. */
export function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}

/** The core's category of each code (`Error::category`), as the README's "Errors" table lists them. */
export const CATEGORY = {
  INVALID_ARGUMENT: 'invalidInput',
  RENDER_FAILED: 'internal',
  JOB_FAILED: 'invalidInput',
  CANCELLED: 'invalidInput',
  NOT_A_DATA_DIRECTORY: 'data',
  AMBIGUOUS_DATA_FILE: 'data',
  READ_FAILED: 'data',
  OVERFLOW: 'data',
  STORAGE_ERROR: 'storage',
  WRITE_FAILED: 'storage',
  ENCODE_FAILED: 'storage',
  INTERNAL_ERROR: 'internal',
}

/**
 * Calls `call()`, checks that it returned a promise (no synchronous throw), and that it rejects with an
 * `Error` of `code` and its category (never INTERNAL_ERROR unless that is `code`), its message matching
 * `message` if given; returns the error.
 */
export async function expectRejection(call, code, message) {
  let promise
  assert.doesNotThrow(() => {
    promise = call()
  })
  assert.ok(promise instanceof Promise, 'the call returns a Promise')
  let error
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Error, `not an Error: ${err}`)
    if (code !== 'INTERNAL_ERROR') {
      assert.notEqual(err.code, 'INTERNAL_ERROR', `a bug in the engine: ${err.message}`)
    }
    assert.equal(err.code, code, err.message)
    assert.equal(err.category, CATEGORY[code], `${code}: ${err.message}`)
    if (message) assert.match(err.message, message)
    error = err
    return true
  })
  return error
}

// No test may accept an INTERNAL_ERROR (a bug in the engine, or a panic caught in the binding), even one
// it caught or turned into an HTTP 500: the binding counts those it delivers (`__internalErrors`, a test
// hook left out of index.d.ts); every test fails when the count grew during it, and every file when it
// grew at all (its `before` hooks included), unless the test announced them with `allowInternalErrors()`.
let atTestStart = 0
let allowed = 0
let allowedInFile = 0
const atFileStart = analytics.__internalErrors()

/** The current test raises `n` INTERNAL_ERRORs on purpose (the test hook `__raiseForTest`). */
export function allowInternalErrors(n = 1) {
  allowed += n
  allowedInFile += n
}

function checkInternalErrors(since, permitted, during) {
  const raised = analytics.__internalErrors() - since - permitted
  if (raised > 0) {
    throw new Error(`the engine made ${raised} INTERNAL_ERROR(s) during ${during} (a bug or a panic); no test may accept one`)
  }
}

beforeEach(() => {
  atTestStart = analytics.__internalErrors()
  allowed = 0
})
afterEach((t) => checkInternalErrors(atTestStart, allowed, `"${t.name}"`))
after(() => checkInternalErrors(atFileStart, allowedInFile, 'this file'))
