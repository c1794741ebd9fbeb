"""Validate a batch of self-assessments with Great Expectations and turn every failing row into a finding.

GX is imported inside `run_suites` only: its import is the heaviest of the pipeline's (seconds, and
more memory than the rest together: bench/import_cost.py), which the CLI and the stages that never
validate must not pay. Each call builds its own ephemeral context (never a file
context: nothing is written but the Data Docs asked for, and concurrent runs cannot trip over a shared
great_expectations.yml).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from core.errors import ConfigurationError
from core.memory import set_aside_loaded
from core.settings import DEFAULT_MIN_CONFIDENCE
from expectations.findings import Batch, Failure, to_finding
from expectations.frames import INDEX_COLUMNS, build_frames
from expectations.rules import order
from schemas.framework import Framework
from schemas.records import EvidenceLink, Finding, SelfAssessment
from schemas.units import UnitRegistry

SUITES_DIR = Path(__file__).parent
DATA_DOCS_SITE = "parindex"

__all__ = ["SUITES_DIR", "Failure", "load_great_expectations", "load_suite", "run_suites", "validate_batch"]


def load_suite(table: str, directory: Path = SUITES_DIR) -> dict[str, Any]:
    """The suite of `table` as GX wrote it (``<directory>/<table>.json``), as plain JSON data."""
    path = directory / f"{table}.json"
    try:
        suite: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{path}: cannot read expectation suite: {exc}") from exc
    return suite


def _raised(exception_info: Mapping[str, Any] | None) -> str | None:
    """The message of an exception GX caught while running an expectation, if any."""
    if not exception_info:
        return None
    # GX reports either one {raised_exception, exception_message} dict or one such dict per metric.
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    messages = [str(i.get("exception_message")) for i in infos if isinstance(i, Mapping) and i.get("raised_exception")]
    return "; ".join(messages) or None


def _site_config(directory: Path) -> dict[str, Any]:
    return {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(directory)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


@cache
def load_great_expectations() -> ModuleType:
    """GX, imported once per process; its modules then kept out of the cyclic collector's walks."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"  # read when GX is imported and when a context starts
    import great_expectations

    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # its INFO lines are not ours to show
    # This module sets its own logger to INFO, and tells of each ephemeral context's temporary directory.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    # The batch being validated is set aside too: its objects are still freed as their last reference goes.
    set_aside_loaded()
    return great_expectations


_ROWS = {"result_format": "COMPLETE"}  # with every rejected row (by its index label)


def _failing_with_rows(gx: ModuleType, batch: Any, suite_data: Mapping[str, Any], parameters: Mapping[str, Any]) -> list[Any]:
    """The results of the suite's expectations that fail on `batch` (or cannot run), each with its rejected rows.

    GX's cost is mostly its fixed cost per expectation, and telling whether one passes without collecting
    what it rejects (BOOLEAN_ONLY) takes about half as long as collecting them. Most expectations of a
    batch pass, so only those that fail are run again, for their rows.
    """
    expectations = [{**expectation, "id": str(position)} for position, expectation in enumerate(suite_data["expectations"])]
    passed = batch.validate(
        gx.ExpectationSuite(**{**suite_data, "expectations": expectations}),
        result_format={"result_format": "BOOLEAN_ONLY"},
        expectation_parameters=dict(parameters),
    )
    failing = {outcome.expectation_config.id for outcome in passed.results if not outcome.success}
    if not failing:
        return []
    again = gx.ExpectationSuite(**{**suite_data, "expectations": [e for e in expectations if e["id"] in failing]})
    return list(batch.validate(again, result_format=_ROWS, expectation_parameters=dict(parameters)).results)


def run_suites(
    tables: Mapping[str, pd.DataFrame],
    parameters: Mapping[str, Any],
    directory: Path = SUITES_DIR,
    data_docs_dir: Path | None = None,
) -> list[Failure]:
    """Validate each table against its suite in one ephemeral GX context; every row an expectation rejects.

    With `data_docs_dir`, the run also writes its Data Docs site there (index.html; the validations of
    earlier runs into the same folder stay listed). An expectation that cannot run (a column the frame
    lacks, a broken suite) is a configuration error, never a silent pass.
    """
    tables = {name: frame for name, frame in tables.items() if not frame.empty}
    if not tables and data_docs_dir is None:
        return []
    gx = load_great_expectations()
    # From the module that defines it: great_expectations.data_context re-exports it only implicitly.
    from great_expectations.data_context.data_context.context_factory import set_context

    try:
        return _validate_tables(gx, tables, parameters, directory, data_docs_dir)
    finally:
        set_context(None)  # GX keeps the latest context as its current one: this call's goes with it


def _validate_tables(
    gx: ModuleType, tables: Mapping[str, pd.DataFrame], parameters: Mapping[str, Any], directory: Path, data_docs_dir: Path | None
) -> list[Failure]:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if data_docs_dir is not None:
        Path(data_docs_dir).mkdir(parents=True, exist_ok=True)
        context.add_data_docs_site(DATA_DOCS_SITE, _site_config(Path(data_docs_dir).resolve()))
    failures: list[Failure] = []
    for table, frame in tables.items():
        suite_data = load_suite(table, directory)
        source = context.data_sources.add_pandas(name=table)
        batch_definition = source.add_dataframe_asset(name=table).add_batch_definition_whole_dataframe(table)
        index_columns = INDEX_COLUMNS[table]
        # Rejected rows come back as labels of the frame's own index (GX looks named columns up one cell at a
        # time: a second per 10,000 rejected rows), then are named by their index columns here, in one lookup.
        frame = frame.reset_index(drop=True)
        if data_docs_dir is None:
            # Validated as a batch: nothing is stored (serialising a result with every rejected row costs
            # as much as computing it).
            batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
            results = _failing_with_rows(gx, batch, suite_data, parameters)
        else:
            # A stored validation definition, so the result is listed in Data Docs, every expectation's in full.
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=table, data=batch_definition, suite=context.suites.add(gx.ExpectationSuite(**suite_data)))
            )
            results = definition.run(
                batch_parameters={"dataframe": frame},
                expectation_parameters=dict(parameters),
                result_format=_ROWS,
            ).results
        for outcome in results:
            config = outcome.expectation_config
            meta = dict(config.meta or {})
            where = f"{directory / table}.json: {config.type} (rule {meta.get('rule')})"
            error = _raised(outcome.exception_info)
            if error:
                raise ConfigurationError(f"{where} could not run: {error}")
            if outcome.success:
                continue
            labels = outcome.result.get("unexpected_index_list")
            if not labels:
                raise ConfigurationError(f"{where} failed without naming the rows it rejected")
            rows = frame.loc[labels, index_columns].astype(str).to_dict("records")
            failures.extend(Failure(table, meta, row) for row in rows)
    if data_docs_dir is not None:
        context.build_data_docs(site_names=[DATA_DOCS_SITE])
    return failures


def validate_batch(
    forms: Sequence[SelfAssessment],
    framework: Framework,
    registry: UnitRegistry,
    received_at: Mapping[str, datetime] | None = None,
    *,
    links: Mapping[str, Sequence[EvidenceLink]] | None = None,
    documents: Mapping[str, str] | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    data_docs_dir: Path | None = None,
) -> dict[str, list[Finding]]:
    """The findings of every form of the batch, keyed by its sha256 (an empty list: the form is clean).

    The whole batch goes through GX in one run. Forms with the same sha256 are the same document and
    are validated once. Optional inputs, each keyed by a form's sha256, switch on the checks that need
    them: `received_at` (when the form arrived; lateness against `framework.deadline`), `links` (its
    cited references resolved against the package's evidence files), `documents` (its file name, to
    name it in messages). `data_docs_dir` asks for the run's GX Data Docs site in that folder.
    """
    unique: dict[str, SelfAssessment] = {}
    for form in forms:
        unique.setdefault(form.sha256, form)
    batch = Batch(
        forms=unique,
        framework=framework,
        registry=registry,
        received_at=dict(received_at or {}),
        links=dict(links or {}),
        documents=dict(documents or {}),
    )
    frames = build_frames(list(unique.values()), framework, registry, batch.received_at, batch.links)
    parameters = {
        "framework_blocks": [b.id for b in framework.blocks],
        "year": framework.year,
        "min_confidence": min_confidence,
    }
    failures = run_suites(frames.tables, parameters, data_docs_dir=data_docs_dir)
    findings: dict[str, list[Finding]] = {sha256: [] for sha256 in unique}
    for failure in failures:
        findings[failure.index["sha256"]].append(to_finding(failure, batch))
    return {sha256: sorted(found, key=order) for sha256, found in findings.items()}
