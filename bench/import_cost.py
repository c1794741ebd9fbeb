"""What a command pays before it does anything: `parindex --help` against importing Great Expectations.

Run: python -m bench.import_cost [--repeat 5]. Each measurement is a fresh process; the figures are
medians of wall time and peak RSS, and whether great_expectations ended up in sys.modules.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

PROBE = (
    "import resource, sys, runpy\n"
    "sys.argv = {argv!r}\n"
    "try:\n    {body}\nexcept SystemExit:\n    pass\n"
    "print('GX=' + str('great_expectations' in sys.modules), 'RSS=' + str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
)
CASES = {
    "parindex --help": (["parindex", "--help"], "from parindex.cli import main; main()"),
    "parindex framework --year 2019": (["parindex", "framework", "--year", "2019"], "from parindex.cli import main; main()"),
    "import flows.ingest (a worker loading the flow)": (["x"], "import flows.ingest"),
    "import great_expectations": (["x"], "import great_expectations"),
}


def measure(argv: list[str], body: str) -> tuple[float, int, bool]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, body=body)], capture_output=True, text=True, check=True).stdout
    elapsed = time.perf_counter() - start
    last = out.strip().splitlines()[-1].split()
    return elapsed, int(last[1].removeprefix("RSS=")), last[0] == "GX=True"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results = {}
    for name, (argv, body) in CASES.items():
        runs = [measure(argv, body) for _ in range(args.repeat)]
        results[name] = {
            "seconds": round(statistics.median(r[0] for r in runs), 3),
            "max_rss_mb": round(statistics.median(r[1] for r in runs) / 1024, 1),
            "imports_gx": runs[0][2],
        }
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
