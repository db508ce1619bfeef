#!/usr/bin/env bash
# Benchmarks (they print figures; nothing here asserts on time).
#   ./bench.sh pipeline [MESSAGES] [CONCURRENCY]   http -> json -> dir-out, durability on
set -euo pipefail
cd "$(dirname "$0")"
what=${1:-pipeline}
shift || true
case "$what" in
    pipeline)
        scripts/build-plugins.sh
        cargo build --locked --release -p clearway -p clearway-tests --bin clearway --bin bench-pipeline
        CLEARWAY_BIN="$PWD/target/release/clearway" target/release/bench-pipeline "$@"
        ;;
    *) echo "unknown benchmark: $what (expected: pipeline)" >&2; exit 2 ;;
esac
