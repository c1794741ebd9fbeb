"""A .zip in the inbox is one submission package: its members are read, linked and recorded like files."""

from __future__ import annotations

import io
import zipfile

from pipeline.sources import LocalFolder, fingerprint, read_file, scan_with_archives
from pipeline.steps import extract_outcome, split_new
from samples.generate import generate_inbox
from schemas.records import DocumentStatus


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zipped_package_is_read_member_by_member(tmp_path):
    samples = tmp_path / "samples"
    generate_inbox(samples, program="tchq", year=2019)
    package = samples / "hq-nghe-an"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "hq-nghe-an.zip").write_bytes(_zip({f"Nghệ An/{p.name}": p.read_bytes() for p in sorted(package.iterdir())}))
    (inbox / "evil.zip").write_bytes(_zip({"../../etc/passwd": b"root"}))

    source = LocalFolder(inbox)
    files = scan_with_archives(source)
    members = [f for f in files if f.package == "hq-nghe-an.zip" and f.path != "hq-nghe-an.zip"]
    assert len(members) == len(list(package.iterdir())) and all(f.path.startswith("hq-nghe-an.zip/Nghệ An/") for f in members)
    documents, _ = fingerprint(source, files)
    to_read, duplicates = split_new(documents, set(), set())
    assert duplicates == []
    outcomes = {d.path: extract_outcome(d, read_file(source, d.path), "tchq") for d in to_read}

    assert outcomes["hq-nghe-an.zip"].status is DocumentStatus.ARCHIVE
    forms = [o.form for o in outcomes.values() if o.form is not None]
    assert [f.unit_code for f in forms] == ["hq-nghe-an"]
    assert sum(1 for o in outcomes.values() if o.status is DocumentStatus.EVIDENCE) == len(members) - 1
    evil = outcomes["evil.zip"]
    assert (evil.status, evil.reason) == (DocumentStatus.REJECTED, "unsafe_archive")
