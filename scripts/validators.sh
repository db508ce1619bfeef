#!/usr/bin/env bash
# Create the Python virtual environments of the external validators the tests
# run (each pins its own pydantic), under target/validators/. Idempotent: a venv
# whose packages are installed is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${CARGO_TARGET_DIR:-$PWD/target}/validators
mkdir -p "$root"

make_venv() {
    local name=$1; shift
    local dir="$root/$name"
    local stamp="$dir/.installed-$(echo "$*" | sha256sum | cut -c1-16)"
    if [[ -f "$stamp" ]]; then return 0; fi
    echo "==> python venv $name: $*"
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
    touch "$stamp"
}

# X12 5010 (837P X222A1, 837I X223A2, 835, 277CA, 999).
make_venv pyx12 "pyx12==4.0.0"
# FHIR R4 4.0.1 models (structure), two independent libraries.
make_venv fhir "fhir.resources==6.4.0" "pydantic<2" "fhirclient==4.4.0"
# X12 5010 270/271 (X279A1) and 276/277 (X212), which pyx12 has no maps for:
# linuxforhealth-x12 is built on pydantic 1 and fails to import under pydantic 2.
make_venv lfhx12 "linuxforhealth-x12==0.57.0" "pydantic<2"
