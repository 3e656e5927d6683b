#!/usr/bin/env bash
# Builds the Python binding into a virtualenv and runs its tests: stub check (mypy.stubtest), type
# check of the tests and the quickstart notebook against the stubs (mypy), and pytest, which compares
# results with the CLI's JSON and runs docs/notebooks/quickstart.py headless.
#
# Usage: bindings-python/scripts/test.sh [pytest arguments...]
# Environment: PYTHON (interpreter for the virtualenv, default python3), HALOBUZZ_PY_VENV (virtualenv,
# default bindings-python/.venv), HALOBUZZ_PY_RELEASE=1 to build the extension with --release,
# HALOBUZZ_PY_PREPARE_ONLY=1 to stop once the virtualenv has the requirements (scripts/test-all does
# this first: the Rust report tests read the XLSX back with its openpyxl).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$here/.." && pwd)"
venv="${HALOBUZZ_PY_VENV:-$here/.venv}"
python="${PYTHON:-python3}"

echo "== Python binding: virtualenv $venv =="
if [[ ! -x "$venv/bin/python" ]]; then
    # Some distributions ship Python without `venv`/`ensurepip`; fall back to virtualenv from PyPI.
    if ! "$python" -m venv "$venv"; then
        rm -rf "$venv"
        "$python" -m pip install --quiet --user virtualenv
        "$python" -m virtualenv --quiet "$venv"
    fi
fi
py="$venv/bin/python"
# Already satisfied requirements are not downloaded again.
"$py" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-dev.txt"
if [[ "${HALOBUZZ_PY_PREPARE_ONLY:-0}" == "1" ]]; then
    exit 0
fi

echo "== Python binding: build =="
# The CLI is the reference the tests compare against (its JSON output on the same data).
(cd "$repo" && cargo build --quiet --bin halobuzz-analytics)
target_dir="$(cd "$repo" && cargo metadata --format-version 1 --no-deps \
    | "$py" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
# A debug build by default: it shares the workspace's debug artifacts with `cargo build`/`cargo test`,
# compiles in a fraction of a release build's time, and the test datasets are small enough that the
# slower engine costs only seconds.
profile=()
if [[ "${HALOBUZZ_PY_RELEASE:-0}" == "1" ]]; then
    profile=(--release)
fi
(
    cd "$here"
    VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" "$venv/bin/maturin" develop --quiet ${profile[@]+"${profile[@]}"}
)

echo "== Python binding: stubs and types =="
(cd "$venv" && "$py" -m mypy.stubtest halobuzz_analytics)
(cd "$here" && "$py" -m mypy --ignore-missing-imports "$repo/docs/notebooks/quickstart.py" tests)

echo "== Python binding: pytest =="
# pytest exits non-zero when a test fails and 5 when none ran; `set -e` turns both into a failure.
cd "$here"
HALOBUZZ_CLI="$target_dir/debug/halobuzz-analytics" "$py" -m pytest tests "$@"
