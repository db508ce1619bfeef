#!/usr/bin/env bash
# Run every test: installs what a fresh machine lacks (the wasm32-wasip2 target),
# builds the connector and hostile guest components, the hub, then runs the unit,
# conformance and end-to-end tests in one go.
set -euo pipefail
cd "$(dirname "$0")"

scripts/build-plugins.sh --test-guests

echo "==> building the hub"
cargo build --locked -p clearway

echo "==> checking JSON Schemas, formatting and lints"
cargo clippy --locked --all-targets -- -D warnings

echo "==> running the tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --locked --no-fail-fast "$@"
else
    cargo test --locked --no-fail-fast "$@"
fi
