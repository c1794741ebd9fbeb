"""Golden files are regenerated only on purpose: PARINDEX_REGEN_GOLDEN=1 must never be set in CI."""

from __future__ import annotations

import os

import pytest


def test_golden_regeneration_is_off_in_ci() -> None:
    if not os.environ.get("CI"):
        pytest.skip("only CI must not regenerate golden files (CI is not set)")
    assert os.environ.get("PARINDEX_REGEN_GOLDEN", "") in ("", "0"), "PARINDEX_REGEN_GOLDEN is set in CI: golden files would not be checked"
