"""Validate a batch of self-assessments with Great Expectations and turn every failing row into a finding.

GX is imported inside `run_suites` only: the import costs ~3 s and ~230 MB, which the CLI and the
stages that never validate must not pay. Each call builds its own ephemeral context (never a file
context: nothing is written to disk, and concurrent runs cannot trip over a shared great_expectations.yml).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from expectations.frames import (
    COVERAGE,
    INDEX_COLUMNS,
    SCORE_ROWS,
    SUBMISSIONS,
    build_frames,
    form_block,
    leaf_total,
    unit_block_id,
)
from parindex.errors import ConfigurationError
from schemas.framework import Framework
from schemas.records import Finding, Lineage, SelfAssessment, Severity
from schemas.units import UnitRegistry
from schemas.vietnamese import format_points

SUITES_DIR = Path(__file__).parent
UNKNOWN_BLOCK = "chưa xác định"


@dataclass(frozen=True)
class Failure:
    """One row an expectation rejected: its table, the expectation's meta and the row's index columns."""

    table: str
    meta: Mapping[str, Any]
    index: Mapping[str, str]


def load_suite(table: str, directory: Path = SUITES_DIR) -> dict[str, Any]:
    """The suite of `table` as GX wrote it (``<directory>/<table>.json``), as plain JSON data."""
    path = directory / f"{table}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{path}: cannot read expectation suite: {exc}") from exc


def _raised(exception_info: Mapping[str, Any] | None) -> str | None:
    """The message of an exception GX caught while running an expectation, if any."""
    if not exception_info:
        return None
    # GX reports either one {raised_exception, exception_message} dict or one such dict per metric.
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    messages = [str(i.get("exception_message")) for i in infos if isinstance(i, Mapping) and i.get("raised_exception")]
    return "; ".join(messages) or None


def run_suites(
    tables: Mapping[str, pd.DataFrame],
    parameters: Mapping[str, Any],
    directory: Path = SUITES_DIR,
) -> list[Failure]:
    """Validate each table against its suite in one ephemeral GX context; every row an expectation rejects.

    An expectation that cannot run (a column the frame lacks, a broken suite) is a configuration
    error, never a silent pass.
    """
    tables = {name: frame for name, frame in tables.items() if not frame.empty}
    if not tables:
        return []
    os.environ["GX_ANALYTICS_ENABLED"] = "false"  # read when GX is imported and when a context starts
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # its INFO lines are not ours to show

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    failures: list[Failure] = []
    for table, frame in tables.items():
        suite = gx.ExpectationSuite(**load_suite(table, directory))
        source = context.data_sources.add_pandas(name=table)
        batch_definition = source.add_dataframe_asset(name=table).add_batch_definition_whole_dataframe(table)
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        index_columns = INDEX_COLUMNS[table]
        result = batch.validate(
            suite,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": index_columns},
            expectation_parameters=dict(parameters),
        )
        for outcome in result.results:
            config = outcome.expectation_config
            meta = dict(config.meta or {})
            where = f"{directory / table}.json: {config.type} (rule {meta.get('rule')})"
            error = _raised(outcome.exception_info)
            if error:
                raise ConfigurationError(f"{where} could not run: {error}")
            if outcome.success:
                continue
            rows = outcome.result.get("unexpected_index_list")
            if not rows:
                raise ConfigurationError(f"{where} failed without naming the rows it rejected")
            failures.extend(
                Failure(table, meta, {c: str(row[c]) for c in index_columns}) for row in rows
            )
    return failures


def _points(value: Decimal | None) -> str:
    return "" if value is None else format_points(value)


def _code_key(code: str | None) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in (code or "").split("."))


def _order(finding: Finding) -> tuple[object, ...]:
    row = finding.lineage.row if finding.lineage is not None else -1
    return (finding.criterion_code is not None, _code_key(finding.criterion_code), finding.rule, row)


def _finding(failure: Failure, form: SelfAssessment, framework: Framework, registry: UnitRegistry) -> Finding:
    block = form_block(form, framework, registry)
    block_id = unit_block_id(form, registry)
    unit = registry.get(form.unit_code).name if block_id is not None else (form.unit_text or form.unit_code)
    fields: dict[str, object] = {
        "unit": unit,
        "unit_code": form.unit_code,
        "block_id": block_id or UNKNOWN_BLOCK,
        "block_name": block.name if block is not None else UNKNOWN_BLOCK,
        "framework": framework.program_name,
        "year": framework.year,
        "total": _points(leaf_total(form, block)) if block is not None else "",
        "block_max": _points(block.max_points) if block is not None else "",
    }
    code: str | None = None
    lineage: Lineage | None = None
    if failure.table == SCORE_ROWS:
        row = form.rows[int(failure.index["row_id"])]
        criterion = block.criterion(row.code) if block is not None else None
        code, lineage = row.code, row.lineage
        fields |= {
            "name": criterion.name if criterion is not None else row.name,
            "self": _points(row.self_points),
            "raw": row.self_text.strip(),
            "max": _points(criterion.max_points) if criterion is not None else "",
            "step": _points(criterion.step) if criterion is not None else "",
        }
    elif failure.table == COVERAGE:
        code = failure.index["criterion_code"]
        criterion = block.criterion(code) if block is not None else None
        rows = [r for r in form.rows if r.code == code]
        # A repeated criterion points at its second row: the first one a reader would call extra.
        lineage = rows[1].lineage if len(rows) > 1 else None
        fields |= {"name": criterion.name if criterion is not None else "", "occurrences": len(rows)}
    elif failure.table != SUBMISSIONS:
        raise ConfigurationError(f"no findings are defined for table {failure.table!r}")
    fields["code"] = code or ""
    try:
        rule, severity, template = failure.meta["rule"], Severity(failure.meta["severity"]), failure.meta["message"]
        message = template.format_map(fields)
    except (KeyError, ValueError) as exc:
        raise ConfigurationError(
            f"expectations/{failure.table}.json: meta {dict(failure.meta)} needs rule, severity (error|warning) "
            f"and a message using only {sorted(fields)}: {exc!r}"
        ) from exc
    return Finding(
        sha256=form.sha256,
        rule=rule,
        severity=severity,
        message=message,
        criterion_code=code,
        lineage=lineage,
    )


def validate_batch(
    forms: Sequence[SelfAssessment], framework: Framework, registry: UnitRegistry
) -> dict[str, list[Finding]]:
    """The findings of every form of the batch, keyed by its sha256 (an empty list: the form is clean).

    The whole batch goes through GX in one run. Forms with the same sha256 are the same document and
    are validated once.
    """
    unique: dict[str, SelfAssessment] = {}
    for form in forms:
        unique.setdefault(form.sha256, form)
    frames = build_frames(list(unique.values()), framework, registry)
    failures = run_suites(frames.tables, {"framework_blocks": [b.id for b in framework.blocks]})
    findings: dict[str, list[Finding]] = {sha256: [] for sha256 in unique}
    for failure in failures:
        form = unique[failure.index["sha256"]]
        findings[form.sha256].append(_finding(failure, form, framework, registry))
    return {sha256: sorted(found, key=_order) for sha256, found in findings.items()}
