"""Turn a read document into a self-assessment: find the score table, read its rows and the header facts."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from core.errors import DocumentError, Reason
from extractors import header
from extractors.codes import code_key, is_group, leading_code, parse_code
from extractors.heading import (
    CODE,
    EVIDENCE,
    MAX,
    NAME,
    NOTE,
    ROUNDS,
    SELF,
    ScoreTable,
    column_role,
    find_heading,
    find_score_table,
    is_heading_fragment,
    note_round,
)
from extractors.numbers import parse_points
from schemas.records import Grid, GridRow, Lineage, ReadDocument, ScoreRow, SelfAssessment
from schemas.units import UnitRegistry
from schemas.vietnamese import fold, nfc

__all__ = ["ReadTable", "ScoreTable", "column_role", "find_score_table", "header_lines", "interpret", "parse_code", "read_score_tables"]

_T = TypeVar("_T")
HEADER_LINES = 12  # without a recognisable title, the header is this many first lines
_COLUMN_NUMBER = re.compile(r"^\(?(\d{1,2})\)?$")
_TOTAL_PREFIXES = ("tong cong", "tong diem", "tong so diem")
_TITLE_WORDS = re.compile(r"\b(?:cai cach hanh chinh|cchc|tham dinh)\b")  # a round sheet's title, folded
# The cells whose OCR confidence a row's confidence is the lowest of: what the scores are read from.
_SCORED = (CODE, MAX, SELF, *ROUNDS)


@dataclass
class _Draft:
    """A score row being read: a wrapped row's next lines still add to it."""

    code: str
    name: str
    max_points: Decimal | None
    self_points: Decimal | None
    self_text: str
    evidence: list[str]
    lineage: Lineage
    not_applicable: bool = False
    rounds: dict[str, tuple[Decimal | None, str]] = field(default_factory=dict)  # round → its points, or its text if unreadable
    notes: list[str] = field(default_factory=list)
    round_notes: dict[str, list[str]] = field(default_factory=dict)  # round → the comments of the columns naming it
    confidence: float | None = None


def interpret(doc: ReadDocument, registry: UnitRegistry) -> SelfAssessment:
    """The self-assessment a read document states; DocumentError when it has no score table or header facts."""
    tables = read_score_tables(doc)
    if not tables:
        raise DocumentError(
            Reason.NO_SCORE_TABLE,
            "no score table: no table has a self-score column ('Điểm tự đánh giá' / 'Điểm tự chấm') next to a criterion column ('STT' / 'Tiêu chí')",
        )
    best = max(tables, key=lambda t: len(t.rows))  # the detailed table, not a summary by field
    if not best.rows:
        raise DocumentError(Reason.NO_SCORE_TABLE, "the score table has no criterion rows (no '1', '1.1', ... codes)")
    lines = header_lines(doc, tables[0].table.grid)
    unit, unit_text = registry.find(_appraised_unit_first(lines) if _issued_by_appraisers(best.rows) else lines)
    year = header.assessment_year(lines)
    if year is None:
        raise DocumentError(Reason.YEAR_MISSING, "no assessment year: the title does not say '... cải cách hành chính năm <year>'")
    return SelfAssessment(
        sha256=doc.sha256,
        unit_code=unit.code,
        unit_text=unit_text,
        year=year,
        document_number=header.document_number(lines),
        document_date=header.document_date(lines),
        rows=best.rows,
        stated_total=best.stated_total,
        text_layer=doc.text_layer,
    )


def _issued_by_appraisers(rows: list[ScoreRow]) -> bool:
    """Whether the latest round with values is the appraisers' or the council's: their sheet is headed by
    who issued it (a Vụ, the council), and names the unit it appraised under its title. A unit's own
    explanation is headed by the unit, as its self-assessment is."""
    if any(r.explanation_points is not None for r in rows) and not any(r.council_points is not None for r in rows):
        return False
    return any(r.appraisal_points is not None or r.council_points is not None for r in rows)


def _appraised_unit_first(lines: list[str]) -> list[str]:
    """The lines from the title on, then the ones above it (the issuer's): a registered unit that appraised
    another ("VỤ TỔ CHỨC CÁN BỘ") must not be taken for the unit appraised."""
    title = next((i for i, line in enumerate(lines) if _TITLE_WORDS.search(fold(line))), None)
    return lines if title is None else lines[title:] + lines[:title]


def _width(grid: Grid) -> int:
    counts = Counter(len(row.cells) for row in grid.rows)
    return counts.most_common(1)[0][0] if counts else 0


def _aligned(cells: list[_T], width: int, blank: _T) -> list[_T]:
    """Cells lined up with the heading. A short row merged its first cells ("Tổng cộng" across STT and
    name), so the rest are aligned to the right."""
    if len(cells) >= width:
        return list(cells[:width])
    return [cells[0], *([blank] * (width - len(cells))), *cells[1:]]


def _is_column_numbers(cells: list[str]) -> bool:
    """The row under a heading that numbers the columns: "1 | 2 | 3 ..." or "(1) | (2) | (3) ..."."""
    numbers = [_COLUMN_NUMBER.match(c.strip()) for c in cells if c.strip()]
    if len(numbers) < 3 or not all(numbers):
        return False
    values = [int(m.group(1)) for m in numbers if m]
    return all(b == a + 1 for a, b in zip(values, values[1:]))


def _is_total(text: str) -> bool:
    folded = fold(text)
    return folded == "cong" or any(folded == t or folded.startswith(t + " ") for t in _TOTAL_PREFIXES)


def _cell(cells: list[str], columns: dict[str, int], role: str) -> str:
    index = columns.get(role)
    return cells[index] if index is not None else ""


def _points(text: str) -> tuple[Decimal | None, bool]:
    try:
        return parse_points(text), True
    except ValueError:
        return None, False


@dataclass(frozen=True)
class ReadTable:
    """A score table as read: where its heading is, the grids it spans, its rows and its stated total."""

    table: ScoreTable
    grids: int
    rows: list[ScoreRow]
    stated_total: Decimal | None


def read_score_tables(doc: ReadDocument) -> list[ReadTable]:
    """Every score table of the document, each with the grids that continue it on the next pages."""
    tables: list[ReadTable] = []
    position = 0
    while position < len(doc.grids):
        table = find_heading(doc.grids[position], position)
        if table is None:
            position += 1
            continue
        read = _read_table(doc.sha256, doc.grids, table)
        tables.append(read)
        position += read.grids
    return tables


def _first_code(grid: Grid, table: ScoreTable) -> str | None:
    for row in grid.rows:
        cells = _aligned(row.cells, table.width, "")
        if not _is_column_numbers(cells) and (draft := _draft("", grid, row, cells, table)) is not None:
            return draft.code
    return None


def _read_table(sha256: str, grids: list[Grid], table: ScoreTable) -> ReadTable:
    """Read the heading's grid, then the following grids as wide as it (a table continued on the next
    page, with or without its heading repeated), until one restarts the numbering: that is another
    table (a summary, then the details)."""
    drafts: list[_Draft] = []
    stated_total: Decimal | None = None
    columns = table.columns
    used = 0
    for position in range(table.grid, len(grids)):
        grid = grids[position]
        if position > table.grid:
            if _width(grid) != table.width:
                break
            first = _first_code(grid, table)
            if first is not None and drafts and code_key(first) <= code_key(drafts[-1].code):
                break
        used += 1
        for row in grid.rows[table.first_row :] if position == table.grid else grid.rows:
            cells = _aligned(row.cells, table.width, "")
            if not any(c.strip() for c in cells) or _is_column_numbers(cells):
                continue
            draft = _draft(sha256, grid, row, cells, table)
            if draft is not None:
                drafts.append(draft)
                continue
            code_text, name_text = _cell(cells, columns, CODE), _cell(cells, columns, NAME)
            if _is_total(code_text) or _is_total(name_text):
                if stated_total is None:
                    stated_total, _ = _points(_cell(cells, columns, SELF))
            elif is_group(code_text) or (not code_text.strip() and is_group(name_text)):
                continue  # a Roman group row above the fields, with or without its own subtotal
            elif drafts and not code_text.strip() and not is_heading_fragment(cells):
                _continue(drafts[-1], row, cells, table)
    return ReadTable(table=table, grids=used, rows=[_row(d) for d in drafts], stated_total=stated_total)


def _code_and_name(cells: list[str], columns: dict[str, int]) -> tuple[str | None, str]:
    """The row's criterion code and name: from the code column, else from the start of the name."""
    name = nfc(_cell(cells, columns, NAME))
    code = parse_code(_cell(cells, columns, CODE)) if CODE in columns else None
    if code is not None:
        leading = leading_code(name)
        return code, leading[1] if leading is not None and leading[0] == code else name  # "1.1 | 1.1. Kế hoạch"
    if CODE in columns and _cell(cells, columns, CODE).strip():
        return None, name  # the code cell says something else: a group ("I"), a sub-item ("a)"), a total
    # No code column, or an empty one: "1.1. Kế hoạch ..." in the name (a count like "15 văn bản" is not a code).
    leading = leading_code(name, dotted=CODE in columns)
    return (leading[0], leading[1]) if leading is not None else (None, name)


def _draft(sha256: str, grid: Grid, row: GridRow, cells: list[str], table: ScoreTable) -> _Draft | None:
    columns = table.columns
    code, name = _code_and_name(cells, columns)
    if code is None:
        return None
    self_cell = _cell(cells, columns, SELF).strip()
    self_points, self_ok = _points(self_cell)
    max_points, _ = _points(_cell(cells, columns, MAX))
    evidence = _cell(cells, columns, EVIDENCE).strip()
    draft = _Draft(
        code=code,
        name=name,
        max_points=max_points,
        self_points=self_points,
        self_text="" if self_ok else self_cell,
        evidence=[evidence] if evidence else [],
        lineage=Lineage(sha256=sha256, page=row.page, table=grid.table, row=row.row),
        # "Không áp dụng" reads as no score, like a blank cell; letters (not a dash) tell the two apart.
        not_applicable=self_ok and self_points is None and any(ch.isalpha() for ch in self_cell),
    )
    _add_rounds_and_notes(draft, row, cells, table)
    return draft


def _add_rounds_and_notes(draft: _Draft, row: GridRow, cells: list[str], table: ScoreTable) -> None:
    """Fill each later round's score (its last column with a value: "Lần 1 | Lần 2"), the notes, each with the
    round its heading names ("Nội dung giải trình"), and the OCR confidence of a row."""
    for role in ROUNDS:
        if role not in draft.rounds:
            given = [cells[i].strip() for i in table.shared.get(role, ()) if cells[i].strip()]
            if given:
                points, ok = _points(given[-1])
                draft.rounds[role] = (points, "" if ok else given[-1])
    for i in table.shared.get(NOTE, ()):
        if note := nfc(cells[i]):
            draft.notes.append(note)
            if (named := note_round(table.heading[i])) is not None:
                draft.round_notes.setdefault(named, []).append(note)
    if row.confidence is not None:
        scored = [i for role in _SCORED for i in ((table.columns[role],) if role in table.columns else ())]
        confidence = _aligned(list(row.confidence), table.width, 100.0)
        # OCR: a cell with ink it could not read is empty but unsure, and must count (blank cells are 100).
        values = [confidence[i] for i in scored if cells[i].strip() or confidence[i] < 100]
        if values:
            draft.confidence = min([*values, *([] if draft.confidence is None else [draft.confidence])])


def _continue(draft: _Draft, row: GridRow, cells: list[str], table: ScoreTable) -> None:
    """A row without a code carries on the previous row: wrapped name or evidence, or a score left out."""
    columns = table.columns
    name = nfc(_cell(cells, columns, NAME))
    if name:
        draft.name = f"{draft.name} {name}".strip()
    evidence = _cell(cells, columns, EVIDENCE).strip()
    if evidence:
        draft.evidence.append(evidence)
    if draft.self_points is None and not draft.self_text and not draft.not_applicable:
        draft.self_points, _ = _points(_cell(cells, columns, SELF))
    if draft.max_points is None:
        draft.max_points, _ = _points(_cell(cells, columns, MAX))
    _add_rounds_and_notes(draft, row, cells, table)


def _row(draft: _Draft) -> ScoreRow:
    (appraisal, appraisal_text), (explanation, explanation_text), (council, council_text) = (draft.rounds.get(r, (None, "")) for r in ROUNDS)
    return ScoreRow(
        code=draft.code,
        name=draft.name,
        max_points=draft.max_points,
        self_points=draft.self_points,
        self_text=draft.self_text,
        appraisal_points=appraisal,
        appraisal_text=appraisal_text,
        explanation_points=explanation,
        explanation_text=explanation_text,
        council_points=council,
        council_text=council_text,
        evidence="\n".join(draft.evidence),
        note="\n".join(draft.notes),
        round_notes={r: "\n".join(notes) for r, notes in draft.round_notes.items()},
        confidence=draft.confidence,
        not_applicable=draft.not_applicable,
        lineage=draft.lineage,
    )


def header_lines(doc: ReadDocument, score_grid: int) -> list[str]:
    """The lines that can state the header facts: running text up to the title, and the tables above the
    score table (Word headers are often a borderless two-column table).

    Lines after the title are left out: the "Nơi nhận" list at the end names other units.
    """
    title = header.title_index(doc.lines)
    head = doc.lines[: title + 3] if title is not None else doc.lines[:HEADER_LINES]
    cells = [line for grid in doc.grids[:score_grid] for row in grid.rows for cell in row.cells for line in cell.split("\n")]
    return head + [line for line in cells if line.strip()]
