"""A realistic customs year through `parindex ingest`, as a user runs it: 49 packages of one form and 30
evidence files each (1 to 40 pages, a third scanned at 200 or 300 dpi), Prefect included. Reports the wall
clock, the CPU of the command and its children, the peak memory, what became of the files and of the
forms' citations.

    python -m bench.realistic_year [--work $TMPDIR/parindex-bench] [--evidence-files 30]

The inbox is generated once under --work (about 15 minutes and 1.2 GB) and reused; the warehouse is new
each run.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from samples.generate import generate_inbox


@dataclass(frozen=True)
class YearRun:
    files: int
    seconds: float
    cpu_seconds: float
    peak_mb: float  # the largest process's resident peak
    statuses: dict[str, int]
    links: dict[str, int]  # found / mentioned / missing citations
    scans: int  # evidence read by its header
    scans_unread: int  # of which the number could not be read


def run_year(work: Path, evidence_files: int = 30, units: int | None = None) -> YearRun:
    name = f"realistic-{evidence_files}" + (f"-{units}" if units else "")
    inbox = work / name
    files = len(generate_inbox(inbox, evidence_files=evidence_files, units=units))
    db = work / f"{name}.db"
    db.unlink(missing_ok=True)
    command = [str(Path(sys.executable).with_name("parindex")), "ingest", "--inbox", str(inbox), "--db", f"sqlite:///{db}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PREFECT_LOGGING_LEVEL": "CRITICAL"})
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with sqlite3.connect(db) as con:
        statuses = dict(con.execute("select status, count(*) from documents group by status").fetchall())
        links = dict(con.execute("select status, count(*) from evidence_links group by status").fetchall())
        scans, unread = con.execute("select count(*), sum(document_number is null) from evidence_files where text_layer = 'ocr_header'").fetchone()
    return YearRun(
        files=files,
        seconds=seconds,
        cpu_seconds=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        peak_mb=after.ru_maxrss / 1024,
        statuses=statuses,
        links=links,
        scans=scans,
        scans_unread=unread or 0,
    )


def render(run: YearRun) -> str:
    cited = sum(run.links.values())
    return "\n".join(
        [
            "| files | wall clock | CPU (command and children) | peak memory (one process) | statuses | citations found / mentioned / missing | scans: number unread |",
            "|---:|---:|---:|---:|---|---|---|",
            f"| {run.files} | {run.seconds / 60:.1f} min | {run.cpu_seconds:.0f} s | {run.peak_mb:.0f} MB "
            f"| {', '.join(f'{count} {status}' for status, count in sorted(run.statuses.items()))} "
            f"| {run.links.get('found', 0)} / {run.links.get('mentioned', 0)} / {run.links.get('missing', 0)} of {cited} "
            f"| {run.scans_unread} of {run.scans} |",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "parindex-bench")
    parser.add_argument("--evidence-files", type=int, default=30)
    args = parser.parse_args(argv)
    print(render(run_year(args.work, args.evidence_files)))


if __name__ == "__main__":
    main()
