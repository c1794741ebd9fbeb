"""Document sources: a local folder and an fsspec URL list and read the same files the same way."""

from __future__ import annotations

from pathlib import Path

import fsspec

from pipeline.sources import FsspecFolder, LocalFolder, fingerprint, open_source
from samples.generate import generate_inbox


def test_a_local_folder_and_an_fsspec_copy_agree(tmp_path):
    generate_inbox(tmp_path / "inbox", program="tchq", year=2019)
    local = LocalFolder(tmp_path / "inbox")
    memory = fsspec.filesystem("memory")
    for f in local.scan():
        memory.pipe_file(f"/parindex-test/inbox/{f.path}", local.read(f.path))
    remote = open_source("memory://parindex-test/inbox")
    assert isinstance(remote, FsspecFolder) and isinstance(open_source(str(tmp_path / "inbox")), LocalFolder)

    local_files, remote_files = local.scan(), remote.scan()
    assert [(f.path, f.package, f.size) for f in remote_files] == [(f.path, f.package, f.size) for f in local_files]
    local_docs, _ = fingerprint(local, local_files)
    remote_docs, _ = fingerprint(remote, remote_files)
    assert [d.sha256 for d in remote_docs] == [d.sha256 for d in local_docs]

    known = {f.path: (f.size, f.mtime) for f in local_files[:10]}
    docs, skipped = fingerprint(local, local_files, known)
    assert (skipped, len(docs)) == (10, len(local_files) - 10)


def test_a_scan_lists_files_by_path_one_folder_level_after_another_without_hidden_ones_or_links(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for name in ("hq-2/b.pdf", "hq/a.pdf", "hq/z/c.docx", "hq/.~lock.a.docx#", ".git/config", "top.pdf"):
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_bytes(name.encode())
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "d.pdf").write_bytes(b"d")
    (inbox / "hq" / "link.pdf").symlink_to(tmp_path / "outside" / "d.pdf")
    (inbox / "linked").symlink_to(tmp_path / "outside")
    expected = [("hq/a.pdf", "hq", 8), ("hq/z/c.docx", "hq", 11), ("hq-2/b.pdf", "hq-2", 10), ("top.pdf", "top.pdf", 7)]
    assert [(f.path, f.package, f.size) for f in LocalFolder(inbox).scan()] == expected

    memory = fsspec.filesystem("memory")
    for path, _, _ in expected:
        memory.pipe_file(f"/parindex-scan/inbox/{path}", (inbox / path).read_bytes())
    assert [(f.path, f.package, f.size) for f in open_source("memory://parindex-scan/inbox").scan()] == expected
