"""The decision's content and layout (Nghị định 30/2020/NĐ-CP), one model that the DOCX and PDF writers both render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from core.errors import RankingError
from publishing.index import format_index
from schemas.framework import Block, Framework
from schemas.records import RankedUnit
from schemas.vietnamese import format_points

Align = Literal["left", "center", "justify"]

PAGE_MM = (210, 297)  # A4 portrait
MARGINS_MM = (20, 20, 30, 15)  # top, bottom, left, right (Nghị định 30, Phụ lục I)
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM[2] - MARGINS_MM[3]
HEADER_LEFT_MM = 62  # the agency's column of the header; the motto takes the rest
SIGNATURE_LEFT_MM = 80  # the recipients' column beside the signature
FIRST_LINE_INDENT_MM = 12.7
BODY_PT = 14
TABLE_PT = 13
BLANK_NUMBER = "      "  # the number is written in by the clerk (văn thư) when the decision is issued
# Reproducible files need fixed timestamps; without a signing date use the ZIP epoch, clearly "unknown".
UNDATED = datetime(1980, 1, 1, tzinfo=UTC)
_HEAD_TITLES = (  # the head of an agency, by the word its name starts with (longest first)
    ("tổng cục", "Tổng cục trưởng"),
    ("ủy ban nhân dân", "Chủ tịch"),
    ("cục", "Cục trưởng"),
    ("bộ", "Bộ trưởng"),
    ("sở", "Giám đốc"),
)
_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


@dataclass(frozen=True, slots=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph: runs of text, its size in points, alignment and spacing. No runs: an empty line."""

    runs: tuple[Run, ...] = ()
    size: float = BODY_PT
    align: Align = "center"
    indent: bool = False  # the first-line indent of body text
    space_after: float = 0
    page_break: bool = False

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True, slots=True)
class Rule:
    """A short centred line under a heading, as Nghị định 30 asks under the agency name, the motto and the subject."""

    length_mm: float


Element = Para | Rule


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    width_mm: float
    align: Align


@dataclass(frozen=True, slots=True)
class Appendix:
    """One appendix: its heading lines and the ranking table of one block."""

    heading: tuple[Para, ...]
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class DecisionContent:
    """Everything a decision shows, in reading order; the writers only choose fonts and draw it."""

    agency_head: tuple[Element, ...]  # header, left: parent agency, agency, number
    motto_head: tuple[Element, ...]  # header, right: national name, motto, place and date
    body: tuple[Element, ...]
    recipients: tuple[Para, ...]
    signature: tuple[Para, ...]
    appendices: tuple[Appendix, ...]
    title: str
    subject: str
    author: str
    stamp: datetime  # the signing date, or UNDATED: fixes the files' timestamps


def roman(number: int) -> str:
    """Roman numerals, as appendices are numbered: 1 → "I", 4 → "IV"."""
    if number < 1:
        raise ValueError(f"no Roman numeral for {number}")
    out = []
    for value, symbol in _ROMAN:
        count, number = divmod(number, value)
        out.append(symbol * count)
    return "".join(out)


def vietnamese_date(day: date | None) -> str:
    """ "ngày 30 tháng 12 năm 2020"; days below 10 and months 1 and 2 take a leading zero (Nghị định 30).

    Without a date the day, month and year are left blank for the hand-written date.
    """
    if day is None:
        return f"ngày{BLANK_NUMBER}tháng{BLANK_NUMBER}năm{BLANK_NUMBER}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def head_title(agency: str) -> str:
    """The title of the agency's head: "Tổng cục Hải quan" → "Tổng cục trưởng"."""
    lowered = agency.lower()
    for prefix, title in _HEAD_TITLES:
        if lowered.startswith(prefix + " "):
            return title
    return "Thủ trưởng"


def _symbol(framework: Framework) -> str:
    """The decision's symbol: "QĐ-TCHQ", taken from the framework's own decision or the agency's initials."""
    if framework.decision and "/" in framework.decision:
        return framework.decision.split("/", 1)[1]
    return "QĐ-" + "".join(word[0] for word in framework.agency.split()).upper()


def decision_number(framework: Framework, decision_no: str | None) -> str:
    """ "3751/QĐ-TCHQ" from "3751" or "3751/QĐ-TCHQ"; a blank number when there is none yet."""
    if decision_no and "/" in decision_no:
        return decision_no
    return f"{decision_no or BLANK_NUMBER}/{_symbol(framework)}"


def _line(
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = BODY_PT,
    align: Align = "center",
    indent: bool = False,
    space_after: float = 0,
    page_break: bool = False,
) -> Para:
    runs = (Run(text, bold, italic),) if text else ()
    return Para(runs, size, align, indent, space_after, page_break)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _subject(framework: Framework) -> str:
    return f"Về việc phê duyệt và công bố {framework.program_name} năm {framework.year} của các đơn vị thuộc và trực thuộc {framework.agency}"


def _appendix_names(count: int) -> str:
    return "Phụ lục kèm theo" if count == 1 else f"các Phụ lục {', '.join(roman(i) for i in range(1, count + 1))} kèm theo"


def _body(framework: Framework, appendices: int) -> tuple[Element, ...]:
    head = head_title(framework.agency)
    grounds = [f"Căn cứ chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của {framework.agency}"]
    if framework.decision:
        grounds.append(f"Căn cứ Quyết định số {framework.decision} ban hành Bộ {_lower_first(framework.program_name)}")
    grounds.append(f"Căn cứ kết quả tự đánh giá, chấm điểm của các đơn vị và kết quả thẩm định {framework.program_name} năm {framework.year}")
    body: list[Element] = [
        _line(),
        _line("QUYẾT ĐỊNH", bold=True),
        _line(_subject(framework), bold=True),
        Rule(50),
        _line(),
        _line(f"{head} {framework.agency}".upper(), bold=True, space_after=6),
    ]
    body += [_line(g + ";", italic=True, align="justify", indent=True, space_after=6) for g in grounds]
    body.append(_line(f"Theo đề nghị của Chánh Văn phòng {framework.agency}.", italic=True, align="justify", indent=True, space_after=6))
    body.append(_line("QUYẾT ĐỊNH:", bold=True, space_after=6))
    articles = (
        f"Phê duyệt và công bố {framework.program_name} năm {framework.year} của các đơn vị thuộc và "
        f"trực thuộc {framework.agency} (chi tiết tại {_appendix_names(appendices)} Quyết định này).",
        "Quyết định này có hiệu lực kể từ ngày ký.",
        f"Chánh Văn phòng {framework.agency}, Thủ trưởng các đơn vị thuộc và trực thuộc "
        f"{framework.agency} chịu trách nhiệm thi hành Quyết định này./.",
    )
    for number, text in enumerate(articles, start=1):
        body.append(Para((Run(f"Điều {number}. ", bold=True), Run(text)), align="justify", indent=True, space_after=6))
    return tuple(body)


def _recipients(framework: Framework) -> tuple[Para, ...]:
    lines = ["Như Điều 3;"]
    if framework.parent_agency:
        lines.append(f"{framework.parent_agency} (để báo cáo);")
    lines += [f"Lãnh đạo {framework.agency} (để chỉ đạo);", "Lưu: VT, VP."]
    heading = _line("Nơi nhận:", bold=True, italic=True, size=12, align="left")
    return (heading, *(_line(f"- {line}", size=11, align="left") for line in lines))


def _signature(framework: Framework, signer: str, on_behalf: bool) -> tuple[Para, ...]:
    head = head_title(framework.agency)
    if on_behalf:
        titles = [_line(f"KT. {head}".upper(), bold=True), _line(f"Phó {_lower_first(head)}".upper(), bold=True)]
    else:
        titles = [_line(head.upper(), bold=True)]
    room = [_line() for _ in range(4)]  # room for the signature and the seal
    return (*titles, *room, _line(signer, bold=True))


def ranking_columns(framework: Framework) -> tuple[Column, ...]:
    """The appendix table's columns: index and tier columns only where the framework has tiers."""
    if not framework.tiers:
        return (
            Column("STT", 15, "center"),
            Column("Đơn vị", TEXT_WIDTH_MM - 15 - 35 - 30, "left"),
            Column("Điểm", 35, "center"),
            Column("Xếp hạng", 30, "center"),
        )
    fixed = (14, 24, 22, 24, 22)
    return (
        Column("STT", fixed[0], "center"),
        Column("Đơn vị", TEXT_WIDTH_MM - sum(fixed), "left"),
        Column("Điểm", fixed[1], "center"),
        Column("Chỉ số (%)", fixed[2], "center"),
        Column("Xếp loại", fixed[3], "center"),
        Column("Xếp hạng", fixed[4], "center"),
    )


def ranking_cells(framework: Framework, number: int, line: RankedUnit) -> tuple[str, ...]:
    """One table row: points out of the unit's applicable maximum ("88,5/90"), then index and tier with tiers."""
    points = f"{format_points(line.points)}/{format_points(line.applicable_max)}"
    if not framework.tiers:
        return (str(number), line.unit_name, points, str(line.rank))
    return (str(number), line.unit_name, points, format_index(line.index), line.tier or "", str(line.rank))


def _appendix(framework: Framework, block: Block, lines: Sequence[RankedUnit], index: int, reference: str) -> Appendix:
    heading = (
        _line(f"Phụ lục {roman(index)}", bold=True, page_break=True),
        _line(f"KẾT QUẢ {framework.program_name.upper()} NĂM {framework.year}", bold=True),
        _line(f"KHỐI {block.name.upper()}", bold=True),
        _line(reference, italic=True, space_after=12),
    )
    rows = tuple(ranking_cells(framework, number, line) for number, line in enumerate(lines, start=1))
    return Appendix(heading, ranking_columns(framework), rows)


def decision_content(
    framework: Framework,
    ranking: Sequence[RankedUnit],
    *,
    decision_no: str | None = None,
    signed_on: date | None = None,
    signer: str = "",
    place: str = "Hà Nội",
    on_behalf: bool = True,
) -> DecisionContent:
    """The decision that publishes `ranking`, with one appendix per block that has units.

    `decision_no` may be "3751" or "3751/QĐ-TCHQ"; without it (and without `signed_on`) the number and
    date are left blank for the clerk, as on a draft. `on_behalf` signs "KT. <head>" as deputy. Raises
    RankingError for an empty ranking and ConfigurationError for a block the framework does not have.
    """
    if not ranking:
        raise RankingError("the ranking is empty: there is nothing to publish")
    by_block: dict[str, list[RankedUnit]] = {}
    for line in ranking:
        by_block.setdefault(line.block_id, []).append(line)
    for block_id in by_block:
        framework.block(block_id)  # raises ConfigurationError for a block the framework does not have
    blocks = [block for block in framework.blocks if block.id in by_block]

    number = decision_number(framework, decision_no)
    when = vietnamese_date(signed_on)
    reference = f"(Kèm theo Quyết định số {number} {when} của {head_title(framework.agency)} {framework.agency})"
    agency_head: list[Element] = []
    if framework.parent_agency:
        agency_head.append(_line(framework.parent_agency.upper(), size=13))
    agency_head += [_line(framework.agency.upper(), bold=True, size=13), Rule(22), _line(f"Số: {number}", size=13)]
    motto_head = (
        _line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=13),
        _line("Độc lập - Tự do - Hạnh phúc", bold=True),
        Rule(68),
        _line(f"{place}, {when}", italic=True),
    )
    return DecisionContent(
        agency_head=tuple(agency_head),
        motto_head=motto_head,
        body=_body(framework, len(blocks)),
        recipients=_recipients(framework),
        signature=_signature(framework, signer, on_behalf),
        appendices=tuple(_appendix(framework, block, by_block[block.id], index, reference) for index, block in enumerate(blocks, start=1)),
        title=f"Quyết định {_lower_first(_subject(framework))}",
        subject=f"{framework.program_name} năm {framework.year}",
        author=framework.agency,
        stamp=datetime.combine(signed_on, datetime.min.time(), UTC) if signed_on else UNDATED,
    )
