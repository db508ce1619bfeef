#!/usr/bin/env bash
# Set up and run the hub on its embedded default (sled in data/, encrypted under
# data/master.key, which the hub makes on first start) with the example config and
# its connectors (json, x12, fhir-r4), an admin token in data/admin.token and a console
# login (coordinator, data/coordinator.password): POST normalized JSON to
# http://127.0.0.1:8080/v1/inbound/practice and find it in outbox/; FHIR Claims to
# http://127.0.0.1:8080/fhir/ehr/Claim/$submit go as 837P to the built-in test
# clearinghouse, whose 999, 277CA and 835 the console at http://127.0.0.1:8080/ shows.
set -euo pipefail
cd "$(dirname "$0")"
# The connectors (wasm32-wasip2, profile `guest`) and the hub (host, `release`) lock
# different build directories, so they build side by side. CLEARWAY_TIMINGS=1 has
# every build write cargo's timing report (target/cargo-timings/, and
# target/inlined/cargo-timings/ for x12), to see where set-up time goes.
timings=()
if [[ -n "${CLEARWAY_TIMINGS:-}" ]]; then timings=(--timings); fi
scripts/build-plugins.sh &
plugins=$!
status=0
cargo build --locked --release "${timings[@]}" -p clearway || status=$?
wait "$plugins" || status=$?
if [[ $status -ne 0 ]]; then
    echo "==> the build failed (see above)" >&2
    exit "$status"
fi
mkdir -p inbox/x12 outbox/x12
# No default credentials: on an empty data dir, make a local admin token, kept only
# in data/admin.token (0600). `clearway token create` prints the token and nothing else.
if [[ ! -s data/admin.token ]]; then
    (
        umask 077
        mkdir -p data
        target/release/clearway token create --config examples/clearway.toml \
            --name "local-admin-$(date +%Y%m%d%H%M%S)" --role admin >data/admin.token.new
        mv data/admin.token.new data/admin.token
    )
    echo "==> made a local admin token: data/admin.token (mode 0600)"
fi
# And a coordinator for the console (http://127.0.0.1:8080/), with a random password
# kept only in data/coordinator.password (0600).
if [[ ! -s data/coordinator.password ]]; then
    (
        umask 077
        head -c 18 /dev/urandom | base64 | tr -d '/+=' >data/coordinator.password.new
        target/release/clearway user add --config examples/clearway.toml --role coordinator \
            --password-file data/coordinator.password.new coordinator >/dev/null
        mv data/coordinator.password.new data/coordinator.password
    )
    echo "==> made a console login: coordinator, password in data/coordinator.password (mode 0600)"
fi
echo "==> the console: http://127.0.0.1:8080/ (log in as coordinator with the password in data/coordinator.password)"
echo "==> the admin token is in data/admin.token: curl -H \"Authorization: Bearer \$(cat data/admin.token)\" http://127.0.0.1:8080/v1/messages"
exec target/release/clearway serve --config examples/clearway.toml "$@"
