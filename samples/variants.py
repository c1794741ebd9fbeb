"""Layout variants of the self-assessment form, as units really send it, each with the scores it states.

Columns in another order, other headings, a heading over two rows with merged cells, codes written
four ways, Roman group rows, four decimal styles, multi-page PDFs with and without the heading repeated,
an unruled table, content controls and nested tables in Word, PDFs from ReportLab and from LibreOffice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from reportlab.platypus import Flowable, Spacer

from forms.docx_form import table_document
from forms.form_content import FormContent
from forms.layout import TITLE, Header, Line, document_header, printed_scores
from forms.merged_table import Covered, MergedTable, Value, merged_pdf_table, row_widths
from forms.pdf_form import PAGE_WIDTH, header_flowable, one_line, paragraph, pdf_bytes
from samples.generate import unit_place, unit_symbol
from schemas.framework import Block, Criterion, Framework
from schemas.units import UnitRegistry
from schemas.vietnamese import format_points

Role = Literal["code", "name", "max", "self", "evidence", "note", "appraisal", "appraisal_note"]
Decimals = Literal["comma", "dot", "comma2", "points"]
Codes = Literal["plain", "dotted", "prefixed", "in-name"]

# The official form's columns (forms.layout.COLUMNS).
OFFICIAL_COLUMNS: tuple[tuple[Role, str], ...] = (
    ("code", "STT"),
    ("name", "Lĩnh vực/Tiêu chí"),
    ("max", "Điểm tối đa"),
    ("self", "Điểm tự đánh giá"),
    ("evidence", "Tài liệu kiểm chứng"),
    ("note", "Ghi chú"),
)
# Under a "Điểm" spanning the point columns of a two-row heading.
SUB_HEADINGS = {"max": "Tối đa", "self": "Tự chấm", "appraisal": "Thẩm định"}
WIDTHS = {"code": 1.4, "name": 6.0, "max": 1.5, "self": 1.7, "evidence": 4.0, "note": 1.8, "appraisal": 1.7, "appraisal_note": 2.6}
POINT_ROLES = ("max", "self", "appraisal")
# Roman groups over the fields: (numeral, title, field codes, whether the group row prints its subtotal).
GROUPS = (
    ("I", "CHỈ ĐẠO, ĐIỀU HÀNH VÀ THỂ CHẾ", ("1", "2"), True),
    ("II", "THỦ TỤC VÀ TỔ CHỨC BỘ MÁY", ("3", "4"), False),
    ("III", "CÔNG CHỨC, TÀI CHÍNH CÔNG VÀ HIỆN ĐẠI HÓA", ("5", "6", "7"), True),
)


@dataclass(frozen=True)
class VariantSpec:
    """How one variant lays the form out."""

    name: str
    fmt: Literal["docx", "pdf"]
    block: str = "cuc-hq-tinh"
    unit: str = "hq-da-nang"
    unit_line: str | None = None  # the unit as the header spells it; None: its registered name in capitals
    columns: tuple[tuple[Role, str], ...] = OFFICIAL_COLUMNS
    two_row_heading: bool = False
    decimals: Decimals = "comma"
    codes: Codes = "plain"
    roman_groups: bool = False
    parent_subtotals: bool = True
    not_applicable: Mapping[str, str] = field(default_factory=dict)  # criterion code → what its score cell says
    total_label: str = "Tổng cộng"
    merge_total: bool = False  # the total row's label spans the code and name columns
    repeat_heading: bool = True
    ruled: bool = True
    content_controls: bool = False  # DOCX: every score cell in a w:sdt
    nested_evidence: bool = False  # DOCX: the first leaf's evidence as a nested table
    producer: Literal["python", "libreoffice"] = "python"  # LibreOffice: the DOCX exported to PDF


@dataclass(frozen=True)
class ExpectedRow:
    code: str
    max_points: Decimal
    self_points: Decimal | None
    appraisal_points: Decimal | None = None
    not_applicable: bool = False


@dataclass(frozen=True)
class Variant:
    """A built variant: its bytes and what extraction must read from them."""

    spec: VariantSpec
    data: bytes
    unit_code: str
    year: int
    document_number: str
    document_date: date
    rows: tuple[ExpectedRow, ...]
    stated_total: Decimal


def points_text(value: Decimal, style: Decimals) -> str:
    """A score in one of the styles units write: "1,5", "1.5", "1,50", "1,5 điểm"."""
    if style == "dot":
        return format_points(value).replace(",", ".")
    if style == "comma2":
        return f"{value:.2f}".replace(".", ",")
    if style == "points":
        return f"{format_points(value)} điểm"
    return format_points(value)


def code_text(node: Criterion, style: Codes) -> str:
    if style == "dotted":
        return f"{node.code}."
    if style == "prefixed":
        return f"{('Lĩnh vực', 'Tiêu chí', 'Tiêu chí thành phần', 'Tiêu chí')[node.level - 1]} {node.code}"
    return node.code


def _scores(block: Block, step: Decimal, skipped: set[str]) -> dict[str, Decimal]:
    """Full marks, one step off every third leaf, zero on the fifth; leaves marked not applicable left out."""
    scores = {leaf.code: leaf.max_points - (step if i % 3 == 0 else 0) for i, leaf in enumerate(block.leaves())}
    scores[block.leaves()[4].code] = Decimal(0)
    return {code: value for code, value in scores.items() if code not in skipped}


def _appraised(block: Block, scores: dict[str, Decimal], step: Decimal) -> dict[str, Decimal]:
    """The appraisers take one more step off every fourth leaf they can."""
    return {code: value - (step if i % 4 == 1 and value >= step else 0) for i, (code, value) in enumerate(scores.items())}


def _evidence(block: Block, symbol: str) -> dict[str, str]:
    leaves = block.leaves()
    return {
        leaves[0].code: f"Kế hoạch số 03/KH-{symbol} ngày 05/01/2019",
        leaves[1].code: f"Báo cáo số 7/BC-{symbol}",
        leaves[6].code: f"Quyết định số 12/QĐ-{symbol} ngày 20/3/2019; Nghị quyết số 05-NQ/TU",
    }


@dataclass(frozen=True)
class _Form:
    """What the variant states, before it is laid out."""

    block: Block
    scores: dict[str, Decimal]  # printed self scores, parents included
    appraisal: dict[str, Decimal]
    evidence: dict[str, str]


def _sum_tree(block: Block, leaves: dict[str, Decimal], framework: Framework) -> dict[str, Decimal]:
    content = FormContent(framework=framework, block=block, scores=leaves)
    return printed_scores(content)


def _cells(spec: VariantSpec, form: _Form, node: Criterion) -> dict[str, str]:
    shown = spec.parent_subtotals or node.is_leaf
    self_text = spec.not_applicable.get(node.code) or (
        points_text(form.scores[node.code], spec.decimals) if shown and node.code in form.scores else ""
    )
    appraisal = form.appraisal.get(node.code)
    name = f"{node.code}. {node.name}" if spec.codes == "in-name" else node.name
    return {
        "code": code_text(node, spec.codes),
        "name": name,
        "max": points_text(node.max_points, spec.decimals),
        "self": self_text,
        "evidence": form.evidence.get(node.code, ""),
        "note": "Hoàn thành trước hạn" if node.code == form.block.leaves()[2].code else "",
        "appraisal": points_text(appraisal, spec.decimals) if appraisal is not None and shown else "",
        "appraisal_note": "Thiếu tài liệu kiểm chứng"
        if appraisal is not None and node.code in form.scores and appraisal < form.scores[node.code]
        else "",
    }


def _heading(spec: VariantSpec) -> list[list[Value]]:
    """One heading row, or two: "Điểm" spanning the point columns over their sub-headings, the others merged down."""
    roles = [role for role, _ in spec.columns]
    if not spec.two_row_heading:
        return [[title for _, title in spec.columns]]
    top: list[Value] = []
    lower: list[Value] = []
    for i, (role, title) in enumerate(spec.columns):
        if role in SUB_HEADINGS:
            top.append(Covered.LEFT if i and roles[i - 1] in SUB_HEADINGS else "Điểm")
            lower.append(SUB_HEADINGS[role])
        else:
            top.append(title)
            lower.append(Covered.ABOVE)
    return [top, lower]


def _group_row(spec: VariantSpec, form: _Form, numeral: str, title: str, fields: tuple[str, ...], subtotal: bool) -> dict[str, str]:
    """A Roman group row over its fields: its maximum, and its subtotal when the form prints one."""
    nodes = [_node(form.block, code) for code in fields]
    row: dict[str, str] = {role: "" for role, _ in spec.columns}
    row["max"] = points_text(sum((n.max_points for n in nodes), Decimal(0)), spec.decimals)
    if subtotal:
        row["self"] = points_text(sum((form.scores[n.code] for n in nodes), Decimal(0)), spec.decimals)
    if "code" in row:
        row["code"], row["name"] = numeral, title
    else:
        row["name"] = f"{numeral}. {title}"
    return row


def _total_row(spec: VariantSpec, form: _Form) -> list[Value]:
    roles = [role for role, _ in spec.columns]
    total = {role: "" for role in roles}
    total["name"] = spec.total_label
    total["max"] = points_text(form.block.max_points, spec.decimals)
    total["self"] = points_text(sum((form.scores[f.code] for f in form.block.criteria), Decimal(0)), spec.decimals)
    row: list[Value] = [total[role] for role in roles]
    if spec.merge_total and roles[:2] == ["code", "name"]:
        row[:2] = [spec.total_label, Covered.LEFT]
    return row


def _table(spec: VariantSpec, form: _Form) -> MergedTable:
    """The score table: heading, Roman groups if any, one row per criterion, the total row."""
    roles = [role for role, _ in spec.columns]
    heading = _heading(spec)
    rows: list[list[Value]] = list(heading)
    criteria: dict[str, int] = {}  # criterion code → its row
    bold: set[int] = set()
    groups = {fields[0]: (numeral, title, fields, subtotal) for numeral, title, fields, subtotal in GROUPS} if spec.roman_groups else {}
    for node in form.block.walk():
        if node.code in groups:
            bold.add(len(rows))
            group = _group_row(spec, form, *groups[node.code])
            rows.append([group[role] for role in roles])
        if node.level == 1:
            bold.add(len(rows))
        criteria[node.code] = len(rows)
        cells = _cells(spec, form, node)
        rows.append([cells[role] for role in roles])
    bold.add(len(rows))
    rows.append(_total_row(spec, form))
    controls = frozenset((r, roles.index("self")) for r in criteria.values()) if spec.content_controls else frozenset()
    nested: dict[tuple[int, int], tuple[tuple[str, ...], ...]] = {}
    if spec.nested_evidence and "evidence" in roles:
        # The first leaf's evidence as a small table in its cell: "Kế hoạch số ..." above "05/01/2019".
        r, c = criteria[form.block.leaves()[0].code], roles.index("evidence")
        nested[(r, c)] = tuple((part.strip(),) for part in str(rows[r][c]).split(" ngày "))
        rows[r][c] = "Xem bảng:"
    prefixed = spec.codes == "prefixed"  # "Tiêu chí thành phần 1.1.1" wraps, in a wider column
    widths = row_widths([WIDTHS[role] + (1.0 if role == "code" and prefixed else 0) for role in roles], 17.0)
    return MergedTable(
        rows=tuple(tuple(row) for row in rows),
        widths_cm=widths,
        heading_rows=len(heading),
        repeat_heading=spec.repeat_heading,
        ruled=spec.ruled,
        bold_rows=frozenset(bold),
        plain_columns=frozenset(i for i, role in enumerate(roles) if role in POINT_ROLES or (role == "code" and not prefixed)),
        content_controls=controls,
        nested=nested,
    )


def build_variant(spec: VariantSpec, framework: Framework, registry: UnitRegistry) -> Variant:
    """The variant's file and the facts extraction must read from it."""
    from extractors.legacy import libreoffice_convert  # only the LibreOffice variants need it

    unit = registry.get(spec.unit)
    block = framework.block(spec.block)
    symbol = unit_symbol(unit)
    leaves = _scores(block, framework.step, set(spec.not_applicable))
    scores = _sum_tree(block, leaves, framework)
    has_appraisal = any(role == "appraisal" for role, _ in spec.columns)
    appraisal = _sum_tree(block, _appraised(block, leaves, framework.step), framework) if has_appraisal else {}
    form = _Form(block=block, scores=scores, appraisal=appraisal, evidence=_evidence(block, symbol))
    number, signed_on, place = f"15/BC-{symbol}", date(2020, 1, 10), unit_place(unit)
    header = document_header(framework.agency, spec.unit_line or unit.name, f"Số: {number}", place, signed_on)
    title = TITLE.format(year=framework.year)
    table = _table(spec, form)
    if spec.fmt == "docx" or spec.producer == "libreoffice":
        data = table_document(header, title, Line(f"Khối: {block.name}", "bold"), table, stamp=_STAMP)
        if spec.fmt == "pdf":
            data = libreoffice_convert(data, "docx", "pdf", 120.0, what=f"variant {spec.name}")
    else:
        data = _pdf(header, title, block, table)
    rows = tuple(
        ExpectedRow(
            code=node.code,
            max_points=node.max_points,
            self_points=scores.get(node.code) if (spec.parent_subtotals or node.is_leaf) else None,
            appraisal_points=appraisal.get(node.code) if (spec.parent_subtotals or node.is_leaf) else None,
            not_applicable=any(ch.isalpha() for ch in spec.not_applicable.get(node.code, "")),
        )
        for node in block.walk()
    )
    total = sum((scores[f.code] for f in block.criteria), Decimal(0))
    return Variant(spec, data, unit.code, framework.year, number, signed_on, rows, total)


def _pdf(header: Header, title: str, block: Block, table: MergedTable) -> bytes:
    story: list[Flowable] = [
        header_flowable(header),
        Spacer(1, 14),
        one_line(Line(title, "bold"), 13, PAGE_WIDTH),
        paragraph(Line(f"Khối: {block.name}", "bold"), 11),
        Spacer(1, 10),
        merged_pdf_table(table),
        Spacer(1, 14),
        paragraph(Line("THỦ TRƯỞNG ĐƠN VỊ", "bold"), 10.5),
    ]
    return pdf_bytes(story, title=title, author="parindex")


_STAMP = datetime(2020, 1, 10, 8, 0)


def _node(block: Block, code: str) -> Criterion:
    node = block.criterion(code)
    if node is None:
        raise KeyError(f"block {block.id} has no criterion {code}")
    return node


def _columns(*pairs: tuple[Role, str]) -> tuple[tuple[Role, str], ...]:
    return pairs


# --- the variants the tests build ------------------------------------------------------------------

VARIANTS: tuple[VariantSpec, ...] = (
    VariantSpec(
        "docx-columns-reordered",
        "docx",
        unit="hq-khanh-hoa",
        unit_line="CỤC HẢI QUAN TỈNH KHÁNH HOÀ",
        columns=_columns(
            ("self", "Điểm tự chấm"),
            ("code", "TT"),
            ("note", "Ghi chú"),
            ("max", "Thang điểm"),
            ("evidence", "Tài liệu chứng minh"),
            ("name", "Nội dung"),
        ),
        decimals="dot",
        total_label="Tổng điểm",
    ),
    VariantSpec(
        "pdf-columns-reordered",
        "pdf",
        block="cuc-truc-thuoc",
        unit="cuc-kiem-tra-sau-thong-quan",
        columns=_columns(
            ("code", "Mã tiêu chí"), ("name", "Tiêu chí"), ("evidence", "Tài liệu kiểm chứng"), ("max", "Điểm chuẩn"), ("self", "Điểm TĐG")
        ),
        decimals="comma2",
    ),
    VariantSpec(
        "docx-two-row-heading-merged",
        "docx",
        unit="hq-gia-lai-kon-tum",
        unit_line="CỤC HẢI QUAN TỈNH GIA LAI - KOM TUM",
        two_row_heading=True,
        merge_total=True,
        codes="dotted",
        decimals="points",
        content_controls=True,
        nested_evidence=True,
    ),
    VariantSpec(
        "pdf-two-row-heading",
        "pdf",
        block="vu-chuc-nang",
        unit="vu-phap-che",
        two_row_heading=True,
        merge_total=True,
        codes="prefixed",
        columns=_columns(
            ("code", "STT"), ("name", "Tiêu chí"), ("max", "Điểm tối đa"), ("self", "Tự chấm điểm"), ("evidence", "Tài liệu kiểm chứng")
        ),
    ),
    VariantSpec(
        "pdf-multipage-repeated-heading", "pdf", unit="hq-quang-ninh", not_applicable={"2.2.2": "Không áp dụng", "4.1.1": "-", "6.1.1": "KAD"}
    ),
    VariantSpec("pdf-multipage-no-repeated-heading", "pdf", unit="hq-ha-noi", repeat_heading=False, decimals="dot"),
    VariantSpec("pdf-roman-groups", "pdf", unit="hq-can-tho", roman_groups=True, parent_subtotals=False),
    VariantSpec(
        "docx-roman-groups-code-in-name",
        "docx",
        block="cuc-truc-thuoc",
        unit="cuc-giam-sat-quan-ly",
        roman_groups=True,
        codes="in-name",
        columns=_columns(("name", "Nội dung tiêu chí"), ("max", "Điểm tối đa"), ("self", "Điểm tự đánh giá"), ("evidence", "Tài liệu kiểm chứng")),
    ),
    VariantSpec(
        "pdf-unruled",
        "pdf",
        block="vu-chuc-nang",
        unit="van-phong",
        ruled=False,
        columns=_columns(("code", "STT"), ("name", "Tiêu chí"), ("max", "Điểm tối đa"), ("self", "Điểm tự chấm")),
    ),
    VariantSpec(
        "pdf-unruled-multipage",
        "pdf",
        unit="hq-hai-phong",
        ruled=False,
        columns=_columns(
            ("code", "STT"), ("name", "Tiêu chí"), ("max", "Điểm tối đa"), ("self", "Điểm tự chấm"), ("evidence", "Tài liệu kiểm chứng")
        ),
    ),
    VariantSpec(
        "pdf-unruled-multipage-no-repeated-heading",
        "pdf",
        unit="hq-long-an",
        ruled=False,
        repeat_heading=False,
        decimals="points",
        columns=_columns(("code", "STT"), ("name", "Tiêu chí"), ("max", "Điểm tối đa"), ("self", "Điểm tự chấm")),
    ),
    VariantSpec(
        "docx-appraisal-sheet",
        "docx",
        block="vu-chuc-nang",
        unit="vu-to-chuc-can-bo",
        columns=_columns(
            ("code", "STT"),
            ("name", "Lĩnh vực/Tiêu chí"),
            ("max", "Điểm tối đa"),
            ("self", "Điểm tự đánh giá"),
            ("appraisal", "Điểm thẩm định"),
            ("appraisal_note", "Ý kiến thẩm định"),
            ("note", "Ghi chú"),
        ),
    ),
    VariantSpec(
        "pdf-appraisal-two-row-heading",
        "pdf",
        block="cuc-truc-thuoc",
        unit="cuc-thue-xnk",
        two_row_heading=True,
        columns=_columns(
            ("code", "STT"),
            ("name", "Tiêu chí"),
            ("max", "Điểm tối đa"),
            ("self", "Điểm tự chấm"),
            ("appraisal", "Điểm thẩm định"),
            ("appraisal_note", "Ý kiến thẩm định"),
        ),
    ),
    VariantSpec("pdf-libreoffice-export", "pdf", unit="hq-dong-nai", producer="libreoffice", decimals="comma2"),
    VariantSpec(
        "pdf-libreoffice-two-row-heading",
        "pdf",
        block="vu-chuc-nang",
        unit="van-phong",
        producer="libreoffice",
        two_row_heading=True,
        merge_total=True,
        codes="dotted",
    ),
)
