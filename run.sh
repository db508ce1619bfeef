#!/usr/bin/env bash
# Set up and run the hub on its embedded default (sled in data/) with the example
# config: POST normalized JSON to http://127.0.0.1:8080/v1/inbound/practice and
# find it in outbox/.
set -euo pipefail
cd "$(dirname "$0")"
scripts/build-plugins.sh
cargo build --locked --release -p clearway
mkdir -p inbox outbox
exec target/release/clearway serve --config examples/clearway.toml "$@"
