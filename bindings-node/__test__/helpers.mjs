// Shared by the test files: the native module, the Rust CLI (the reference the binding must agree with),
// and a small synthetic dataset generated once per test file into a temporary directory.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
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
 * Generates the dataset with the CLI into a fresh temporary directory; returns the directory, its
 * manifest (`start`, `end`) and a `cleanup` function for `after()`.
 */
export function generateDataset(options = DATASET) {
  const dir = mkdtempSync(join(tmpdir(), 'halobuzz-node-'))
  cli([
    'generate',
    '--out', dir,
    '--users', String(options.users),
    '--days', String(options.days),
    '--seed', String(options.seed),
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
