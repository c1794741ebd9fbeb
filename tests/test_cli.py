"""The CLI's read-only commands and its errors, without Prefect."""

from __future__ import annotations

import json
import os

import docx
import pdfplumber
from typer.testing import CliRunner

from parindex.cli import app
from warehouse.db import make_engine

runner = CliRunner()


def test_framework_json_is_the_resolved_tree():
    result = runner.invoke(app, ["framework", "--year", "2019", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(b["id"], b["max_points"]) for b in data["blocks"]] == [("cuc-hq-tinh", 90), ("cuc-truc-thuoc", 80), ("vu-chuc-nang", 70)]
    first = data["blocks"][0]["criteria"][0]
    assert set(first) == {"code", "name", "max_points", "step", "children"}
    assert (first["code"], first["max_points"], first["step"]) == ("1", 12, 0.5)
    assert first["children"][0]["children"][0]["code"] == "1.1.1"


def test_units_json_lists_codes_names_blocks_aliases():
    result = runner.invoke(app, ["units", "--format", "json"])
    units = {u["code"]: u for u in json.loads(result.output)}
    assert len(units) == 49
    assert units["hq-ho-chi-minh"]["block"] == "cuc-hq-tinh"
    assert "TP.HCM" in units["hq-ho-chi-minh"]["aliases"]
    assert units["hq-khanh-hoa"]["name"] == "Cục Hải quan tỉnh Khánh Hòa"


def test_template_writes_the_blank_form_in_both_formats(tmp_path):
    for fmt in ("docx", "pdf"):
        out = tmp_path / f"mau.{fmt}"
        result = runner.invoke(app, ["template", "--year", "2019", "--block", "cuc-hq-tinh", "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
    headers = [[c.text for c in t.rows[0].cells] for t in docx.Document(str(tmp_path / "mau.docx")).tables]
    assert ["STT", "Lĩnh vực/Tiêu chí", "Điểm tối đa", "Điểm tự đánh giá", "Tài liệu kiểm chứng", "Ghi chú"] in headers
    with pdfplumber.open(tmp_path / "mau.pdf") as pdf:
        assert "CẢI CÁCH HÀNH CHÍNH NĂM 2019" in pdf.pages[0].extract_text()


def test_ranking_of_an_empty_warehouse_is_empty(db_url):
    make_engine(db_url).dispose()  # as an ingest with nothing to read leaves it
    result = runner.invoke(app, ["ranking", "--year", "2019", "--format", "json", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []
    result = runner.invoke(app, ["ranking", "--year", "2019", "--db", db_url])
    assert (result.exit_code, result.output) == (0, "no scores of tchq 2019 in the warehouse\n")


def test_prefect_gets_quiet_defaults_and_time_to_start_its_temporary_server(monkeypatch):
    """`parindex demo` on a new machine starts Prefect's temporary API server, whose first start creates its
    database: Prefect's 20 s were once not enough in CI. What the user set is kept."""
    from parindex import cli

    monkeypatch.setattr(os, "environ", {"PREFECT_LOGGING_LEVEL": "DEBUG"})
    cli._quiet_prefect()
    assert os.environ == {
        "PREFECT_LOGGING_LEVEL": "DEBUG",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "GX_ANALYTICS_ENABLED": "false",
    }
    monkeypatch.setattr(os, "environ", {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "30"})
    cli._quiet_prefect()
    assert os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "30"
    assert os.environ["PREFECT_LOGGING_LEVEL"] == "CRITICAL"  # a failed flow is our one line, not Prefect's tracebacks
    monkeypatch.setattr(os, "environ", {})
    monkeypatch.setattr(cli._Run, "debug", True)
    cli._quiet_prefect()
    assert os.environ["PREFECT_LOGGING_LEVEL"] == "INFO"


def test_cutoff_takes_a_whole_day_or_a_moment():
    from datetime import datetime

    import pytest
    import typer

    from parindex.cli import _parse_cutoff

    assert _parse_cutoff("2020-01-31") == datetime(2020, 1, 31, 23, 59, 59)
    assert _parse_cutoff("2020-01-31T08:30") == datetime(2020, 1, 31, 8, 30)
    with pytest.raises(typer.BadParameter, match="--cutoff must be YYYY-MM-DD or YYYY-MM-DDTHH:MM, got '31/01/2020'"):
        _parse_cutoff("31/01/2020")


def test_counts_read_as_english():
    """No "1 files", no "0 rejected", no trailing comma when nothing is counted."""
    from parindex.cli import _counted, _plural

    assert (_plural(1), _plural(0), _plural(2, "document")) == ("1 file", "0 files", "2 documents")
    assert _counted({"unchanged": 0, "loaded": 3, "rejected": 1}) == "3 loaded, 1 rejected"
    assert _counted({"unchanged": 0}) == ""


def test_a_signer_typed_decomposed_or_spaced_is_written_as_one_name():
    import unicodedata

    from parindex.cli import _signer

    typed = unicodedata.normalize("NFD", "  Nguyễn   Văn An ")
    assert _signer(typed) == "Nguyễn Văn An" and unicodedata.is_normalized("NFC", _signer(typed))


def test_status_tells_apart_names_that_print_alike(tmp_path):
    """Two files whose names differ only in Unicode form (a Mac sends NFD) are two rows a person can tell apart."""
    import unicodedata

    from schemas.records import DocumentKind, DocumentOutcome, DocumentStatus, InboxDocument
    from warehouse.load import load_outcome

    url = f"sqlite:///{tmp_path / 'kho.db'}"
    engine = make_engine(url)
    for path, sha in ((unicodedata.normalize("NFC", "hq-da-nang/kế-hoạch.pdf"), "a"), (unicodedata.normalize("NFD", "hq-da-nang/kế-hoạch.pdf"), "b")):
        document = InboxDocument(path=path, package="hq-da-nang", size=1, mtime=0.0, sha256=sha * 64)
        load_outcome(engine, DocumentOutcome(document=document, status=DocumentStatus.EVIDENCE, kind=DocumentKind.PDF))
    result = runner.invoke(app, ["status", "--db", url])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "kế-hoạch" in unicodedata.normalize("NFC", line)]
    assert sorted(line.split(".pdf ", 1)[1].split()[0] for line in lines) == ["[NFC]", "[NFD]"]
