#!/usr/bin/env bash
# Set up and run the hub on its embedded default (sled in data/) with the example
# config and its connectors (json, x12, fhir-r4): POST normalized JSON to
# http://127.0.0.1:8080/v1/inbound/practice and find it in outbox/; FHIR Claims to
# http://127.0.0.1:8080/fhir/ehr/Claim/$submit arrive in outbox/x12/ as 837P.
set -euo pipefail
cd "$(dirname "$0")"
scripts/build-plugins.sh
cargo build --locked --release -p clearway
mkdir -p inbox/x12 outbox/x12
exec target/release/clearway serve --config examples/clearway.toml "$@"
