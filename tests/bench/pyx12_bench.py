"""Times pyx12 4.0.0 over one X12 file for `./bench.sh x12` (see tests/README.md).

Modes (what the timed part does, exactly):

- ``validate``: ``pyx12.x12n_document.x12n_document(param, src_file=FILE, fd_997=None,
  fd_html=None, fd_xmldoc=None)``: reads the file, walks every segment through the
  implementation guide's map (loops, segment and element syntax, code values, dates,
  counts) and returns whether it is valid. No 999, HTML or XML output is written.
- ``read``: iterates ``pyx12.x12file.X12Reader(FILE)``: splits the file into segments and
  checks the ISA/GS/ST envelope and trailer counts, without the guide's map.

Before timing, one untimed run over ``--warmup FILE`` (a small interchange of the same
transaction) loads the modules and the map. Each timed run is measured with
``time.perf_counter``. The last line printed is a JSON report:
``{"library": "pyx12 4.0.0", "mode": ..., "seconds": [...], "result": ...}``.
"""

import argparse
import json
import logging
import sys
import time
from importlib import metadata

import pyx12.params
import pyx12.x12file
import pyx12.x12n_document


def validate(path):
    """True when pyx12 finds the file valid against its map."""
    return bool(
        pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(),
            src_file=path,
            fd_997=None,
            fd_html=None,
            fd_xmldoc=None,
        )
    )


def read(path):
    """The number of segments pyx12's reader yields."""
    count = 0
    for _segment in pyx12.x12file.X12Reader(path):
        count += 1
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["validate", "read"], required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", required=True, help="a small file for the untimed run")
    parser.add_argument("file")
    args = parser.parse_args()
    # pyx12 logs every problem it finds; the verdict is in the report instead.
    logging.disable(logging.CRITICAL)
    work = validate if args.mode == "validate" else read
    work(args.warmup)
    seconds = []
    result = None
    for _ in range(max(1, args.runs)):
        started = time.perf_counter()
        result = work(args.file)
        seconds.append(time.perf_counter() - started)
    report = {
        "library": "pyx12 " + metadata.version("pyx12"),
        "mode": args.mode,
        "seconds": seconds,
        "result": result,
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
