#!/usr/bin/env bash
# Runs the MongoDB-store suite (core/tests/mongo.rs) against a MongoDB-wire server.
#
# - With MONGODB_URI set (a real MongoDB, e.g. mongodb://localhost:27017), the suite runs against it.
# - Otherwise this builds the embedded FerretDB launcher (tests/ferretdb/main.go; the Go module comes
#   through the Go module proxy), starts it on 127.0.0.1 with a free port and a temporary SQLite
#   directory, waits until it accepts connections, runs the suite, and always stops it.
#
# Extra arguments go to the test binary (e.g. a test name filter); HB_CARGO_FLAGS (e.g. --release) go to
# cargo.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

run_suite() {
    cd "$root"
    # Inside the harness a missing server fails the suite instead of letting its tests return early.
    export HALOBUZZ_REQUIRE_MONGODB=1
    # shellcheck disable=SC2086 # HB_CARGO_FLAGS is a list of flags
    cargo test ${HB_CARGO_FLAGS:-} -p halobuzz-analytics --features mongodb --test mongo -- "$@"
}

if [[ -n "${MONGODB_URI:-}" ]]; then
    echo "MONGODB_URI is set: running the suite against it"
    run_suite "$@"
    exit 0
fi

command -v go >/dev/null || { echo "error: Go is needed to build the FerretDB launcher (or set MONGODB_URI)" >&2; exit 1; }

bin_dir="$root/target/ferretdb"
mkdir -p "$bin_dir"
echo "building the FerretDB launcher"
(cd "$here" && go build -o "$bin_dir/ferretdb-launcher" .)

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/halobuzz-ferretdb.XXXXXX")"
pid=""
cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$data_dir"
}
trap cleanup EXIT INT TERM

# A free loopback port: bind port 0 and read back what the kernel chose.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

"$bin_dir/ferretdb-launcher" -listen "127.0.0.1:$port" -dir "$data_dir" >"$data_dir/ferretdb.log" 2>&1 &
pid=$!

for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "error: FerretDB exited early:" >&2
        cat "$data_dir/ferretdb.log" >&2
        exit 1
    fi
    sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "error: FerretDB did not listen on 127.0.0.1:$port" >&2; exit 1; }

export MONGODB_URI="mongodb://127.0.0.1:$port/"
echo "FerretDB is up at $MONGODB_URI"
run_suite "$@"
