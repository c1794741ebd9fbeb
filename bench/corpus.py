"""Benchmark corpora: N distinct submission packages (form and evidence, DOCX and PDF mixed) with the scores they print."""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from forms import write_form
from forms.layout import printed_scores
from samples import Package, allocate, package_for, sample_totals
from samples.generate import evidence_bytes, write_file
from schemas.framework import framework_for
from schemas.units import registry_for

PROGRAM, YEAR = "tchq", 2019
# Bump when the packages change, so cached corpora are written again.
CORPUS_VERSION = 1
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class FormEntry:
    """One form of a corpus: where it is, its format, its unit and block, and the score each row prints."""

    path: str  # relative to the inbox
    fmt: str
    unit: str
    block: str
    printed: dict[str, str]  # criterion code → points as the generator wrote them ("3.5")


@dataclass(frozen=True)
class Corpus:
    """A generated inbox of `submissions` packages and the forms' known values."""

    root: Path
    submissions: int
    files: int
    forms: tuple[FormEntry, ...]

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"


def _shifted(number: str, cycle: int) -> str:
    """A document number made distinct per cycle: "15/KH-HQĐNg" → "1015/KH-HQĐNg" in cycle 1."""
    head, _, tail = number.partition("/")
    return f"{cycle * 1000 + int(head)}/{tail}" if head.isdigit() else f"{number}-{cycle}"


def distinct_package(position: int) -> tuple[str, Package]:
    """The package at `position` of a corpus and its folder: registry units in turn, a new version each cycle.

    Cycle 0 is the sample inbox's package. A later cycle lowers the unit's total by a few half points,
    spreads it anew and renumbers the evidence (citations follow), so every file's content is new:
    identical bytes would be recorded as duplicates and never read.
    """
    framework = framework_for(PROGRAM, YEAR)
    units = registry_for(PROGRAM).units
    unit = units[position % len(units)]
    cycle = position // len(units)
    total = sample_totals(PROGRAM, YEAR)[unit.code]
    package = package_for(framework, unit, position, total)
    if cycle == 0:
        return unit.code, package
    rng = random.Random(f"bench-{unit.code}-{cycle}")
    block = framework.block(unit.block)
    step = block.step or framework.step
    lowered = max(Decimal(0), total - step * rng.randint(0, 6))
    evidence = tuple(replace(e, number=_shifted(e.number, cycle)) for e in package.evidence)
    citations = dict(package.form.evidence)
    for old, new in zip(package.evidence, evidence):
        citations = {code: text.replace(old.citation, new.citation) for code, text in citations.items()}
    form = replace(
        package.form,
        scores=allocate(block, lowered, seed=f"bench-{unit.code}-{cycle}"),
        evidence=citations,
        document_number=_shifted(package.form.document_number or f"1/BC-{unit.code}", cycle),
    )
    return f"{unit.code}-{cycle + 1:03d}", replace(package, form=form, evidence=evidence)


def _write_packages(inbox: Path, positions: Sequence[int]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    agency = framework_for(PROGRAM, YEAR).agency
    for position in positions:
        folder_name, package = distinct_package(position)
        folder = inbox / folder_name
        write_file(folder / package.form_filename, write_form(package.form, package.form_fmt))
        for item in package.evidence:
            write_file(folder / item.filename, evidence_bytes(item, package.unit, agency))
        entries.append(
            {
                "path": f"{folder_name}/{package.form_filename}",
                "fmt": package.form_fmt,
                "unit": package.unit.code,
                "block": package.unit.block,
                "printed": {code: str(points) for code, points in printed_scores(package.form).items()},
                "files": 1 + len(package.evidence),
            }
        )
    return entries


def build_corpus(root: Path, submissions: int, workers: int | None = None) -> Corpus:
    """The corpus of `submissions` packages under `root`/inbox, written once and reused while its manifest matches."""
    manifest = root / MANIFEST
    if manifest.is_file():
        saved = json.loads(manifest.read_text(encoding="utf-8"))
        if saved.get("version") == CORPUS_VERSION and saved.get("submissions") == submissions:
            return _corpus(root, saved)
    if root.exists():
        shutil.rmtree(root)
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    workers = workers or os.cpu_count() or 1
    chunks = [list(range(start, submissions, workers)) for start in range(workers)]
    if workers == 1 or submissions < 20:
        entries = _write_packages(inbox, range(submissions))
    else:
        with ProcessPoolExecutor(workers) as pool:
            entries = [e for part in pool.map(_write_packages, [inbox] * workers, chunks) for e in part]
    entries.sort(key=lambda e: str(e["path"]))
    saved = {"version": CORPUS_VERSION, "submissions": submissions, "files": sum(int(e.pop("files")) for e in entries), "forms": entries}
    manifest.write_text(json.dumps(saved, ensure_ascii=False, indent=1), encoding="utf-8")
    return _corpus(root, saved)


def _corpus(root: Path, saved: dict[str, Any]) -> Corpus:
    """The corpus a manifest describes (JSON-shaped: as written, or as read back)."""
    forms = tuple(FormEntry(**entry) for entry in saved["forms"])
    return Corpus(root=root, submissions=int(saved["submissions"]), files=int(saved["files"]), forms=forms)


def load_corpus(root: Path) -> Corpus:
    """A corpus written earlier by build_corpus."""
    return _corpus(root, json.loads((root / MANIFEST).read_text(encoding="utf-8")))


def docx_forms_inbox(corpus: Corpus, target: Path, part: str = "forms") -> Path:
    """An inbox holding only the corpus's DOCX forms (hard links), for the forms-per-second figure; `part`
    "evidence": the evidence files of those forms' packages instead, to take in before them."""
    if target.exists():
        shutil.rmtree(target)
    forms = {form.path for form in corpus.forms if form.fmt == "docx"}
    packages = {path.split("/", 1)[0] for path in forms}
    for file in sorted(corpus.inbox.rglob("*")):
        relative = file.relative_to(corpus.inbox).as_posix()
        if not file.is_file() or relative.split("/", 1)[0] not in packages or (relative in forms) != (part == "forms"):
            continue
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(file, path)
        except OSError:  # another file system: a copy does as well
            shutil.copy2(file, path)
    return target
