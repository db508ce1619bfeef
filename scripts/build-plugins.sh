#!/usr/bin/env bash
# Build the connector components (and, with --test-guests, the hostile test
# guests) for wasm32-wasip2 and copy them to dist/plugins/.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
    echo "==> installing the wasm32-wasip2 target"
    rustup target add wasm32-wasip2
fi

# x12 is built with LLVM inlining more than its default: in a component every function
# entry and loop also checks the epoch deadline, so calls cost more than they do natively
# (plugin-sdk/README.md, "Build"; ./bench.sh x12: 9-16% faster). It gets its own target
# directory, so the two flag sets never rebuild each other's dependencies. The others
# keep the defaults: fhir-r4's LTO build took over 20 minutes with the flag (and it meets
# its speed target without), json grew from 9 to 16 MB.
inlined=(clearway-x12)
plugins=(clearway-json clearway-fhir-r4)
if [[ "${1:-}" == "--test-guests" ]]; then
    plugins+=(guest-loop guest-greedy guest-panic guest-oversize guest-snoop guest-counter guest-remember)
fi
inline_flags="-C llvm-args=-inline-threshold=1000"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
# CLEARWAY_TIMINGS=1: cargo's timing report for each build (see run.sh).
timings=()
if [[ -n "${CLEARWAY_TIMINGS:-}" ]]; then timings=(--timings); fi
packages() { for p in "$@"; do printf -- '-p\n%s\n' "$p"; done; }

# The two builds use different target directories, so they run side by side: each
# ends in a long single-threaded LTO step (codegen-units = 1) that leaves a core idle.
echo "==> building plugins: ${inlined[*]} (inline threshold 1000) and ${plugins[*]}"
mapfile -t args < <(packages "${inlined[@]}")
CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="$inline_flags" \
    cargo build --locked --target wasm32-wasip2 --profile guest "${timings[@]}" \
    --target-dir "$target_dir/inlined" "${args[@]}" &
inlined_build=$!
mapfile -t args < <(packages "${plugins[@]}")
status=0
cargo build --locked --target wasm32-wasip2 --profile guest "${timings[@]}" "${args[@]}" || status=$?
wait "$inlined_build" || status=$?
if [[ $status -ne 0 ]]; then
    echo "==> building the plugins failed" >&2
    exit "$status"
fi

mkdir -p dist/plugins
copy() {
    local dir=$1
    shift
    for p in "$@"; do
        cp "$dir/wasm32-wasip2/guest/${p//-/_}.wasm" "dist/plugins/${p#clearway-}.wasm"
    done
}
copy "$target_dir/inlined" "${inlined[@]}"
copy "$target_dir" "${plugins[@]}"
ls -l dist/plugins
