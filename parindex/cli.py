"""The `parindex` command. Thin: every command calls a flow or a plain function of a stage."""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from core.errors import ConfigurationError, ParindexError, WarehouseError
from core.settings import Settings
from parindex.console import progress_shown

if TYPE_CHECKING:
    from sqlalchemy import Engine

app = typer.Typer(
    name="parindex",
    help="PAR Index pipeline: ingest self-assessments, validate, load the warehouse, publish the ranking decision.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

DbOption = Annotated[str | None, typer.Option("--db", help="warehouse URL (default: $PARINDEX_DB_URL or sqlite:///parindex.db)")]
YearOption = Annotated[int, typer.Option("--year", help="assessment year, e.g. 2019")]
ProgramOption = Annotated[str, typer.Option("--program", help="index program")]
SignerOption = Annotated[str, typer.Option("--signer", help='the name under the signature, e.g. "Nguyễn Văn A" (default: a line left to fill in)')]


class RankingFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


class DataFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


class FormFormat(StrEnum):
    DOCX = "docx"
    PDF = "pdf"


class _Run:
    debug = False  # --debug: tracebacks and Prefect's logs are shown


@app.callback()
def _options(debug: Annotated[bool, typer.Option("--debug", help="show an error's traceback and Prefect's logs")] = False) -> None:
    _Run.debug = debug


def _settings(db: str | None, program: str = "tchq") -> Settings:
    try:
        return Settings(db_url=db, program=program) if db else Settings(program=program)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        given = "--db" if field == "db_url" and db else f"PARINDEX_{field.upper()}"
        raise ConfigurationError(f"{given}: {first['msg'].removeprefix('Value error, ')}") from None


def _existing_warehouse(settings: Settings) -> Engine:
    """The warehouse a command reads: never created by it (WarehouseError when it is not there)."""
    from warehouse.db import make_engine

    return make_engine(settings.db_url, existing=True)


def _counted(counts: Mapping[str, int]) -> str:
    """The non-zero counts by name, e.g. 3 loaded, 1 rejected."""
    return ", ".join(f"{count} {name}" for name, count in sorted(counts.items()) if count)


def _signer(name: str) -> str:
    """The signer's name as typed, in NFC: a terminal may hand Vietnamese over decomposed."""
    return unicodedata.normalize("NFC", " ".join(name.split()))


def _unicode_twins(paths: set[str]) -> set[str]:
    """Paths that print alike but differ in how their Vietnamese letters are encoded (NFC, NFD): two files."""
    spellings: dict[str, set[str]] = {}
    for path in paths:
        spellings.setdefault(unicodedata.normalize("NFC", path), set()).add(path)
    return {path for same in spellings.values() if len(same) > 1 for path in same}


def _plural(count: int, noun: str = "file") -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _for_flows(settings: Settings) -> None:
    """Flows take the warehouse from the environment, so its URL (and password) is never a run parameter."""
    os.environ["PARINDEX_DB_URL"] = settings.db_url
    _quiet_prefect()
    # Prefect's import and its API server take seconds before the first progress line.
    api = os.environ.get("PREFECT_API_URL")
    typer.echo(f"connecting to Prefect at {api} …" if api else "starting Prefect (a temporary API server on this machine) …", err=True)


EPHEMERAL_STARTUP_SECONDS = "180"  # Prefect's own default is about what a first start takes on a small machine


def _quiet_prefect() -> None:
    """Offline and quiet by default: no analytics, warnings only, unless the user set otherwise. Prefect's
    temporary API server gets 3 minutes to start, not Prefect's default: its first start on a new machine
    creates its database, and a busy machine takes longer."""
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", EPHEMERAL_STARTUP_SECONDS)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # A failed flow is one line of ours (main); Prefect would log its traceback once per task and flow.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if _Run.debug else "CRITICAL")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_plain))


# ---------------------------------------------------------------- pipeline commands


@app.command()
def ingest(
    inbox: Annotated[Path, typer.Option("--inbox", help="folder of submitted packages", exists=True, file_okay=False)],
    db: DbOption = None,
    program: ProgramOption = "tchq",
) -> None:
    """Ingest every new file of an inbox: extract, validate, load. Years come from the documents."""
    settings = _settings(db, program)
    _for_flows(settings)
    from flows.ingest import ingest as ingest_flow

    with progress_shown():
        summary = ingest_flow(inbox=str(inbox), program=settings.program)
    typer.echo(f"{_plural(summary.seen)}: " + (_counted({"unchanged": summary.unchanged, **summary.statuses}) or "nothing new"))
    for row in summary.outcomes:
        if row["status"] == "rejected":
            typer.echo(f"  rejected {row['path']}: {row['reason']}: {row['message']}")


@app.command()
def publish(
    year: YearOption,
    block: Annotated[str | None, typer.Option(help="only this block")] = None,
    decision_no: Annotated[str | None, typer.Option("--decision-no", help='e.g. "3751/QĐ-TCHQ"')] = None,
    signed_on: Annotated[str | None, typer.Option("--date", help="decision date, YYYY-MM-DD")] = None,
    cutoff: Annotated[str | None, typer.Option("--cutoff", help="only documents received by then count: YYYY-MM-DD[THH:MM] (UTC)")] = None,
    out: Annotated[Path, typer.Option("--out", help="output folder")] = Path("out"),
    signer: SignerOption = "",
    db: DbOption = None,
    program: ProgramOption = "tchq",
) -> None:
    """Rank every block on final scores, write the decision and its exports, and freeze a ranking snapshot."""
    settings = _settings(db, program)
    when = _parse_date(signed_on)
    until = _parse_cutoff(cutoff)
    _existing_warehouse(settings).dispose()
    _for_flows(settings)
    from flows.publish import publish as publish_flow
    from publishing.exports import ranking_table

    publication = publish_flow(
        year=year,
        program=settings.program,
        block=block,
        decision_no=decision_no,
        signed_on=when,
        cutoff=until,
        out_dir=str(out),
        signer=_signer(signer),
    )
    typer.echo(ranking_table(publication.ranking))
    typer.echo(f"snapshot {publication.snapshot_id} (inputs {publication.inputs_hash[:16]}): {len(publication.files)} files in {out}")
    typer.echo(f"decision: {publication.decision_path}")


@app.command()
def demo(
    workdir: Annotated[Path, typer.Option("--dir", help="where the sample inbox and outputs go")] = Path("parindex-demo"),
    db: DbOption = None,
    evidence_files: Annotated[
        int, typer.Option(help="evidence files per package, a third of them scanned: 30 makes a realistic year (1.2 GB, ~15 min to generate)")
    ] = 0,
) -> None:
    """Generate the 2019 sample inbox, ingest it and publish the ranking decision."""
    settings = _settings(db)
    _for_flows(settings)
    from flows.ingest import ingest as ingest_flow
    from flows.publish import publish as publish_flow
    from publishing.exports import ranking_table
    from samples.generate import generate_inbox

    inbox = workdir / "inbox"
    files = generate_inbox(inbox, program=settings.program, year=2019, evidence_files=evidence_files)
    typer.echo(f"sample inbox: {_plural(len(files))} in {inbox}")
    with progress_shown():
        summary = ingest_flow(inbox=str(inbox), program=settings.program)
    typer.echo("ingested: " + (_counted({"unchanged": summary.unchanged, **summary.statuses}) or "nothing new"))
    publication = publish_flow(year=2019, program=settings.program, out_dir=str(workdir / "out"), decision_no="3751/QĐ-TCHQ")
    typer.echo(ranking_table(publication.ranking))
    typer.echo(f"decision: {publication.decision_path}")


# ---------------------------------------------------------------- read-only commands


@app.command()
def ranking(
    year: YearOption,
    block: Annotated[str | None, typer.Option(help="only this block")] = None,
    fmt: Annotated[RankingFormat, typer.Option("--format")] = RankingFormat.TABLE,
    db: DbOption = None,
    program: ProgramOption = "tchq",
) -> None:
    """Print the current ranking from the warehouse."""
    from pipeline.steps import ranking_from_warehouse
    from publishing.exports import ranking_csv, ranking_json, ranking_table

    settings = _settings(db, program)
    ranked = ranking_from_warehouse(_existing_warehouse(settings), settings.program, year, block)
    if not ranked and fmt is RankingFormat.TABLE:
        typer.echo(f"no scores of {settings.program} {year} in the warehouse" + (f" for block {block}" if block else ""))
        return
    render = {RankingFormat.TABLE: ranking_table, RankingFormat.CSV: ranking_csv, RankingFormat.JSON: ranking_json}[fmt]
    typer.echo(render(ranked))


@app.command()
def status(
    year: Annotated[int | None, typer.Option("--year", help="only packages with a form of this year")] = None,
    db: DbOption = None,
) -> None:
    """List every recorded document with its status (and reason when rejected)."""
    from warehouse.queries import document_statuses

    rows = document_statuses(_existing_warehouse(_settings(db)), year)
    twins = _unicode_twins({row.path for row in rows})
    for row in rows:
        detail = f"{row.reason}: {row.message}" if row.reason else (row.note or row.unit_code or "")
        form = f" [{'NFC' if unicodedata.is_normalized('NFC', row.path) else 'NFD'}]" if row.path in twins else ""
        typer.echo(f"{row.status:<10} {row.path}{form}  {detail}")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    typer.echo(f"{_plural(len(rows), 'document')}" + (f": {_counted(counts)}" if rows else ""))


@app.command()
def framework(year: YearOption, fmt: Annotated[DataFormat, typer.Option("--format")] = DataFormat.TABLE, program: ProgramOption = "tchq") -> None:
    """Print a year's scoring framework: blocks, criteria, maxima and steps."""
    from schemas.framework import framework_for

    loaded = framework_for(program, year)
    if fmt is DataFormat.JSON:

        def node(c: Any) -> dict[str, Any]:
            return {"code": c.code, "name": c.name, "max_points": c.max_points, "step": c.step, "children": [node(x) for x in c.children]}

        _echo_json(
            {
                "program": loaded.program,
                "year": loaded.year,
                "illustrative": loaded.illustrative,
                "blocks": [
                    {"id": b.id, "name": b.name, "max_points": b.max_points, "criteria": [node(c) for c in b.criteria]} for b in loaded.blocks
                ],
            }
        )
        return
    from schemas.vietnamese import format_points

    for block in loaded.blocks:
        typer.echo(f"{block.id}: {block.name} ({format_points(block.max_points)} điểm)")
        for c in block.walk():
            typer.echo(f"  {'  ' * (c.level - 1)}{c.code:<7} {format_points(c.max_points):>5}  {c.name}")


@app.command()
def units(fmt: Annotated[DataFormat, typer.Option("--format")] = DataFormat.TABLE, program: ProgramOption = "tchq") -> None:
    """Print the unit registry: codes, blocks, names and aliases."""
    from schemas.units import registry_for

    registry = registry_for(program)
    if fmt is DataFormat.JSON:
        _echo_json([{"code": u.code, "name": u.name, "block": u.block, "aliases": list(u.aliases)} for u in registry.units])
        return
    for u in registry.units:
        typer.echo(f"{u.code:<32} {u.block:<16} {u.name}")


@app.command()
def template(
    year: YearOption,
    block: Annotated[str, typer.Option("--block", help="block id, see `parindex framework`")],
    fmt: Annotated[FormFormat, typer.Option("--format")] = FormFormat.DOCX,
    output: Annotated[Path, typer.Option("-o", "--output", help="file to write")] = Path("mau-tu-danh-gia.docx"),
    program: ProgramOption = "tchq",
) -> None:
    """Write the blank self-assessment form of a block."""
    from forms import blank_form, write_form
    from schemas.framework import framework_for

    data = write_form(blank_form(framework_for(program, year), block), fmt.value)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    typer.echo(f"wrote {output}")


@app.command()
def report(
    year: YearOption,
    unit: Annotated[str | None, typer.Option("--unit", help="only this unit's letter")] = None,
    out: Annotated[Path, typer.Option("--out", help="output folder")] = Path("reports"),
    signer: SignerOption = "",
    db: DbOption = None,
    program: ProgramOption = "tchq",
) -> None:
    """Write the data-quality reports of the current submissions: a letter per unit, the Office summary, Data Docs."""
    settings = _settings(db, program)
    _existing_warehouse(settings).dispose()
    _for_flows(settings)
    from flows.quality import quality

    result = quality(year=year, program=settings.program, unit=unit, out_dir=str(out), signer=_signer(signer))
    typer.echo(f"{result.findings} open findings; {len(result.letters) // 2} letters in {out}")
    typer.echo(f"summary: {result.summary}")
    if result.data_docs:
        typer.echo(f"data docs: {result.data_docs}")


@app.command()
def serve() -> None:
    """Serve the deployments of prefect.yaml from this process (nightly ingest, manual publish) until stopped."""
    _quiet_prefect()
    from flows.serve import serve_all

    serve_all()


db_app = typer.Typer(help="Warehouse schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Bring the warehouse schema to the code's revision (Alembic); safe to run again."""
    from core.settings import redact
    from warehouse import migrate
    from warehouse.db import make_engine

    engine = make_engine(_settings(db).db_url, auto_migrate=True)
    typer.echo(f"{redact(str(engine.url))} is at revision {migrate.current(engine)}")


@app.command("lineage")
def lineage_command(
    year: YearOption,
    unit: Annotated[str, typer.Option("--unit", help="unit code, see `parindex units`")],
    criterion: Annotated[str | None, typer.Option("--criterion", help="one criterion code, e.g. 3.2.1")] = None,
    db: DbOption = None,
    program: ProgramOption = "tchq",
) -> None:
    """Show every value a unit's scores had, round by round, with the document (name, sha256, page, row)."""
    from schemas.units import registry_for
    from schemas.vietnamese import format_points
    from warehouse.queries import lineage

    settings = _settings(db, program)
    try:
        registry_for(settings.program).get(unit)
    except KeyError:
        raise typer.BadParameter(f"no unit {unit!r} in the {settings.program} registry", param_hint="--unit") from None
    entries = lineage(_existing_warehouse(settings), settings.program, year, unit, criterion)
    if not entries:
        typer.echo(f"no scores recorded for {unit} in {year}")
        return
    for e in entries:
        points = "-" if e.points is None else format_points(e.points)
        mark = "*" if e.current and e.round == "self" else " "
        where = f"p.{e.page} " if e.page else ""
        typer.echo(f"{e.criterion_code:<8} {e.round:<11}{mark} {points:>5}  {e.document_path} [{e.sha256[:12]}] {where}row {e.row}  {e.note}")
    typer.echo("* the current self-assessment version")


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"--date must be YYYY-MM-DD, got {text!r}") from exc


def _parse_cutoff(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"--cutoff must be YYYY-MM-DD or YYYY-MM-DDTHH:MM, got {text!r}") from exc
    # a bare date means the whole day; times are UTC, as the warehouse keeps them
    return moment.replace(hour=23, minute=59, second=59) if len(text) == 10 else moment.replace(tzinfo=None)


EXIT_BAD_INPUT = 2  # what the user gave: an option, a setting, a framework, scores that cannot be published
EXIT_WAREHOUSE = 3  # the warehouse: not there, unreachable, or not at the code's schema
EXIT_DEFECT = 1  # anything else is a defect of parindex


def main() -> None:
    try:
        app()
    except Exception as exc:
        if _Run.debug:
            raise
        code, line = error_line(exc)
        typer.echo(f"error: {line}", err=True)
        raise SystemExit(code) from None


def error_line(exc: Exception) -> tuple[int, str]:
    """The exit code and the one line an error is shown as."""
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, WarehouseError):
        return EXIT_WAREHOUSE, str(exc)
    if isinstance(exc, ParindexError):
        return EXIT_BAD_INPUT, str(exc)
    if isinstance(exc, SQLAlchemyError):  # the warehouse went down, or is not a parindex warehouse
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return EXIT_WAREHOUSE, f"warehouse: {type(exc).__name__}: {detail}"
    return EXIT_DEFECT, f"{type(exc).__name__}: {exc} (a defect of parindex: `parindex --debug ...` shows where)"


if __name__ == "__main__":
    main()
