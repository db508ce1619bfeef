#!/usr/bin/env bash
# The console's browser tests (tests/browser/): Debian's Chromium, driven by
# playwright-core, against a real hub (target/debug/clearway with the connectors in
# dist/plugins/) fed with the corpus files in ../shared/corpus/. Installs what a fresh
# machine lacks: the `chromium` package (never a browser download of a test tool's own)
# and the npm packages pinned in tests/browser/package-lock.json. Artifacts (screenshots,
# the CSV export, the hub's log) go to target/browser-artifacts/.
#
#   scripts/browser-tests.sh            # the whole suite
#   scripts/browser-tests.sh FILE...    # some of tests/browser/*.test.mjs
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
chromium=${CLEARWAY_CHROMIUM:-/usr/bin/chromium}

fail() { echo "browser tests: $*" >&2; exit 1; }

# What the suite runs against: built by ./test.sh (scripts/build-plugins.sh, cargo build).
bin=${CLEARWAY_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/clearway}
missing=()
[[ -x "$bin" ]] || missing+=("$bin (cargo build -p clearway)")
for p in json x12; do
    [[ -f "dist/plugins/$p.wasm" ]] || missing+=("dist/plugins/$p.wasm (scripts/build-plugins.sh)")
done
if ((${#missing[@]})); then
    fail "missing: ${missing[*]}; run ./test.sh, which builds them"
fi
corpus=${CLEARWAY_CORPUS:-$root/../shared/corpus}
if [[ ! -d "$corpus/x12" ]]; then
    # Under CI the tests that read it fail (never skip); elsewhere they skip.
    [[ "${CI:-}" == "true" ]] && fail "missing: $corpus/x12/ (the public test corpus beside the repository)"
    echo "browser tests: $corpus/x12/ is missing: the tests that read it will skip" >&2
fi

# Debian's Chromium, when the machine has none.
if [[ ! -x "$chromium" ]]; then
    echo "==> installing Debian's chromium"
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || fail "$chromium is missing and installing it needs root or sudo"
        sudo=(sudo)
    fi
    install=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)
    if ! "${install[@]}"; then
        "${sudo[@]}" apt-get update
        "${install[@]}"
    fi
    [[ -x "$chromium" ]] || fail "$chromium is still missing after installing the chromium package"
fi

command -v node >/dev/null || fail "node is missing (Node.js 20 or later)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 20)) || fail "node $(node --version) is too old: the suite needs Node.js 20 or later"

# The npm packages, exactly as locked; never a browser download.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
cd tests/browser
stamp=node_modules/.clearway-lock-$(sha256sum package-lock.json | cut -c1-16)
if [[ ! -f "$stamp" ]]; then
    echo "==> npm ci (tests/browser)"
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
fi

export CLEARWAY_BIN="$bin" CLEARWAY_CHROMIUM="$chromium"
export CLEARWAY_ARTIFACTS=${CLEARWAY_ARTIFACTS:-${CARGO_TARGET_DIR:-$root/target}/browser-artifacts}
mkdir -p "$CLEARWAY_ARTIFACTS"
files=("$@")
if ((${#files[@]} == 0)); then files=(./*.test.mjs); fi
echo "==> browser tests (${files[*]}); artifacts in $CLEARWAY_ARTIFACTS"
start=$SECONDS
status=0
node --test --test-concurrency=1 --test-timeout=150000 "${files[@]}" || status=$?
echo "==> browser tests took $((SECONDS - start)) s"
exit $status
