#!/usr/bin/env bash
# Build the connector components (and, with --test-guests, the hostile test
# guests) for wasm32-wasip2 and copy them to dist/plugins/.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
    echo "==> installing the wasm32-wasip2 target"
    rustup target add wasm32-wasip2
fi

plugins=(clearway-json clearway-x12 clearway-fhir-r4)
if [[ "${1:-}" == "--test-guests" ]]; then
    plugins+=(guest-loop guest-greedy guest-panic guest-oversize guest-snoop guest-counter)
fi
args=()
for p in "${plugins[@]}"; do args+=(-p "$p"); done

echo "==> building plugins: ${plugins[*]}"
cargo build --locked --target wasm32-wasip2 --profile guest "${args[@]}"

target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
mkdir -p dist/plugins
for p in "${plugins[@]}"; do
    src="$target_dir/wasm32-wasip2/guest/${p//-/_}.wasm"
    name=${p#clearway-}
    cp "$src" "dist/plugins/$name.wasm"
done
ls -l dist/plugins
