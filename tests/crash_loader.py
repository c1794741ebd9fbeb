"""A loader run in a subprocess by tests/test_crash.py, so that the test can kill it mid-load."""

from __future__ import annotations

import sys

from schemas.framework import framework_for
from schemas.records import DocumentOutcome
from schemas.units import registry_for
from tests.test_warehouse import _doc, _form, _loaded
from warehouse.db import make_engine
from warehouse.load import load_outcomes


def outcomes(count: int) -> list[DocumentOutcome]:
    framework = framework_for("tchq", 2019)
    units = [u.code for u in registry_for("tchq").in_block("cuc-hq-tinh")]
    return [
        _loaded(_doc(f"{units[i % len(units)]}/v{i}.docx", f"{i:064x}", 1_578_000_000.0 + i), _form(framework, units[i % len(units)], f"{i:064x}"))
        for i in range(count)
    ]


if __name__ == "__main__":
    db_url, count = sys.argv[1], int(sys.argv[2])
    framework = framework_for("tchq", 2019)
    print("ready", flush=True)
    load_outcomes(make_engine(db_url), outcomes(count), {}, registry_for("tchq"), lambda _year: framework)
