"""A document's time and memory limits hold from outside its reader: loops, bombs and crashes are stopped,
named, and the batch goes on (pipeline/isolation.py, pipeline.steps.read_outcome)."""

from __future__ import annotations

import hashlib
import multiprocessing
import resource
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import pytest

import extractors
from core.errors import ConfigurationError, DocumentError, Reason
from pipeline import steps
from pipeline.isolation import HARD_STOP_GRACE, run_guarded
from pipeline.steps import extract_outcome, read_outcome
from schemas.framework import Framework
from schemas.records import DocumentOutcome, DocumentStatus, InboxDocument
from schemas.units import UnitRegistry
from tests import guarded_work as work

MB = 1 << 20


def _guarded(func, *args, seconds: float = 5.0, memory_mb: int = 256):
    return run_guarded(func, args, seconds=seconds, memory_mb=memory_mb)


def _stopped(func, *args, seconds: float = 5.0, memory_mb: int = 256) -> tuple[Reason, str, float]:
    started = time.monotonic()
    with pytest.raises(DocumentError) as info:
        _guarded(func, *args, seconds=seconds, memory_mb=memory_mb)
    return info.value.reason, info.value.message, time.monotonic() - started


# --- the guard, on work that misbehaves ---------------------------------------------------------------


def test_a_reader_that_loops_is_killed_at_its_time_limit() -> None:
    reason, message, took = _stopped(work.loop_forever, seconds=0.5)
    assert (reason, message) == (Reason.TIMEOUT, "reading took more than 0.5 s: stopped")
    assert 0.5 <= took < 3.0


def test_a_memory_bomb_is_stopped_at_the_memory_limit() -> None:
    assert _stopped(work.allocate_at_once, 4)[:2] == (Reason.MEMORY_LIMIT, "reading needed more than 256 MB: stopped")
    assert _stopped(work.allocate_in_steps, 1024)[:2] == (Reason.MEMORY_LIMIT, "reading needed more than 256 MB: stopped")
    assert _guarded(work.allocate_in_steps, 100) == 10  # within the budget: read


def test_a_reader_that_crashes_is_an_extractor_failure_naming_its_signal() -> None:
    assert _stopped(work.crash)[:2] == (Reason.EXTRACTOR_FAILED, "the reader crashed: SIGSEGV (Segmentation fault)")


def test_an_abort_is_a_memory_stop_decided_again_in_a_fresh_reader(tmp_path: Path) -> None:
    """pdfium, C++, aborts where Python raises MemoryError: a page inflating past the data limit ends so."""
    count = tmp_path / "tries"
    assert _stopped(work.abort_counting, str(count), memory_mb=64)[:2] == (Reason.MEMORY_LIMIT, "reading needed more than 64 MB: stopped")
    assert count.read_text() == "xx"  # the first reader, then a fresh one


def test_values_and_exceptions_come_back_as_they_were() -> None:
    assert _guarded(work.double, 21) == 42
    with pytest.raises(ValueError, match="^bad input$"):
        _guarded(work.raise_value_error, "bad input")
    refused = DocumentError(Reason.DAMAGED, "damaged PDF: no xref")
    with pytest.raises(DocumentError) as info:
        _guarded(work.raise_it, refused)
    assert (info.value.reason, info.value.message) == (Reason.DAMAGED, "damaged PDF: no xref")


def test_a_stopped_reader_leaves_nothing_running(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    assert _stopped(work.start_a_child_then_hang, str(pid_file), seconds=1.0)[0] is Reason.TIMEOUT
    child = int(pid_file.read_text(encoding="ascii"))
    deadline = time.monotonic() + 5
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child), "the reader's own child outlived it"


def test_a_worker_process_stops_its_readers_as_it_exits() -> None:
    """A process pool's spawned worker (Prefect's process runner) stops its readers and their forkserver and
    waits for them as it exits, so no orphan outlives it, and its readers' CPU time is counted by the worker,
    and by whoever waits for the worker: bench/cpu.py measures a flow's processes so."""
    before = _children_cpu()
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        forkserver = pool.submit(work.burn_in_a_worker, 1.0).result(timeout=120)
        assert _running(forkserver), "the worker's forkserver should fork its next reader"
    assert not _running(forkserver), "the forkserver outlived the worker that started it"
    assert _children_cpu() - before >= 1.0, "the reader's CPU time was lost with its forkserver"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except FileNotFoundError:
        return False
    return status.split(")")[-1].split()[0] != "Z"  # a zombie waits for its parent only to be reaped


def test_the_guard_goes_on_after_each_stop() -> None:
    """One thread, one reader: every stop above and a normal call after it, in turn."""
    for func, args in ((work.loop_forever, ()), (work.allocate_at_once, (4,)), (work.crash, ())):
        with pytest.raises(DocumentError):
            _guarded(func, *args, seconds=0.5)
        assert _guarded(work.double, 1) == 2


def test_a_reader_reads_one_document_after_another_until_it_must_stop() -> None:
    """Forking a reader cost more than reading a Word form: one reader goes on, but not past a stop,
    a process it started (a LibreOffice of its own), or memory earlier documents left in it."""
    _fresh_reader()
    first = _guarded(work.reader_pid)
    assert _guarded(work.reader_pid) == first  # the same reader
    with pytest.raises(DocumentError):
        _guarded(work.loop_forever, seconds=0.5)
    after_stop = _guarded(work.reader_pid)
    assert after_stop != first
    assert _guarded(work.run_a_process) == after_stop  # it read that document, then ended
    after_process = _guarded(work.reader_pid)
    assert after_process != after_stop


def test_memory_an_earlier_document_left_in_a_reader_does_not_stop_the_next() -> None:
    """The budget is counted from the reader's size when forked; a document stopped in a used reader is read
    again in a fresh one, whose verdict counts: 60 + 60 MB do not fit in 100, 60 alone does."""
    _fresh_reader()
    used = _guarded(work.keep, 60, memory_mb=100)
    assert _guarded(work.reader_pid, memory_mb=100) == used  # 60 MB left in it: still under READER_GROWTH_MB
    fresh = _guarded(work.keep, 60, memory_mb=100)
    assert fresh != used
    assert _stopped(work.keep, 150, memory_mb=100)[:2] == (Reason.MEMORY_LIMIT, "reading needed more than 100 MB: stopped")


def _fresh_reader() -> None:
    """End this thread's reader (a crash does): the next document starts one, far from READER_DOCUMENTS."""
    with pytest.raises(DocumentError):
        _guarded(work.crash)


# --- the pipeline: documents read in a guarded reader -----------------------------------------------------


@pytest.fixture(scope="module")
def form_files(framework: Framework, registry: UnitRegistry) -> dict[str, bytes]:
    from forms import FormContent, write_form

    unit = registry.get("hq-da-nang")
    block = framework.block(unit.block)
    content = FormContent(
        framework=framework,
        block=block,
        unit=unit,
        scores={leaf.code: leaf.max_points for leaf in block.leaves()},
        document_number="15/BC-HQĐNg",
        place="Đà Nẵng",
        signed_on=date(2020, 1, 5),
    )
    return {"tu-danh-gia.docx": write_form(content, "docx"), "tu-danh-gia.pdf": write_form(content, "pdf")}


def _document(data: bytes, name: str) -> InboxDocument:
    return InboxDocument(path=f"goi/{name}", package="goi", size=len(data), mtime=0.0, sha256=hashlib.sha256(data).hexdigest())


def _rejection(outcome: DocumentOutcome) -> tuple[DocumentStatus, str | None, str | None]:
    return outcome.status, outcome.reason, outcome.message


@pytest.mark.parametrize("mode", ["child", "none"])
def test_a_form_reads_the_same_guarded_or_not(form_files: dict[str, bytes], mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARINDEX_ISOLATION", mode)
    for name, data in form_files.items():
        document = _document(data, name)
        outcome = read_outcome(document, data, "tchq")
        assert outcome.status is DocumentStatus.LOADED and outcome.form is not None and outcome.form.unit_code == "hq-da-nang"
        assert outcome == extract_outcome(document, data, "tchq")


def test_an_unknown_isolation_is_a_clear_error(form_files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARINDEX_ISOLATION", "jail")
    data = form_files["tu-danh-gia.docx"]
    with pytest.raises(ConfigurationError, match="^PARINDEX_ISOLATION must be one of child, none, not 'jail'$"):
        read_outcome(_document(data, "x.docx"), data, "tchq")


def test_a_bad_memory_limit_is_a_clear_error(form_files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARINDEX_LIMIT_MAX_MEMORY_MB", "lots")
    data = form_files["tu-danh-gia.docx"]
    with pytest.raises(ConfigurationError, match="^PARINDEX_LIMIT_MAX_MEMORY_MB must be a number, not 'lots'$"):
        read_outcome(_document(data, "x.docx"), data, "tchq")


def test_a_page_that_never_ends_is_stopped_and_the_batch_goes_on(form_files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader checks its clock between pages only: inside a page, the guard stops it, 2 s past the limit."""
    monkeypatch.setenv("PARINDEX_LIMIT_MAX_SECONDS", "0.5")
    monkeypatch.setattr(steps, "extract_outcome", work.extract_with_a_page_that_never_ends)
    data = form_files["tu-danh-gia.pdf"]
    started = time.monotonic()
    outcome = read_outcome(_document(data, "cham.pdf"), data, "tchq")
    assert _rejection(outcome) == (DocumentStatus.REJECTED, "timeout", "reading took more than 0.5 s: stopped")
    assert time.monotonic() - started < 0.5 + HARD_STOP_GRACE + 2.0
    monkeypatch.undo()
    _the_forms_still_read(form_files)


def test_the_memory_limit_is_a_setting(form_files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """The same 2 KB PDF, whose page inflates to half a gigabyte, is stopped at each budget set, and the form
    reads within a small one: the setting reaches the reader."""
    bomb = one_page_pdf(zlib.compress(_deflated(bytes(16 * MB), 32), 9), "/FlateDecode /FlateDecode")
    for budget in ("64", "128"):
        monkeypatch.setenv("PARINDEX_LIMIT_MAX_MEMORY_MB", budget)
        assert _rejection(read_outcome(_document(bomb, "bom.pdf"), bomb, "tchq")) == (
            DocumentStatus.REJECTED,
            "memory_limit",
            f"reading needed more than {budget} MB: stopped",
        )
    monkeypatch.setenv("PARINDEX_LIMIT_MAX_MEMORY_MB", "32")
    _the_forms_still_read(form_files)


def test_readers_that_cannot_start_stop_the_run_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a document's fault: nothing is recorded as read, and the next run reads it all again."""
    from pebble import ProcessPool

    from pipeline import isolation

    class Failing(isolation._Pools):
        def take(self) -> ProcessPool:
            return ProcessPool(max_workers=1, initializer=work.exit_at_start, context=isolation._forkserver())

    monkeypatch.setattr(isolation, "_pools", Failing())
    monkeypatch.setattr(isolation, "READER_START_SECONDS", 2.0)
    started = time.monotonic()
    with pytest.raises(ConfigurationError) as info:
        _guarded(work.double, 1, seconds=1.0)
    # pebble says so when it sees every reader die; else no reader takes the document in time
    assert str(info.value) in ("reader processes cannot start: All workers expired", "reader processes cannot start: none took a document")
    assert time.monotonic() - started < 1.0 + 2.0 + 2.0


def test_c_code_failing_silently_under_the_memory_limit_is_a_memory_stop(form_files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """Under the reader's RLIMIT_DATA a SystemError is a failed allocation (seen under a 1 MB budget); the
    reader that saw it is retired. Without a limit it is what it says: the extractor failed."""
    monkeypatch.setenv("PARINDEX_LIMIT_MAX_MEMORY_MB", "300")
    monkeypatch.setattr(steps, "extract_outcome", work.extract_where_c_code_fails_silently)
    data = form_files["tu-danh-gia.pdf"]
    assert _rejection(read_outcome(_document(data, "x.pdf"), data, "tchq")) == (
        DocumentStatus.REJECTED,
        "memory_limit",
        "reading needed more than 300 MB: stopped",
    )
    monkeypatch.undo()
    monkeypatch.setattr(extractors, "extract_document", work.fail_silently)
    assert _rejection(extract_outcome(_document(data, "x.pdf"), data, "tchq")) == (
        DocumentStatus.REJECTED,
        "extractor_failed",
        "SystemError: error return without exception set",
    )
    monkeypatch.undo()
    _the_forms_still_read(form_files)


def _the_forms_still_read(form_files: dict[str, bytes]) -> None:
    for name, data in form_files.items():
        outcome = read_outcome(_document(data, name), data, "tchq")
        assert outcome.status is DocumentStatus.LOADED and outcome.form is not None, outcome.message


# --- hostile PDFs, made here ------------------------------------------------------------------------------


def one_page_pdf(content: bytes, filters: str) -> bytes:
    """A PDF of one page whose content stream is `content`, already encoded by `filters` (e.g. "/FlateDecode")."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter [%s] >>\nstream\n" % (len(content), filters.encode()) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _deflated(chunk: bytes, times: int) -> bytes:
    compressor = zlib.compressobj(9)
    return b"".join(compressor.compress(chunk) for _ in range(times)) + compressor.flush()


def test_a_pdf_whose_page_inflates_to_half_a_gigabyte_is_stopped_at_the_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 2 KB PDF: its page's content is deflated twice; pdfminer inflates a stream whole, in memory."""
    bomb = one_page_pdf(zlib.compress(_deflated(bytes(16 * MB), 32), 9), "/FlateDecode /FlateDecode")
    assert len(bomb) < 2048
    monkeypatch.setenv("PARINDEX_LIMIT_MAX_MEMORY_MB", "256")
    assert _rejection(read_outcome(_document(bomb, "bom.pdf"), bomb, "tchq")) == (
        DocumentStatus.REJECTED,
        "memory_limit",
        "reading needed more than 256 MB: stopped",
    )


def test_a_pdf_whose_one_page_takes_minutes_is_stopped_at_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """8 million graphics operators on one page (16 MB inflated, 16 KB stored): pdfminer interprets them for
    half a minute (36 s here, unguarded), and the reader's own clock, read between pages, never gets a say."""
    slow = one_page_pdf(_deflated(b"q Q\n" * MB, 4), "/FlateDecode")
    monkeypatch.setenv("PARINDEX_LIMIT_MAX_SECONDS", "1")
    started = time.monotonic()
    assert _rejection(read_outcome(_document(slow, "cham.pdf"), slow, "tchq")) == (
        DocumentStatus.REJECTED,
        "timeout",
        "reading took more than 1 s: stopped",
    )
    assert time.monotonic() - started < 1 + HARD_STOP_GRACE + 2.0


def test_the_hostile_pdfs_are_real_pdfs() -> None:
    """Both builders make PDFs pdfminer reads: a small page of the same making is read without limits hit."""
    import io

    import pdfplumber

    small = one_page_pdf(zlib.compress(zlib.compress(b"q Q\n" * 100)), "/FlateDecode /FlateDecode")
    with pdfplumber.open(io.BytesIO(small)) as pdf:
        assert len(pdf.pages) == 1 and pdf.pages[0].chars == []
    assert _rejection(read_outcome(_document(small, "trang.pdf"), small, "tchq")) == (
        DocumentStatus.REJECTED,
        "blank_document",
        "blank PDF: 1 page(s) without text or images",
    )
