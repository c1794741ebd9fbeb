"""One offline end-to-end run through the Prefect flows: sample inbox → warehouse → ranking → decision."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import docx
import pytest

from core.progress import Step, listening
from flows.ingest import ingest
from flows.publish import publish
from samples.generate import generate_inbox
from schemas.vietnamese import format_points

pytestmark = pytest.mark.prefect

PUBLISHED_2019 = {  # provincial block, Decision 3751/QĐ-TCHQ
    1: ("89", {"Đà Nẵng", "Đồng Nai", "TP. Hồ Chí Minh"}),
    2: ("88,5", {"Hà Nội", "Hải Phòng", "Gia Lai - Kon Tum"}),
    3: ("88", {"Khánh Hòa", "Nghệ An", "Quảng Ninh"}),
    4: ("87,5", {"Cần Thơ", "Hà Tĩnh", "Lạng Sơn", "Quảng Bình", "Quảng Ngãi", "Tây Ninh"}),
    5: ("87", {"Bà Rịa - Vũng Tàu", "Hà Nam Ninh", "Kiên Giang", "Long An"}),
}


@pytest.fixture(scope="module")
def sample_inbox(tmp_path_factory):
    return generate_inbox(tmp_path_factory.mktemp("inbox"), program="tchq", year=2019)[0].parent.parent


def test_sample_inbox_to_published_decision(prefect_server, sample_inbox, tmp_path, registry, monkeypatch, db_url):
    """On each warehouse dialect (SQLite, and PostgreSQL when PARINDEX_TEST_PG_URL is set)."""
    monkeypatch.setenv("PARINDEX_DB_URL", db_url)
    steps: list[Step] = []
    with listening(steps.append):  # what the CLI draws its bar from
        first = ingest(inbox=str(sample_inbox))
    assert first.statuses.get("loaded") == len(registry.units)
    read = sum(count for status, count in first.statuses.items() if status != "duplicate")
    assert {(s.name, s.total) for s in steps} == {("reading documents", read)}
    done = [s.done for s in steps]  # a few documents per task: a step per finished task
    assert done == sorted(set(done)) and done[-1] == read and 1 < len(done) < read
    assert first.statuses.get("rejected", 0) == 0, first.outcomes
    assert first.statuses["evidence"] > 0 and first.invalid_submissions == 0

    again = ingest(inbox=str(sample_inbox))
    assert (again.unchanged, again.statuses) == (first.seen, {})

    publication = publish(year=2019, out_dir=str(tmp_path / "out"), decision_no="3751/QĐ-TCHQ", signer="Nguyễn Văn Cẩn")
    provincial = [r for r in publication.ranking if r.block_id == "cuc-hq-tinh"]
    assert len(provincial) == 35 and all(r.max_points == Decimal(90) for r in provincial)
    for rank, (points, names) in PUBLISHED_2019.items():
        group = [r for r in provincial if r.rank == rank]
        assert {r.unit_name for r in group} == names
        assert {format_points(r.points) for r in group} == {points}
    assert min(r.rank for r in provincial if r.points < 87) == 6
    assert {r.block_id for r in publication.ranking} == {"cuc-hq-tinh", "cuc-truc-thuoc", "vu-chuc-nang"}
    assert len(publication.ranking) == len(registry.units)

    decision = docx.Document(publication.decision_path)
    cells = {c.text for t in decision.tables for row in t.rows for c in row.cells}
    assert {"89/90", "88,5/90", "87,5/90"} <= cells
    assert any("Nguyễn Văn Cẩn" in cell for cell in cells)  # under the signature

    # reproducible: the same warehouse gives the same inputs and byte-identical CSV, JSON and SVG, in a new snapshot
    republished = publish(year=2019, out_dir=str(tmp_path / "out-again"), decision_no="3751/QĐ-TCHQ")
    assert republished.inputs_hash == publication.inputs_hash and republished.snapshot_id != publication.snapshot_id
    stable = [name for name in publication.files if name.endswith((".csv", ".json", ".svg"))]
    assert len(stable) >= 4 and all(republished.files[name] == publication.files[name] for name in stable)


def test_an_inbox_taken_in_small_slices_ranks_as_in_one(prefect_server, sample_inbox, tmp_path, registry, monkeypatch):
    """Slices of whole packages, each validated and loaded before the next, whose reading is queued before
    this one's validation starts (workers done with a slice go on to the next): the same warehouse in the end."""
    import flows.ingest as module
    from pipeline import steps as pipeline_steps

    monkeypatch.setenv("PARINDEX_DB_URL", f"sqlite:///{tmp_path / 'warehouse.db'}")
    monkeypatch.setenv("PARINDEX_SLICE_DOCUMENTS", "10")
    events: list[str] = []

    def submitted(*args, **kwargs):
        events.append("read")
        return read_slice(*args, **kwargs)

    def validated(outcomes, *args, **kwargs):
        events.append("validate")
        return validate_outcomes(outcomes, *args, **kwargs)

    read_slice, validate_outcomes = module.read_slice, pipeline_steps.validate_outcomes
    monkeypatch.setattr(module, "read_slice", submitted)
    monkeypatch.setattr(pipeline_steps, "validate_outcomes", validated)
    steps: list[Step] = []
    with listening(steps.append):
        summary = ingest(inbox=str(sample_inbox))
    slices = events.count("read")
    assert slices >= 5 and events == ["read"] + ["read", "validate"] * (slices - 1) + ["validate"]
    assert summary.statuses.get("loaded") == len(registry.units) and summary.statuses.get("rejected", 0) == 0
    assert summary.invalid_submissions == 0 and len(summary.outcomes) == sum(summary.statuses.values())
    read = sum(count for status, count in summary.statuses.items() if status != "duplicate")
    assert steps[-1].done == steps[-1].total == read  # one count across the slices
    provincial = [r for r in publish(year=2019, out_dir=str(tmp_path / "out")).ranking if r.block_id == "cuc-hq-tinh"]
    for rank, (points, names) in PUBLISHED_2019.items():
        assert {r.unit_name for r in provincial if r.rank == rank} == names
        assert {format_points(r.points) for r in provincial if r.rank == rank} == {points}


def test_a_form_that_comes_a_night_after_its_evidence_links_to_it(prefect_server, sample_inbox, tmp_path, monkeypatch, db_url):
    """The evidence files first, the form the next night: its citations link as if the package came whole."""
    from sqlalchemy import select

    from warehouse.db import make_engine
    from warehouse.models import EvidenceLinkRow, FindingRow

    inbox = tmp_path / "inbox"
    shutil.copytree(sample_inbox / "hq-da-nang", inbox / "hq-da-nang")
    form = next((inbox / "hq-da-nang").glob("tu-danh-gia*"))
    aside = form.rename(tmp_path / form.name)
    monkeypatch.setenv("PARINDEX_DB_URL", db_url)
    assert ingest(inbox=str(inbox)).statuses == {"evidence": 2}
    aside.rename(form)
    assert ingest(inbox=str(inbox)).statuses == {"loaded": 1}
    engine = make_engine(db_url)
    with engine.connect() as connection:
        links = connection.execute(select(EvidenceLinkRow.status)).scalars().all()
        rules = connection.execute(select(FindingRow.rule)).scalars().all()
    engine.dispose()
    assert links and set(links) == {"found"}
    assert not [rule for rule in rules if rule.startswith("evidence.")], rules


def test_a_hand_made_form_dropped_into_an_inbox_is_ranked(prefect_server, sample_inbox, tmp_path, monkeypatch, db_url):
    """A form written by another program in the template's layout is read and ranked like the others."""
    from tests.handmade import write_handmade_form

    inbox = tmp_path / "inbox"
    shutil.copytree(sample_inbox / "hq-da-nang", inbox / "hq-da-nang")
    write_handmade_form(inbox / "hq-an-giang" / "bao-cao.docx", unit="CỤC HẢI QUAN TỈNH AN GIANG", deduct=Decimal("0.5"))
    monkeypatch.setenv("PARINDEX_DB_URL", db_url)
    summary = ingest(inbox=str(inbox))
    assert summary.statuses.get("rejected", 0) == 0, summary.outcomes
    ranking = publish(year=2019, out_dir=str(tmp_path / "out")).ranking
    assert [(r.unit_code, format_points(r.points), r.rank) for r in ranking] == [("hq-an-giang", "89,5", 1), ("hq-da-nang", "89", 2)]


def test_quality_flow_writes_a_letter_naming_each_defect(prefect_server, sample_inbox, tmp_path, monkeypatch, db_url):
    from flows.quality import quality
    from tests.handmade import write_handmade_form

    inbox = tmp_path / "inbox"
    shutil.copytree(sample_inbox / "vu-phap-che", inbox / "vu-phap-che")
    write_handmade_form(inbox / "hq-an-giang" / "bao-cao.docx", unit="CỤC HẢI QUAN TỈNH AN GIANG", deduct=Decimal("-0.5"))
    monkeypatch.setenv("PARINDEX_DB_URL", db_url)
    assert ingest(inbox=str(inbox)).invalid_submissions == 1

    result = quality(year=2019, out_dir=str(tmp_path / "reports"))
    assert result.findings >= 1 and Path(result.summary).is_file() and result.data_docs and Path(result.data_docs).is_file()
    letter = next(Path(p) for p in result.letters if p.endswith(".docx") and "an-giang" in p)
    text = "\n".join(p.text for p in docx.Document(str(letter)).paragraphs) + "\n".join(
        c.text for t in docx.Document(str(letter)).tables for r in t.rows for c in r.cells
    )
    assert "1.1.1" in text and "1,5" in text  # the criterion and the score above its maximum of 1
