"""The score table's heading: which column holds what, found by its words (any order, one to three rows)."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.records import Grid
from schemas.vietnamese import fold

CODE, NAME, MAX, SELF, EVIDENCE, NOTE, APPRAISAL = "code", "name", "max", "self", "evidence", "note", "appraisal"
# The score columns of the rounds after self-assessment, in order; each role is named as its Round's value.
EXPLANATION, COUNCIL = "explanation", "council"
ROUNDS = (APPRAISAL, EXPLANATION, COUNCIL)
# Roles several columns may share: appraisal rounds ("Điểm thẩm định" over "Lần 1 | Lần 2"), comment columns.
MULTIPLE = (*ROUNDS, NOTE)

# Column headings, folded. First pass: the usual headings; second pass: shorter ones, for a heading split
# over two rows ("Điểm" above "Tối đa | Tự chấm") or worded loosely. In each pass the first role wins,
# so "Điểm tối đa của tiêu chí" is the maximum, not the name, and "Ý kiến thẩm định" is a note.
# A "*" in a contained heading stands for any words: a later round's score column says "điểm" before
# naming its round ("Điểm Hội đồng thống nhất", "Điểm đề nghị sau giải trình"), its comment column does
# not ("Ý kiến Hội đồng", "Nội dung giải trình": notes).
_HEADINGS: tuple[tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...], ...] = (
    (
        (COUNCIL, (), ("diem*hoi dong", "diem*hdtd", "diem hd", "diem thong nhat")),
        (EXPLANATION, (), ("diem*giai trinh", "diem de nghi")),
        (APPRAISAL, (), ("diem tham dinh",)),
        (SELF, (), ("diem tu danh gia", "diem tu cham", "tu cham diem", "diem tdg")),
        (MAX, (), ("diem toi da", "diem chuan", "thang diem")),
        (EVIDENCE, (), ("tai lieu kiem chung", "tai lieu chung minh")),
        (NOTE, (), ("ghi chu", "y kien", "nhan xet", "giai trinh")),
        (CODE, ("stt", "tt"), ("ma tieu chi",)),
        (NAME, (), ("linh vuc", "tieu chi", "noi dung")),
    ),
    (
        (COUNCIL, ("hoi dong", "hdtd"), ()),
        (APPRAISAL, (), ("tham dinh",)),
        (SELF, (), ("tu danh gia", "tu cham", "tdg")),
        (MAX, (), ("toi da",)),
        (EVIDENCE, (), ("kiem chung", "chung minh")),
        (CODE, ("so tt", "so thu tu", "ma so", "ma"), ()),
    ),
)
# The round a comment column answers, by the words of its heading: "Nội dung giải trình" is the unit's
# explanation, "Ý kiến Hội đồng" the council's. Those documents restate the appraisers' comments too; an
# appraisal sheet's comments ("Ý kiến thẩm định", "Ghi chú") all belong to its round, so name none.
_NOTE_ROUNDS = ((EXPLANATION, ("giai trinh",)), (COUNCIL, ("hoi dong", "hdtd")))
HEADER_DEPTH = 3  # a heading may take up to this many rows
HEADER_SEARCH = 8  # the heading starts within this many rows of the table's top


@dataclass(frozen=True)
class ScoreTable:
    """Where the score table is: its first grid, the row after its heading, and which column holds what.

    `columns` gives each role's first column; `shared` every column of the roles in MULTIPLE.
    """

    grid: int
    first_row: int
    width: int
    columns: dict[str, int]
    heading: tuple[str, ...]
    shared: dict[str, tuple[int, ...]] = field(default_factory=dict)


def column_role(label: str) -> str | None:
    """What a column heading names (CODE, NAME, MAX, SELF, ...), ignoring case, diacritics and spacing."""
    key = fold(label).replace(" ", "")
    if not key:
        return None
    for headings in _HEADINGS:
        for role, exact, contained in headings:
            if any(key == e.replace(" ", "") for e in exact) or any(_contains(key, c.replace(" ", "")) for c in contained):
                return role
    return None


def note_round(label: str) -> str | None:
    """The later round (EXPLANATION, COUNCIL) a comment column's heading names, None for "Ghi chú" or "Ý kiến thẩm định"."""
    folded = f" {fold(label)} ".replace(" yeu cau giai trinh ", " ")  # the appraisers' request for one, not the answer
    return next((r for r, words in _NOTE_ROUNDS if any(f" {w} " in folded for w in words)), None)


def _contains(key: str, pattern: str) -> bool:
    """Whether `key` holds the parts of `pattern` (split at "*") in order."""
    position = 0
    for part in pattern.split("*"):
        found = key.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


def _roles(labels: list[str]) -> tuple[dict[str, int], dict[str, tuple[int, ...]]]:
    columns: dict[str, int] = {}
    shared: dict[str, tuple[int, ...]] = {}
    for index, label in enumerate(labels):
        role = column_role(label)
        if role is None:
            continue
        columns.setdefault(role, index)
        if role in MULTIPLE:
            shared[role] = (*shared.get(role, ()), index)
    return columns, shared


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
            if labels is None:
                continue
            columns, shared = _roles(labels)
            if _is_heading(columns):
                return _with_sub_headings(grid, ScoreTable(position, start + depth, len(labels), columns, tuple(labels), shared))
    return None


def _with_sub_headings(grid: Grid, table: ScoreTable) -> ScoreTable:
    """The heading with the rows under it that only split its columns ("Điểm thẩm định" over "Lần 1 | Lần 2")."""
    while table.first_row < len(grid.rows):
        cells = grid.rows[table.first_row].cells
        if not _is_sub_heading(cells, table.columns):
            break
        labels = _stack(list(table.heading), cells)
        if labels is None:
            break
        columns, shared = _roles(labels)
        if not _is_heading(columns):
            break
        table = ScoreTable(table.grid, table.first_row + 1, len(labels), columns, tuple(labels), shared)
    return table


def _is_sub_heading(cells: list[str], columns: dict[str, int]) -> bool:
    """Words under some columns, nothing under the code and name: not a criterion, not column numbers."""
    filled = [cell for cell in cells if cell.strip()]
    under_criterion = [cells[i] for role in (CODE, NAME) if (i := columns.get(role)) is not None and i < len(cells)]
    return bool(filled) and not any(c.strip() for c in under_criterion) and all(any(ch.isalpha() for ch in c) for c in filled)


# Every heading a self-score column may have holds one of these ("Điểm tự chấm", "Tự đánh giá", "TĐG"),
# and a score table needs such a column.
_SELF_WORDS = tuple(tuple(words.split()) for role, _, contained in _HEADINGS[-1] if role == SELF for words in contained)
# A heading cell wraps ("Điểm tự" / "đánh giá") and a text layer gives a table's lines across its cells: the
# next line of a wrapped heading comes after the rest of the heading row, this many words at most.
HEADING_SPREAD = 15


def may_hold_score_table(lines: list[str]) -> bool:
    """False when no self-score column's heading can be read in these lines, however its cells wrap: then no
    table of the document they are taken from is a score table, and it is no self-assessment or round sheet.

    A heading's words stand next to each other on a line, or its next word opens a later line within
    HEADING_SPREAD words (the cell wrapped); words apart on one line are prose ("tự ... đánh giá").
    """
    words = [(word, row) for row, line in enumerate(lines) for word in fold(line).split()]
    plain = [word for word, _ in words]
    if any("".join(heading) in "".join(plain) for heading in _SELF_WORDS):  # spaces lost: "Tựchấm"
        return True
    return any(_heading_at(words, start, heading) for heading in _SELF_WORDS for start, (word, _) in enumerate(words) if word == heading[0])


def _heading_at(words: list[tuple[str, int]], start: int, heading: tuple[str, ...]) -> bool:
    position = start
    for part in heading[1:]:
        row = words[position][1]
        if position + 1 < len(words) and words[position + 1][0] == part:
            position += 1
            continue
        later = (i for i in range(position + 1, min(len(words), position + 1 + HEADING_SPREAD)) if words[i][0] == part and words[i][1] > row)
        found = next(later, None)
        if found is None:
            return False
        position = found
    return True


def find_score_table(grids: list[Grid]) -> ScoreTable | None:
    """The first grid's score-table heading, if any grid has one."""
    return next((t for i, g in enumerate(grids) if (t := find_heading(g, i)) is not None), None)


def is_heading_fragment(cells: list[str]) -> bool:
    """A repeated heading row, or the lower half of a two-row heading, on a continuation page."""
    return len([c for c in cells if column_role(c) is not None]) >= 2


def _stack(upper: list[str], lower: list[str]) -> list[str] | None:
    """Headings of two stacked heading rows, column by column; None when they cannot be lined up.

    Readers give a heading spanning sub-columns ("Điểm" over "Tối đa | Tự chấm") as its first cell
    with the covered cells empty, so each empty upper cell above a run of filled lower cells takes
    the heading on its left. A lower row wider than the upper one (a table with unpadded spans)
    spreads each upper cell over one empty lower cell or one run of filled ones.
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
