"""Turn a read document into a self-assessment: find the score table, read its rows and the header facts."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from extractors import header
from extractors.numbers import parse_points
from parindex.errors import DocumentError, Reason
from schemas.records import Grid, GridRow, Lineage, ReadDocument, ScoreRow, SelfAssessment
from schemas.units import UnitRegistry
from schemas.vietnamese import fold, nfc

CODE, NAME, MAX, SELF, EVIDENCE, NOTE, APPRAISAL = "code", "name", "max", "self", "evidence", "note", "appraisal"

# Column headings, folded. First pass: the usual headings; second pass: shorter ones, for a heading split
# over two rows ("Điểm" above "Tối đa | Tự chấm") or worded loosely. In each pass the first role wins,
# so "Điểm tối đa của tiêu chí" is the maximum, not the name.
_HEADINGS: tuple[tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...], ...] = (
    (
        (APPRAISAL, (), ("diem tham dinh",)),
        (SELF, (), ("diem tu danh gia", "diem tu cham", "tu cham diem", "diem tdg")),
        (MAX, (), ("diem toi da", "diem chuan", "thang diem")),
        (EVIDENCE, (), ("tai lieu kiem chung", "tai lieu chung minh")),
        (NOTE, (), ("ghi chu",)),
        (CODE, ("stt", "tt"), ("ma tieu chi",)),
        (NAME, (), ("linh vuc", "tieu chi", "noi dung")),
    ),
    (
        (APPRAISAL, (), ("tham dinh",)),
        (SELF, (), ("tu danh gia", "tu cham", "tdg")),
        (MAX, (), ("toi da",)),
        (EVIDENCE, (), ("kiem chung", "chung minh")),
        (CODE, ("so tt", "so thu tu", "ma so", "ma"), ()),
    ),
)
HEADER_DEPTH = 3  # a heading may take up to this many rows
HEADER_SEARCH = 8  # the heading starts within this many rows of the table's top
HEADER_LINES = 12  # without a recognisable title, the header is this many first lines

# "1", "1.1", "1.1.1", "1.1." and "Tiêu chí 1.1"; up to four levels.
_CODE = re.compile(r"^(?P<prefix>\D*?)\s*(?P<code>\d{1,2}(?:\.\d{1,3}){0,3})\.?$")
_CODE_PREFIXES = {"", "linh vuc", "tieu chi", "tieu chi thanh phan", "tc", "tctp", "lv", "muc"}
# Without a code column the code opens the name: "1.1. Kế hoạch cải cách hành chính".
_LEADING_CODE = re.compile(r"^(?P<code>\d{1,2}(?:\.\d{1,3}){0,3})\.?\s+(?P<name>\S.*)$")
_COLUMN_NUMBER = re.compile(r"^\(?(\d{1,2})\)?$")
_TOTAL_PREFIXES = ("tong cong", "tong diem", "tong so diem")


@dataclass(frozen=True)
class ScoreTable:
    """Where the score table is: its first grid, the row after its heading, and which column holds what."""

    grid: int
    first_row: int
    width: int
    columns: dict[str, int]
    heading: tuple[str, ...]


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


def interpret(doc: ReadDocument, registry: UnitRegistry) -> SelfAssessment:
    """The self-assessment a read document states; DocumentError when it has no score table or header facts."""
    tables = read_score_tables(doc)
    if not tables:
        raise DocumentError(
            Reason.NO_SCORE_TABLE,
            "no score table: no table has a self-score column ('Điểm tự đánh giá' / 'Điểm tự chấm') "
            "next to a criterion column ('STT' / 'Tiêu chí')",
        )
    best = max(tables, key=lambda t: len(t.rows))  # the detailed table, not a summary by field
    if not best.rows:
        raise DocumentError(Reason.NO_SCORE_TABLE, "the score table has no criterion rows (no '1', '1.1', ... codes)")
    lines = header_lines(doc, tables[0].table.grid)
    unit, unit_text = registry.find(lines)
    year = header.assessment_year(lines)
    if year is None:
        raise DocumentError(
            Reason.YEAR_MISSING, "no assessment year: the title does not say '... cải cách hành chính năm <year>'"
        )
    return SelfAssessment(
        sha256=doc.sha256,
        unit_code=unit.code,
        unit_text=unit_text,
        year=year,
        document_number=header.document_number(lines),
        document_date=header.document_date(lines),
        rows=best.rows,
        stated_total=best.stated_total,
    )


def column_role(label: str) -> str | None:
    """What a column heading names (CODE, NAME, MAX, SELF, ...), ignoring case, diacritics and spacing."""
    key = fold(label).replace(" ", "")
    if not key:
        return None
    for headings in _HEADINGS:
        for role, exact, contained in headings:
            if any(key == e.replace(" ", "") for e in exact) or any(c.replace(" ", "") in key for c in contained):
                return role
    return None


def _roles(labels: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, label in enumerate(labels):
        role = column_role(label)
        if role is not None and role not in columns:
            columns[role] = index
    return columns


def _is_heading(columns: dict[str, int]) -> bool:
    return SELF in columns and (CODE in columns or NAME in columns)


def find_heading(grid: Grid, position: int = 0) -> ScoreTable | None:
    """The score-table heading of one grid (one to HEADER_DEPTH rows naming a self-score and a criterion column).

    One-row headings are tried first, so a title row spanning the table is not stacked onto the heading.
    """
    for depth in range(1, HEADER_DEPTH + 1):
        for start in range(min(HEADER_SEARCH, len(grid.rows) - depth + 1)):
            labels: list[str] | None = list(grid.rows[start].cells)
            for row in grid.rows[start + 1 : start + depth]:
                labels = _stack(labels, row.cells) if labels is not None else None
            if labels is not None and _is_heading(columns := _roles(labels)):
                return ScoreTable(position, start + depth, len(labels), columns, tuple(labels))
    return None


def find_score_table(grids: list[Grid]) -> ScoreTable | None:
    """The first grid's score-table heading, if any grid has one."""
    return next((t for i, g in enumerate(grids) if (t := find_heading(g, i)) is not None), None)


def _stack(upper: list[str], lower: list[str]) -> list[str] | None:
    """Headings of two stacked heading rows, column by column; None when they cannot be lined up.

    A heading spanning sub-columns ("Điểm" over "Tối đa | Tự chấm") is one cell in Word but the
    first of several cells (the rest empty) in a PDF. In Word the lower row is wider: each empty lower
    cell sits below one upper cell (a vertical merge), each run of filled lower cells below one
    spanning upper cell.
    """
    if len(upper) == len(lower):
        filled = list(upper)
        for i in range(1, len(filled)):
            if not filled[i] and lower[i] and lower[i - 1]:
                filled[i] = filled[i - 1]
        return [f"{u} {d}".strip() for u, d in zip(filled, lower, strict=True)]
    if len(upper) > len(lower):
        return None
    spread: list[str] = []
    source = iter(upper)
    for i, cell in enumerate(lower):
        if not cell or i == 0 or not lower[i - 1]:
            above = next(source, None)
            if above is None:
                return None
        spread.append(f"{above} {cell}".strip())
    return spread if next(source, None) is None else None


def _width(grid: Grid) -> int:
    counts = Counter(len(row.cells) for row in grid.rows)
    return counts.most_common(1)[0][0] if counts else 0


def _aligned(cells: list[str], width: int) -> list[str]:
    """Cells lined up with the heading. A short row merged its first cells ("Tổng cộng" across STT and
    name), so the rest are aligned to the right."""
    if len(cells) >= width:
        return list(cells[:width])
    return [cells[0], *([""] * (width - len(cells))), *cells[1:]]


def parse_code(text: str) -> str | None:
    """A criterion code from a code cell: "1.1." → "1.1", "Tiêu chí 1.1" → "1.1"; None if it holds none."""
    match = _CODE.match(nfc(text))
    if match is None or fold(match.group("prefix")) not in _CODE_PREFIXES:
        return None
    return match.group("code")


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


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code.split("."))


def _first_code(grid: Grid, table: ScoreTable) -> str | None:
    for row in grid.rows:
        cells = _aligned(row.cells, table.width)
        if not _is_column_numbers(cells) and (draft := _draft("", grid, row, cells, table.columns)) is not None:
            return draft.code
    return None


def _read_table(sha256: str, grids: list[Grid], table: ScoreTable) -> ReadTable:
    """Read the heading's grid, then the following grids as wide as it (a table continued on the next
    page), until one restarts the numbering: that is another table (a summary, then the details)."""
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
            if first is not None and drafts and _code_key(first) <= _code_key(drafts[-1].code):
                break
        used += 1
        for row in grid.rows[table.first_row :] if position == table.grid else grid.rows:
            cells = _aligned(row.cells, table.width)
            if not any(c.strip() for c in cells) or _is_column_numbers(cells):
                continue
            draft = _draft(sha256, grid, row, cells, columns)
            if draft is not None:
                drafts.append(draft)
                continue
            code_text, name_text = _cell(cells, columns, CODE), _cell(cells, columns, NAME)
            if _is_total(code_text) or _is_total(name_text):
                if stated_total is None:
                    stated_total, _ = _points(_cell(cells, columns, SELF))
            elif drafts and not code_text.strip() and not _is_heading_fragment(cells):
                _continue(drafts[-1], cells, columns)
    return ReadTable(table=table, grids=used, rows=[_row(d) for d in drafts], stated_total=stated_total)


def _draft(sha256: str, grid: Grid, row: GridRow, cells: list[str], columns: dict[str, int]) -> _Draft | None:
    name = nfc(_cell(cells, columns, NAME))
    if CODE in columns:
        code = parse_code(_cell(cells, columns, CODE))
    else:
        leading = _LEADING_CODE.match(name)
        code, name = (leading.group("code"), leading.group("name")) if leading else (None, name)
    if code is None:
        return None
    self_cell = _cell(cells, columns, SELF).strip()
    self_points, self_ok = _points(self_cell)
    max_points, _ = _points(_cell(cells, columns, MAX))
    evidence = _cell(cells, columns, EVIDENCE).strip()
    return _Draft(
        code=code,
        name=name,
        max_points=max_points,
        self_points=self_points,
        self_text="" if self_ok else self_cell,
        evidence=[evidence] if evidence else [],
        lineage=Lineage(sha256=sha256, page=row.page, table=grid.table, row=row.row),
    )


def _is_heading_fragment(cells: list[str]) -> bool:
    """A repeated heading row, or the lower half of a two-row heading, on a continuation page."""
    return len([c for c in cells if column_role(c) is not None]) >= 2


def _continue(draft: _Draft, cells: list[str], columns: dict[str, int]) -> None:
    """A row without a code carries on the previous row: wrapped name or evidence, or a score left out."""
    name = nfc(_cell(cells, columns, NAME))
    if name:
        draft.name = f"{draft.name} {name}".strip()
    evidence = _cell(cells, columns, EVIDENCE).strip()
    if evidence:
        draft.evidence.append(evidence)
    if draft.self_points is None and not draft.self_text:
        draft.self_points, _ = _points(_cell(cells, columns, SELF))
    if draft.max_points is None:
        draft.max_points, _ = _points(_cell(cells, columns, MAX))


def _row(draft: _Draft) -> ScoreRow:
    return ScoreRow(
        code=draft.code,
        name=draft.name,
        max_points=draft.max_points,
        self_points=draft.self_points,
        self_text=draft.self_text,
        evidence="\n".join(draft.evidence),
        lineage=draft.lineage,
    )


def header_lines(doc: ReadDocument, score_grid: int) -> list[str]:
    """The lines that can state the header facts: running text up to the title, and the tables above the
    score table (Word headers are often a borderless two-column table).

    Lines after the title are left out: the "Nơi nhận" list at the end names other units.
    """
    title = next((i for i, line in enumerate(doc.lines) if header.names_index(line)), None)
    head = doc.lines[: title + 2] if title is not None else doc.lines[:HEADER_LINES]
    cells = [line for grid in doc.grids[:score_grid] for row in grid.rows for cell in row.cells for line in cell.split("\n")]
    return head + [line for line in cells if line.strip()]
