#!/usr/bin/env bash
# Run every test: installs what a fresh machine lacks (the wasm32-wasip2 target,
# Python venvs of the external validators),
# builds the connector and hostile guest components, the hub, then runs the unit,
# conformance and end-to-end tests in one go.
set -euo pipefail
cd "$(dirname "$0")"

scripts/build-plugins.sh --test-guests
scripts/validators.sh

# A fresh CI clone gains nothing from incremental compilation.
if [[ "${CI:-}" == "true" ]]; then export CARGO_INCREMENTAL=0; fi

# One build of everything the tests need (the hub binary the end-to-end tests run,
# and every test target), with the same features the test run uses, so nothing is
# compiled twice.
echo "==> building the hub and the tests"
cargo build --locked --all-targets

status=0
echo "==> formatting (cargo fmt --check)"
cargo fmt --all --check || status=1
echo "==> lints (clippy, warnings are errors)"
cargo clippy --locked --all-targets -- -D warnings || status=1

echo "==> running the tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --locked --no-fail-fast "$@" || status=1
else
    cargo test --locked --no-fail-fast "$@" || status=1
fi
# The console in a real Chromium against a real hub (installs Debian's chromium
# and the npm packages it lacks; tests/README.md, "Browser tests").
scripts/browser-tests.sh || status=1
# Faults: SIGKILL at random moments under load, 20 times (tests/README.md, "Chaos";
# ./bench.sh chaos runs the long form).
# The binary the build above made (`cargo run -p` would resolve the tests crate's
# features alone and compile wasmtime again).
echo "==> chaos: kill 20, partner down, disk full"
chaos="${CARGO_TARGET_DIR:-$PWD/target}/debug/chaos"
hub="${CARGO_TARGET_DIR:-$PWD/target}/debug/clearway"
"$chaos" kill 20 --hub "$hub" || status=1
"$chaos" partner-down --messages 1000 --hub "$hub" || status=1
# Mounts a 64 MiB tmpfs: needs root (CI runs as root).
"$chaos" disk-full --hub "$hub" || status=1
if [[ $status -ne 0 ]]; then
    echo "==> FAILED (see fmt, clippy, test or browser test output above)" >&2
fi
exit $status
