"""Extraction on the parallel task runners: local processes, and a Dask LocalCluster."""

from __future__ import annotations

import pytest
from prefect import flow, unmapped

from core.errors import ConfigurationError
from flows.ingest import CHUNK_COST_MOST, CHUNK_MOST, chunks, extract, reading_cost
from flows.runners import task_runner
from pipeline.inbox import discover
from pipeline.sequence import in_order
from samples.generate import generate_inbox
from schemas.records import DocumentOutcome, DocumentStatus, InboxDocument

pytestmark = pytest.mark.prefect


@pytest.fixture(scope="module")
def small_inbox(tmp_path_factory):
    inbox = tmp_path_factory.mktemp("inbox")
    generate_inbox(inbox, program="tchq", year=2019)
    return inbox


def _extract_all(runner_kind: str, inbox, documents):
    @flow(task_runner=task_runner(runner_kind))  # type: ignore[arg-type]  # Prefect's typing: flow() wants TaskRunner[PrefectFuture], its runners' futures are subtypes (invariant)
    def extract_only(inbox: str, documents: list[InboxDocument]) -> list[DocumentOutcome]:
        batches = extract.map(unmapped(inbox), chunks(documents, workers=2), unmapped("tchq")).result()
        return in_order([outcome for batch in batches for outcome in batch], documents)  # as the ingest flow does

    return extract_only(str(inbox), documents)


@pytest.mark.parametrize("kind", ["process", "dask"])
def test_parallel_runners_extract_like_the_thread_runner(kind, small_inbox, monkeypatch, prefect_server, framework):
    monkeypatch.setenv("PARINDEX_WORKERS", "2")
    documents = [d for d in discover(small_inbox) if d.package in {"hq-da-nang", "hq-dong-nai", "vu-phap-che"}]
    outcomes = _extract_all(kind, small_inbox, documents)
    assert [o.document.path for o in outcomes] == [d.path for d in documents]
    forms = {o.form.unit_code: o.form for o in outcomes if o.status is DocumentStatus.LOADED}
    assert set(forms) == {"hq-da-nang", "hq-dong-nai", "vu-phap-che"}
    leaves = {c.code for c in framework.block("cuc-hq-tinh").leaves()}
    assert sum(r.self_points for r in forms["hq-da-nang"].rows if r.code in leaves) == 89


def test_an_unknown_runner_is_a_clear_error():
    with pytest.raises(ConfigurationError, match="PARINDEX_TASK_RUNNER must be one of thread, process, dask, not 'gpu'"):
        task_runner("gpu")


@pytest.mark.parametrize("kind", ["thread", "process", "dask"])
def test_each_runner_stops_a_page_that_takes_too_long(kind, small_inbox, tmp_path, monkeypatch, prefect_server):
    """The guard runs where the task runs: a worker process or a Dask worker starts readers of its own."""
    import shutil
    import zlib

    from tests.test_isolation import one_page_pdf

    inbox = tmp_path / "inbox"
    shutil.copytree(small_inbox / "hq-da-nang", inbox / "hq-da-nang")
    compressor = zlib.compressobj(9)
    content = b"".join(compressor.compress(b"q Q\n" * (1 << 20)) for _ in range(4)) + compressor.flush()
    (inbox / "hq-da-nang" / "cham.pdf").write_bytes(one_page_pdf(content, "/FlateDecode"))  # half a minute on one page
    monkeypatch.setenv("PARINDEX_WORKERS", "2")
    monkeypatch.setenv("PARINDEX_LIMIT_MAX_SECONDS", "2")
    outcomes = {o.document.path: o for o in _extract_all(kind, inbox, discover(inbox))}
    slow = outcomes.pop("hq-da-nang/cham.pdf")
    assert (slow.status, slow.reason, slow.message) == (DocumentStatus.REJECTED, "timeout", "reading took more than 2 s: stopped")
    assert {o.status for o in outcomes.values()} == {DocumentStatus.LOADED, DocumentStatus.EVIDENCE}


def _documents(count: int) -> list[InboxDocument]:
    """`count` documents of mixed kinds and sizes, in inbox order."""
    return [
        InboxDocument(
            path=f"u{i // 3}/f{i}.{('pdf', 'docx', 'xlsx')[i % 3]}",
            package=f"u{i // 3}",
            size=1000 + (i * 7919) % 5000,
            mtime=0.0,
            sha256=f"{i:064x}",
        )
        for i in range(count)
    ]


def test_documents_are_read_costliest_first_in_chunks_that_shrink_with_the_run_s_reading_left():
    documents = _documents(100)  # 34 PDFs, 33 Word files, 33 workbooks
    batches = chunks(documents, workers=2)
    order = [d for batch in batches for d in batch]
    assert sorted(order, key=documents.index) == documents  # every document once
    pdfs = [d for d in order if d.name.endswith(".pdf")]
    assert order[: len(pdfs)] == pdfs and [d.size for d in pdfs] == sorted((d.size for d in pdfs), reverse=True)
    assert all(sum(reading_cost(d) for d in b) <= CHUNK_COST_MOST and len(b) <= CHUNK_MOST for b in batches)
    # PDFs shrinking to two a task as the reading left does, the Word files and workbooks many to a task:
    # Prefect's cost is paid per chunk.
    assert [len(b) for b in batches] == [9, 7, 5, 4, 3, 2, 2, 2, 33, 20, 13]
    many = [d.model_copy(update={"path": f"u/f{i}.pdf"}) for i, d in enumerate(_documents(300))]
    assert [len(b) for b in chunks(many, workers=2)][:3] == [16, 16, 16]  # CHUNK_COST_MOST: 16 PDFs
    # A slice with more to read after it: its tasks are followed by the next slice's, and need not shrink.
    assert [len(b) for b in chunks(documents, workers=2, after=10 * CHUNK_COST_MOST)] == [16, 16, 64, 4]
    # Little left: every worker gets some, a PDF's worth at least.
    assert chunks(documents[:3], workers=8) == [[documents[0]], [documents[1], documents[2]]]
    assert chunks(pdfs[:3], workers=8) == [[pdfs[0]], [pdfs[1]], [pdfs[2]]]
    assert [reading_cost(_document(name)) for name in ("a.PDF", "b.docx", "c.doc", "d.tiff", "noextension")] == [20, 1, 200, 20, 20]


def _document(name: str) -> InboxDocument:
    return InboxDocument(path=f"u/{name}", package="u", size=1, mtime=0.0, sha256="0" * 64)


def test_outcomes_go_back_to_the_documents_order():
    documents = _documents(10)
    read = [DocumentOutcome(document=d, status=DocumentStatus.EVIDENCE) for batch in chunks(documents, workers=2) for d in batch]
    assert [o.document for o in in_order(read, documents)] == documents


def test_slices_hold_whole_packages_in_order():
    from pipeline.steps import package_slices
    from schemas.records import InboxDocument

    def doc(package: str, name: str) -> InboxDocument:
        return InboxDocument(path=f"{package}/{name}", package=package, size=1, mtime=0.0, sha256="0" * 64)

    documents = [doc("a", "1"), doc("a", "2"), doc("b", "1"), doc("c", "1"), doc("c", "2"), doc("c", "3"), doc("d", "1")]
    assert [[d.path for d in part] for part in package_slices(documents, 3)] == [
        ["a/1", "a/2", "b/1"],
        ["c/1", "c/2", "c/3"],
        ["d/1"],
    ]
    assert [len(part) for part in package_slices(documents, 2)] == [2, 1, 3, 1]  # a package larger than a slice stays whole
    assert package_slices([], 5) == []
