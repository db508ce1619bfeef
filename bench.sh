#!/usr/bin/env bash
# Benchmarks (they print figures; nothing here asserts on time). See tests/README.md.
#   ./bench.sh pipeline [a|b|c] [MESSAGES] [CONCURRENCY] [--rate R] [--stored N]
#                                                  the three shapes of issue 12, durability on
#   ./bench.sh pipeline a [MESSAGES] [CONCURRENCY] --rate R --stored N --prune [--pairs K] [--prune-rate R]
#   ./bench.sh prune [STORED] [RATE] [MESSAGES]    the same with 1,000,000 / 100 / 6,000:
#                                                  p99 latency while retention prunes STORED
#                                                  3-year-old messages vs retention off, K (2) pairs
#   ./bench.sh x12 [CLAIMS]                        x12 connector: WASM vs native vs pyx12 (837P, 835)
#   ./bench.sh fhir [ENTRIES]                      fhir-r4 connector: WASM vs native vs fhir.resources
#   ./bench.sh console [CLAIMS]                    console pages over a ledger of CLAIMS claims (100,000)
#   ./bench.sh queue [WAITING]                     Store::due with WAITING (1,000,000) messages queued
#   ./bench.sh chaos [KILLS]                       release hub: chaos kill KILLS (100), partner-down, disk-full
# BENCH_RUNS (default 7), BENCH_WARMUP (2) and BENCH_PY_RUNS (3) set the x12/fhir run counts.
set -euo pipefail
cd "$(dirname "$0")"
what=${1:-pipeline}
shift || true
target=${CARGO_TARGET_DIR:-$PWD/target}
case "$what" in
    pipeline)
        scripts/build-plugins.sh
        cargo build --locked --release -p clearway -p clearway-tests --bin clearway --bin bench-pipeline
        CLEARWAY_BIN="$target/release/clearway" "$target/release/bench-pipeline" "$@"
        ;;
    prune)
        scripts/build-plugins.sh
        cargo build --locked --release -p clearway -p clearway-tests --bin clearway --bin bench-pipeline
        CLEARWAY_BIN="$target/release/clearway" "$target/release/bench-pipeline" a "${3:-6000}" 32 \
            --rate "${2:-100}" --stored "${1:-1000000}" --prune
        ;;
    x12|fhir)
        scripts/build-plugins.sh
        scripts/validators.sh
        cargo build --locked --release -p clearway-tests --bin "bench-$what"
        "$target/release/bench-$what" "$@"
        ;;
    console)
        cargo build --locked --release -p clearway-tests --bin bench-console
        "$target/release/bench-console" "$@"
        ;;
    queue)
        cargo build --locked --release -p clearway-tests --bin bench-queue
        "$target/release/bench-queue" "$@"
        ;;
    chaos)
        # Not timing: faults against the release hub (tests/README.md, "Chaos"). Every
        # run goes ahead; the status says whether any of them failed.
        scripts/build-plugins.sh
        cargo build --locked --release -p clearway -p clearway-tests --bin clearway --bin chaos
        hub="$target/release/clearway"
        status=0
        "$target/release/chaos" kill "${1:-100}" --hub "$hub" || status=1
        "$target/release/chaos" partner-down --hub "$hub" || status=1
        "$target/release/chaos" disk-full --hub "$hub" || status=1
        exit $status
        ;;
    *) echo "unknown benchmark: $what (expected: pipeline, prune, x12, fhir, console, queue or chaos)" >&2; exit 2 ;;
esac
