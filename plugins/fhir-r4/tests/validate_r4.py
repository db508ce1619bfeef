"""Validate FHIR R4 (4.0.1) JSON files with two validators written by others.

Usage: python validate_r4.py FILE.json...

- fhir.resources 6.4.0 (pydantic models of R4 4.0.1): construct_fhir_element(resourceType, data)
- fhirclient 4.4.0 (SMART on FHIR models of R4 4.0.1): FHIRElementFactory.instantiate(resourceType, data)

Prints one line per file and validator ("OK" or "FAIL" with the validator's reason) and exits
with status 1 when any file fails either validator, 2 when the validators are not the
expected versions.
"""

import json
import sys

import fhir.resources
import fhirclient
from fhir.resources import construct_fhir_element
from fhirclient.models.fhirelementfactory import FHIRElementFactory


def main(paths):
    if fhir.resources.__version__ != "6.4.0" or fhir.resources.__fhir_version__ != "4.0.1":
        print("fhir.resources must be 6.4.0 (FHIR 4.0.1), found",
              fhir.resources.__version__, fhir.resources.__fhir_version__)
        return 2
    if fhirclient.__version__ != "4.4.0":
        print("fhirclient must be 4.4.0, found", fhirclient.__version__)
        return 2
    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        kind = data.get("resourceType")
        for name, validate in (
            ("fhir.resources-6.4.0", lambda: construct_fhir_element(kind, data)),
            ("fhirclient-4.4.0", lambda: FHIRElementFactory.instantiate(kind, data)),
        ):
            try:
                validate()
                print(f"{path}: {name}: OK")
            except Exception as error:  # the validators raise several exception types
                failed += 1
                reason = " ".join(str(error).split())[:2000]
                print(f"{path}: {name}: FAIL {type(error).__name__}: {reason}")
    print(f"{len(paths)} files, {failed} failures")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
