"""Times fhir.resources 6.4.0 (FHIR R4 4.0.1 models, pydantic 1) parsing one Bundle for
`./bench.sh fhir` (see tests/README.md).

What the timed part does, exactly: ``fhir.resources.bundle.Bundle.parse_raw(TEXT)`` on the
file's text already in memory: JSON parsing, then building and validating the pydantic
model of the Bundle and of every entry's resource and every contained resource (element
names, types, cardinality, required elements, primitive formats). It resolves no
references and checks no invariants, terminology bindings or profiles.

One untimed run comes first (imports, pydantic's validator caches). The last line printed
is a JSON report: ``{"library": "fhir.resources 6.4.0", "seconds": [...], "result":
{"entries": N, "resources": M}}``, where resources counts entries plus contained
resources of the parsed model.
"""

import argparse
import json
import sys
import time
from importlib import metadata

from fhir.resources.bundle import Bundle


def parse(text):
    """The parsed Bundle."""
    return Bundle.parse_raw(text)


def count(bundle):
    """(entries, entries + contained resources) of a parsed Bundle."""
    entries = bundle.entry or []
    contained = sum(len(getattr(e.resource, "contained", None) or []) for e in entries)
    return len(entries), len(entries) + contained


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("file")
    args = parser.parse_args()
    with open(args.file, encoding="utf-8") as f:
        text = f.read()
    bundle = parse(text)
    seconds = []
    for _ in range(max(1, args.runs)):
        started = time.perf_counter()
        bundle = parse(text)
        seconds.append(time.perf_counter() - started)
    entries, resources = count(bundle)
    report = {
        "library": "fhir.resources " + metadata.version("fhir.resources"),
        "seconds": seconds,
        "result": {"entries": entries, "resources": resources},
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
