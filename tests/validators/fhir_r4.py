"""Validate FHIR R4 JSON resources with two independent R4 (4.0.1) model libraries.

Usage: fhir_r4.py FILE.json...   Exit 0 when every file is valid under both
fhir.resources 6.4.0 and fhirclient 4.4.0; otherwise print each failure and exit 1.
"""
import json
import sys

from fhir.resources import construct_fhir_element
from fhirclient.models.fhirelementfactory import FHIRElementFactory


def check(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    rt = data.get("resourceType")
    problems = []
    try:
        construct_fhir_element(rt, data)
    except Exception as e:  # noqa: BLE001 - report whatever the library raises
        problems.append(f"fhir.resources: {e}")
    try:
        FHIRElementFactory.instantiate(rt, data)
    except Exception as e:  # noqa: BLE001
        problems.append(f"fhirclient: {e}")
    return problems


def main():
    failed = False
    for path in sys.argv[1:]:
        for p in check(path):
            failed = True
            print(f"{path}: {p}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
