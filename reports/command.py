"""`parindex report`: read an inbox, validate it and write the letters, the Office summary and Data Docs (no warehouse)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from reports import DATA_DOCS_DIR, ReportPaths, build_reports
from schemas.records import SelfAssessment


def report_inbox(inbox: Path, out_dir: Path, program: str = "tchq", signed_on: date | None = None) -> list[ReportPaths]:
    """Every form of `inbox` checked in one run per year, reports under ``<out_dir>/<year>/``.

    Reads the inbox as ingest does (files that cannot be read are left out: ingest records why), links
    each form's citations to the evidence of its package, and keeps nothing between runs.
    """
    from expectations.inputs import package_inputs
    from expectations.validate import validate_batch
    from parindex import inbox as inbox_files
    from parindex.pipeline import extract_outcome
    from schemas.framework import framework_for
    from schemas.units import registry_for

    documents = inbox_files.discover(Path(inbox))
    outcomes = [extract_outcome(d, (Path(inbox) / d.path).read_bytes(), program) for d in documents]
    inputs = package_inputs(outcomes)
    by_year: dict[int, list[SelfAssessment]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.form is not None:
            by_year[outcome.form.year].append(outcome.form)
    registry = registry_for(program)
    written: list[ReportPaths] = []
    for year, forms in sorted(by_year.items()):
        framework, target = framework_for(program, year), Path(out_dir) / str(year)
        findings = validate_batch(forms, framework, registry, links=inputs.links, documents=inputs.documents,
                                  data_docs_dir=target / DATA_DOCS_DIR)
        written.append(build_reports(forms, findings, framework, registry, target, documents=inputs.documents,
                                     links=inputs.links, data_docs=target / DATA_DOCS_DIR / "index.html",
                                     signed_on=signed_on))
    return written


def report_command(
    inbox: Annotated[Path, typer.Option("--inbox", help="folder of submitted packages", exists=True, file_okay=False)],
    out: Annotated[Path, typer.Option("--out", help="folder for the reports")] = Path("parindex-reports"),
    program: Annotated[str, typer.Option("--program", help="index program")] = "tchq",
    signed_on: Annotated[str | None, typer.Option("--date", help="date of the letters, YYYY-MM-DD (default: left blank)")] = None,
) -> None:
    """Check an inbox and write a feedback letter per unit, the Office summary and the GX Data Docs."""
    try:
        day = date.fromisoformat(signed_on) if signed_on else None
    except ValueError as exc:
        raise typer.BadParameter(f"--date {signed_on!r} is not YYYY-MM-DD") from exc
    for paths in report_inbox(inbox, out, program, day):
        typer.echo(f"summary: {paths.summary}")
        typer.echo(f"letters: {len(paths.letters) // 2} units, in {paths.letters[0].parent if paths.letters else out}")
        if paths.data_docs is not None:
            typer.echo(f"data docs: {paths.data_docs}")
