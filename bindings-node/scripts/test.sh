#!/usr/bin/env bash
# Tests of the Node binding (@halobuzz/analytics), as scripts/test-all and CI run them on a fresh machine
# with Node >= 20, npm and the Rust toolchain:
#   1. install the locked npm dependencies (only @napi-rs/cli and its dependencies, from the npm registry);
#   2. build the native module (debug profile: it reuses what `cargo test` already compiled, and the tests'
#      datasets are small; the event-loop test needs calls that take a while, which a debug build gives);
#   3. fail if the build changed the committed index.d.ts or index.js (regenerate and commit them);
#   4. build the CLI the tests compare against, and run every `node --test` suite.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Node binding: npm ci =="
npm ci --no-audit --no-fund

echo "== Node binding: napi build (debug) =="
snapshot="$(mktemp -d)"
trap 'rm -rf "$snapshot"' EXIT
for f in index.d.ts index.js; do
  if [[ ! -f "$f" ]]; then
    echo "error: bindings-node/$f is missing; run \`npm run build\` in bindings-node and commit it" >&2
    exit 1
  fi
  cp "$f" "$snapshot/$f"
done
npx napi build --platform
for f in index.d.ts index.js; do
  if ! diff -u "$snapshot/$f" "$f"; then
    echo "error: the build changed bindings-node/$f (diff above); commit the regenerated file" >&2
    exit 1
  fi
done

echo "== Node binding: the CLI the tests compare against =="
cargo build -p halobuzz-analytics-cli --bin halobuzz-analytics
target_dir="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
export HALOBUZZ_ANALYTICS_CLI="$target_dir/debug/halobuzz-analytics"

echo "== Node binding: node --test =="
# One file at a time: the event-loop test measures timer gaps and should not share the CPU with others.
node --test --test-concurrency=1 __test__/*.test.mjs
