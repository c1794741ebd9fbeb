"""Layout variants of the form (samples.variants): every score read exact, the whole reading pinned as golden data.

Regenerate tests/golden/variants/*.json with PARINDEX_REGEN_GOLDEN=1 after a deliberate change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from extractors import extract_document
from extractors.legacy import soffice_path
from samples.variants import VARIANTS, Variant, VariantSpec, build_variant
from schemas.framework import Framework
from schemas.records import SelfAssessment
from schemas.units import UnitRegistry

GOLDEN = Path(__file__).parent / "golden" / "variants"
REGENERATE = os.environ.get("PARINDEX_REGEN_GOLDEN") == "1"


def golden_view(form: SelfAssessment) -> dict[str, object]:
    """The reading without what changes with the bytes (content hashes)."""
    data = form.model_dump(mode="json", exclude={"sha256"})
    for row in data["rows"]:
        row["lineage"].pop("sha256")
    return data


@pytest.fixture(scope="module", params=VARIANTS, ids=[spec.name for spec in VARIANTS])
def variant(request: pytest.FixtureRequest, framework: Framework, registry: UnitRegistry) -> Variant:
    spec: VariantSpec = request.param
    if spec.producer == "libreoffice" and soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    return build_variant(spec, framework, registry)


@pytest.fixture(scope="module")
def reading(variant: Variant) -> SelfAssessment:
    result = extract_document(variant.data, f"{variant.spec.name}.{variant.spec.fmt}")
    assert isinstance(result, SelfAssessment)
    return result


def test_every_score_is_read_exactly(variant: Variant, reading: SelfAssessment) -> None:
    read = {r.code: (r.max_points, r.self_points, r.appraisal_points, r.not_applicable) for r in reading.rows}
    expected = {r.code: (r.max_points, r.self_points, r.appraisal_points, r.not_applicable) for r in variant.rows}
    assert [r.code for r in reading.rows] == [r.code for r in variant.rows]
    assert read == expected
    assert reading.stated_total == variant.stated_total


def test_header_facts(variant: Variant, reading: SelfAssessment) -> None:
    assert (reading.unit_code, reading.year, reading.document_number, reading.document_date) == (
        variant.unit_code,
        variant.year,
        variant.document_number,
        variant.document_date,
    )


def test_reading_matches_golden(variant: Variant, reading: SelfAssessment) -> None:
    path = GOLDEN / f"{variant.spec.name}.json"
    actual = golden_view(reading)
    if REGENERATE:
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with PARINDEX_REGEN_GOLDEN=1 once"
    assert actual == json.loads(path.read_text(encoding="utf-8"))


def test_variants_cover_both_formats_and_two_pdf_producers() -> None:
    producers = {spec.producer for spec in VARIANTS if spec.fmt == "pdf"}
    assert {spec.fmt for spec in VARIANTS} == {"docx", "pdf"} and producers == {"python", "libreoffice"}
