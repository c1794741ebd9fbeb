"""Nothing lost: the inbox is never changed, outputs stay in the output folder, a full disk leaves every output whole."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.atomic_files import write_atomically
from pipeline.sources import LocalFolder, fingerprint, read_file, scan_with_archives
from pipeline.steps import extract_outcome
from publishing.bundle import file_stem, publish_outputs
from publishing.ranking import rank_units, total_from_leaves
from schemas.framework import Framework
from schemas.records import DocumentStatus, RankedUnit
from schemas.units import UnitRegistry
from tests.zips import make_zip

HOSTILE_DECISION = "../../../3751/QĐ-TCHQ/../x"
HOSTILE_UNITS = {  # unit code → unit name, both as a careless or hostile registry could spell them
    "../../ra-ngoai": "../../../tmp/Đà Nẵng",
    "hq/da-nang": "/etc/passwd",
    "..": "Hải Phòng/..",
}


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` (hidden ones included) with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _ranking(framework: Framework, units: dict[str, str]) -> list[RankedUnit]:
    """A provincial ranking of `units` (code → name): full marks, less half a point per place."""
    block = framework.block("cuc-hq-tinh")
    totals = []
    for place, (code, name) in enumerate(units.items()):
        scores = {leaf.code: leaf.max_points for leaf in block.leaves()}
        scores[block.leaves()[0].code] -= Decimal(place) / 2
        totals.append(total_from_leaves(block, code, name, scores))
    return rank_units(framework, totals)


# --- the inbox is read, never written -----------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under `root` (folders, hidden files and links included): its kind, mode, size, times and content."""
    entries: dict[str, tuple[object, ...]] = {}
    for folder, names, files in os.walk(root):
        for name in [*names, *files, "."] if folder == str(root) else [*names, *files]:
            path = Path(folder) / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                content: object = os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                content = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                content = sorted(os.listdir(path))
            entries[path.relative_to(root).as_posix()] = (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, content)
    return entries


def test_reading_every_inbox_file_changes_nothing_in_the_inbox(framework: Framework, registry: UnitRegistry, tmp_path: Path) -> None:
    from forms import FormContent, write_form

    unit = registry.get("hq-da-nang")
    block = framework.block(unit.block)
    form = FormContent(
        framework=framework,
        block=block,
        unit=unit,
        scores={leaf.code: leaf.max_points for leaf in block.leaves()},
        document_number="15/BC-HQĐNg",
        place="Đà Nẵng",
        signed_on=date(2020, 1, 5),
    )
    docx, pdf = write_form(form, "docx"), write_form(form, "pdf")
    inbox = tmp_path / "inbox"
    files = {
        "hq-da-nang/tu-danh-gia.docx": docx,
        "hq-da-nang/tu-danh-gia-ban-ky.pdf": pdf,
        "hq-da-nang/hong.pdf": pdf[: len(pdf) // 2],
        "hq-da-nang/rong.docx": b"",
        "hq-da-nang/cu.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0" * 2048,
        "hq-da-nang/.~lock.tu-danh-gia.docx#": b"an editor's lock file",
        "hq-hai-phong.zip": make_zip([("Hải Phòng/tu-danh-gia.docx", docx), ("Hải Phòng/minh-chung.zip", make_zip([("KH-03.pdf", pdf)]))]),
        "doc-hai.zip": make_zip([("../../ngoai-hop-thu.pdf", pdf)]),
        "bom.zip": make_zip([("bom.pdf", b"\0" * (4 << 20))]),
    }
    for name, data in files.items():
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_bytes(data)
    (tmp_path / "outside.pdf").write_bytes(pdf)
    (inbox / "hq-da-nang" / "lien-ket.pdf").symlink_to(tmp_path / "outside.pdf")
    for path in sorted(inbox.rglob("*"), reverse=True):  # received long ago; children before their folders
        os.utime(path, (1_577_836_800, 1_577_836_800), follow_symlinks=False)
    before = _snapshot(inbox)

    source = LocalFolder(inbox)
    documents, _ = fingerprint(source, scan_with_archives(source))
    outcomes = {d.path: extract_outcome(d, read_file(source, d.path), "tchq") for d in documents}

    assert _snapshot(inbox) == before
    assert (tmp_path / "outside.pdf").read_bytes() == pdf and sorted(p.name for p in tmp_path.iterdir()) == ["inbox", "outside.pdf"]
    statuses = {path: (o.status.value, o.reason) for path, o in outcomes.items()}
    assert statuses["hq-da-nang/tu-danh-gia.docx"] == statuses["hq-hai-phong.zip/Hải Phòng/tu-danh-gia.docx"] == ("loaded", None)
    assert statuses["hq-hai-phong.zip/Hải Phòng/minh-chung.zip/KH-03.pdf"] == ("loaded", None)
    assert statuses["doc-hai.zip"] == ("rejected", "unsafe_archive") and statuses["bom.zip"] == ("rejected", "unsafe_archive")
    assert (statuses["hq-da-nang/hong.pdf"], statuses["hq-da-nang/rong.docx"]) == (("rejected", "damaged"), ("rejected", "empty_file"))
    assert statuses["hq-da-nang/cu.doc"][1] == "conversion_failed", "LibreOffice ran in its own temporary folder"
    assert not {"hq-da-nang/lien-ket.pdf", "hq-da-nang/.~lock.tu-danh-gia.docx#"} & set(statuses)  # links and hidden files are not read
    assert all(o.status is not DocumentStatus.REJECTED or o.reason != "extractor_failed" for o in outcomes.values())


# --- nothing outside out_dir -------------------------------------------------------------------------


def test_a_hostile_decision_number_and_unit_names_write_only_inside_out_dir(framework: Framework, tmp_path: Path) -> None:
    out_dir = tmp_path / "work" / "out"
    out_dir.parent.mkdir()
    (out_dir.parent / "before.txt").write_text("untouched")
    files = publish_outputs(
        framework,
        _ranking(framework, HOSTILE_UNITS),
        out_dir,
        decision_no=HOSTILE_DECISION,
        signed_on=date(2020, 12, 30),
        cutoff=None,
        inputs_hash="0" * 64,
    )
    written = _tree(tmp_path)
    outside = sorted(name for name in written if not name.startswith("work/out/"))
    assert outside == ["work/before.txt"], f"written outside out_dir: {outside}"
    for path in files.paths():
        assert path.resolve().is_relative_to(out_dir.resolve())
        assert not any(fragment in path.relative_to(out_dir).as_posix() for fragment in ("..", "3751", "passwd", "ra-ngoai", "Phòng"))
    assert not [name for name in written if name.endswith(".tmp")], "a temporary file was left behind"
    page = files.html.read_text(encoding="utf-8")
    assert "/etc/passwd" in page and "Hải Phòng/.." in page  # the names are printed as sent, never used as paths


# --- write, then rename ------------------------------------------------------------------------------


def _fd_path(fd: int) -> str:
    return os.readlink(f"/proc/self/fd/{fd}")


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], list[str]]:
    """`full_disk("name")`: os.write into the temporary file of `name` writes one chunk, then fails with ENOSPC."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd to tell which file a descriptor writes")
    real_write = os.write
    failed: list[str] = []

    def arm(name: str) -> list[str]:
        def write(fd: int, data: bytes | memoryview) -> int:
            if Path(_fd_path(fd)).name.startswith(f".{name}."):
                if len(data) > 4096:  # a first short write, as a nearly full disk does, then no space at all
                    return real_write(fd, data[:4096])
                failed.append(name)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_write(fd, data)

        monkeypatch.setattr(os, "write", write)
        return failed

    return arm


@pytest.mark.parametrize("previous", [None, b"the previous complete version"], ids=["new", "replacing"])
def test_a_full_disk_leaves_the_file_absent_or_previous_and_names_it(
    full_disk: Callable[[str], list[str]], tmp_path: Path, previous: bytes | None
) -> None:
    target = tmp_path / "out" / "xep-hang.json"
    if previous is not None:
        write_atomically(target, previous)
    failed = full_disk("xep-hang.json")
    with pytest.raises(OSError) as info:
        write_atomically(target, b"{" + b" " * 100_000 + b"}")
    assert failed == ["xep-hang.json"]
    assert info.value.errno == errno.ENOSPC
    assert info.value.filename == str(target)
    assert str(info.value) == f"[Errno 28] No space left on device: '{target}'"
    assert _tree(tmp_path / "out") == ({} if previous is None else {"xep-hang.json": previous})  # no half file, no temporary


def test_a_failing_rename_or_fsync_leaves_no_temporary_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "bang.csv"
    write_atomically(target, b"old")
    for name in ("replace", "fsync"):
        with monkeypatch.context() as patch:
            patch.setattr(os, name, lambda *_: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))
            with pytest.raises(OSError, match=r"No space left on device: '.*bang\.csv'"):
                write_atomically(target, b"new")
        assert _tree(tmp_path) == {"bang.csv": b"old"}, name
    assert write_atomically(target, b"new").read_bytes() == b"new"


def test_an_error_that_already_names_its_file_or_is_no_os_error_passes_unchanged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def refuse(source: str, target: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", source, None, str(target))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError) as info:
        write_atomically(tmp_path / "a.pdf", b"%PDF")
    assert Path(info.value.filename).name.startswith(".a.pdf.") and info.value.filename2 == str(tmp_path / "a.pdf")
    monkeypatch.setattr(os, "replace", lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "a.pdf", b"%PDF")
    assert _tree(tmp_path) == {}


def test_publishing_onto_a_full_disk_stops_at_the_file_and_keeps_the_last_publication(
    framework: Framework, full_disk: Callable[[str], list[str]], tmp_path: Path
) -> None:
    stem = file_stem(framework)
    docx, pdf = f"quyet-dinh-{stem}.docx", f"quyet-dinh-{stem}.pdf"
    out_dir = tmp_path / "out"
    write_atomically(out_dir / pdf, b"%PDF last year's complete decision")
    failed = full_disk(pdf)
    with pytest.raises(OSError) as info:
        publish_outputs(
            framework,
            _ranking(framework, {"hq-da-nang": "Đà Nẵng"}),
            out_dir,
            decision_no="3751/QĐ-TCHQ",
            signed_on=date(2020, 12, 30),
            cutoff=None,
            inputs_hash="0" * 64,
        )
    assert failed == [pdf]
    assert (info.value.errno, info.value.filename) == (errno.ENOSPC, str(out_dir / pdf))
    written = _tree(out_dir)
    assert sorted(written) == [docx, pdf], "publishing went on after the failure, or left a temporary file"
    assert written[pdf] == b"%PDF last year's complete decision"
    assert written[docx].startswith(b"PK")  # the file written before the failure is whole
