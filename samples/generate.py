"""A sample inbox: one package folder per unit with its filled self-assessment form and evidence files."""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from core.atomic_files import write_atomically
from forms import Format, FormContent, write_evidence, write_form
from samples.scans import scan_form
from samples.scores import allocate, sample_totals
from schemas.framework import Block, Framework, framework_for
from schemas.units import Unit, registry_for
from schemas.vietnamese import fold, numeric_date

# Document symbols (ký hiệu) units really use where initials would collide or read oddly.
SYMBOLS = {
    "hq-da-nang": "HQĐNg",
    "hq-dong-nai": "HQĐNa",
    "hq-quang-nam": "HQQNam",
    "hq-quang-ninh": "HQQNinh",
    "hq-quang-ngai": "HQQNg",
    "hq-ho-chi-minh": "HQHCM",
    "cuc-giam-sat-quan-ly": "GSQL",
    "cuc-thue-xnk": "TXNK",
    "cuc-kiem-tra-sau-thong-quan": "KTSTQ",
    "cuc-dieu-tra-chong-buon-lau": "ĐTCBL",
    "cuc-cntt-thong-ke": "CNTT",
    "cuc-quan-ly-rui-ro": "QLRR",
    "cuc-kiem-dinh-hai-quan": "KĐHQ",
    "cuc-tai-vu-quan-tri": "TVQT",
    "van-phong": "VP",
    "vu-phap-che": "PC",
    "vu-hop-tac-quoc-te": "HTQT",
    "vu-to-chuc-can-bo": "TCCB",
    "vu-thanh-tra-kiem-tra": "TTKT",
    "ban-cai-cach-hien-dai-hoa": "CCHĐH",
}
# Where a provincial department signs when its seat is not named like the department.
PLACES = {"hq-gia-lai-kon-tum": "Gia Lai", "hq-ha-nam-ninh": "Nam Định"}
HEADQUARTERS = "Hà Nội"


def _initials(text: str) -> str:
    letters = []
    for word in text.split():
        first = word[0]
        if first.isalpha():
            letters.append("Đ" if first in "Đđ" else fold(first).upper())
    return "".join(letters)


def unit_symbol(unit: Unit) -> str:
    """The symbol after the document kind in a unit's numbers: "HQĐNg" in "15/KH-HQĐNg"."""
    if unit.code in SYMBOLS:
        return SYMBOLS[unit.code]
    if fold(unit.name).startswith("cuc hai quan"):
        return "HQ" + _initials(unit.short_name)
    return _initials(unit.name.split(" ", 1)[-1])


def unit_place(unit: Unit) -> str:
    """The place a unit writes before the date: its province or city, Hà Nội for the central departments."""
    if unit.code in PLACES:
        return PLACES[unit.code]
    return unit.short_name if fold(unit.name).startswith("cuc hai quan") else HEADQUARTERS


@dataclass(frozen=True)
class Evidence:
    """One evidence document of a package."""

    kind: str  # "Kế hoạch"
    subject: str  # "cải cách hành chính năm 2019"
    number: str  # "15/KH-HQĐNg"
    signed_on: date
    fmt: Format
    filename: str
    body: str
    scan_dpi: int = 0  # printed, signed and scanned at this resolution (a PDF of images); 0: sent as written

    @property
    def citation(self) -> str:
        """How the form cites it: "Kế hoạch số 15/KH-HQĐNg ngày 10/01/2019"."""
        return f"{self.kind} số {self.number} ngày {numeric_date(self.signed_on)}"


@dataclass(frozen=True)
class Package:
    """What one unit sends: its form (content and format) and its evidence documents."""

    unit: Unit
    form: FormContent
    form_fmt: Format
    form_filename: str
    evidence: tuple[Evidence, ...]


def _plan(unit: Unit, framework: Framework, year: int, symbol: str, rng: random.Random, fmt: Format) -> Evidence:
    body = (
        f"Thực hiện Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2011 - 2020 và Kế hoạch cải "
        f"cách hành chính năm {year} của {framework.agency}, {unit.name} ban hành Kế hoạch cải cách hành chính "
        f"năm {year} với các nội dung sau đây.\n\n"
        "Mục tiêu: hoàn thành đúng thời hạn các nhiệm vụ cải cách hành chính được giao; đẩy mạnh cải cách thủ tục "
        "hành chính, hiện đại hóa hành chính, thực hiện thủ tục hải quan điện tử và Cơ chế một cửa quốc gia; nâng "
        "cao chất lượng đội ngũ công chức và mức độ hài lòng của người dân, doanh nghiệp."
    )
    return Evidence(
        "Kế hoạch",
        f"cải cách hành chính năm {year}",
        f"{rng.randint(3, 60)}/KH-{symbol}",
        date(year, 1, rng.randint(3, 25)),
        fmt,
        f"ke-hoach-cchc-{year}.{fmt}",
        body,
    )


def _report(unit: Unit, year: int, symbol: str, rng: random.Random, fmt: Format, plan: Evidence) -> Evidence:
    body = (
        f"Thực hiện {plan.citation} về cải cách hành chính năm {year}, {unit.name} báo cáo kết quả thực hiện "
        f"công tác cải cách hành chính năm {year} như sau.\n\n"
        f"Đơn vị đã hoàn thành các nhiệm vụ đề ra trong kế hoạch; tỷ lệ hồ sơ thủ tục hành chính được giải quyết "
        f"đúng hạn đạt {rng.randint(97, 100)}%; không có phản ánh, kiến nghị quá hạn xử lý; hệ thống quản lý chất "
        "lượng theo tiêu chuẩn TCVN ISO 9001 được duy trì và cải tiến."
    )
    return Evidence(
        "Báo cáo",
        f"kết quả cải cách hành chính năm {year}",
        f"{rng.randint(180, 420)}/BC-{symbol}",
        date(year, 12, rng.randint(10, 26)),
        fmt,
        f"bao-cao-cchc-{year}.{fmt}",
        body,
    )


# What else a package holds (a real one: 20 to 40 files): kind, its symbol, its subject.
_MORE_KINDS = (
    ("Quyết định", "QĐ", "ban hành Quy chế làm việc"),
    ("Quyết định", "QĐ", "kiện toàn Ban chỉ đạo cải cách hành chính"),
    ("Kế hoạch", "KH", "kiểm tra công tác cải cách hành chính"),
    ("Kế hoạch", "KH", "tuyên truyền cải cách hành chính"),
    ("Báo cáo", "BC", "kết quả rà soát thủ tục hành chính"),
    ("Báo cáo", "BC", "kết quả kiểm soát thủ tục hành chính quý"),
    ("Thông báo", "TB", "kết luận giao ban công tác cải cách hành chính"),
    ("Biên bản", "BB", "kiểm tra việc thực hiện Cơ chế một cửa"),
    ("Chương trình", "CTr", "công tác năm"),
    ("Hướng dẫn", "HD", "thực hiện thủ tục hải quan điện tử"),
)
_PARAGRAPHS = (
    "Đơn vị đã tổ chức quán triệt, triển khai đầy đủ các văn bản chỉ đạo của cấp trên về cải cách hành chính; "
    "phân công nhiệm vụ cụ thể cho từng bộ phận, gắn trách nhiệm của người đứng đầu với kết quả thực hiện.",
    "Kết quả giải quyết thủ tục hành chính được công khai trên Cổng thông tin điện tử; tỷ lệ hồ sơ giải quyết "
    "đúng hạn được theo dõi hằng tháng và báo cáo tại cuộc họp giao ban của đơn vị.",
    "Công tác kiểm tra được thực hiện theo kế hoạch; các tồn tại, hạn chế được chỉ ra kịp thời và các bộ phận "
    "đã khắc phục trong thời hạn quy định, không có đơn thư khiếu nại liên quan đến thủ tục hành chính.",
)
PARAGRAPHS_PER_PAGE = 3  # of _PARAGRAPHS, on an A4 page of the generated documents
SCAN_SHARE = 1 / 3  # of the evidence: printed, signed and scanned


def _more_evidence(unit: Unit, year: int, symbol: str, count: int) -> tuple[Evidence, ...]:
    """`count` evidence documents besides the plan and the report: 1 to 40 pages (most short), a third
    scanned at 200 or 300 dpi, the rest Word and PDF files as written. The same every time."""
    rng = random.Random(f"more-{year}-{unit.code}")
    documents = []
    for index in range(count):
        kind, code, subject = _MORE_KINDS[rng.randrange(len(_MORE_KINDS))]
        pages = rng.choices((rng.randint(1, 3), rng.randint(4, 12), rng.randint(13, 40)), weights=(6, 3, 1))[0]
        body = "\n\n".join(_PARAGRAPHS[i % len(_PARAGRAPHS)] for i in range(pages * PARAGRAPHS_PER_PAGE))
        scanned = rng.random() < SCAN_SHARE
        fmt: Format = "pdf" if scanned or rng.random() < 0.5 else "docx"
        number = f"{index * 7 + rng.randint(1, 6)}/{code}-{symbol}"  # distinct within the unit: index * 7 + 1..6
        signed_on = date(year, rng.randint(1, 12), rng.randint(1, 28))
        filename = f"{index + 3:02d}-{fold(kind).replace(' ', '-')}-{index * 7 + 1}.{fmt}"
        documents.append(Evidence(kind, subject, number, signed_on, fmt, filename, body, scan_dpi=rng.choice((200, 300)) if scanned else 0))
    return tuple(documents)


def _citations(block: Block, evidence: tuple[Evidence, ...], rng: random.Random) -> dict[str, str]:
    """The evidence each leaf cites: the plan for planning criteria, the report for reporting ones, else either."""
    plan, report = evidence[0], (evidence[1] if len(evidence) > 1 else None)
    cited: dict[str, str] = {}
    for leaf in block.leaves():
        name = fold(leaf.name)
        draw = rng.random()
        if report is None:
            chosen = [plan]
        elif "ke hoach" in name:
            chosen = [plan, report] if draw < 0.3 else [plan]
        elif "bao cao" in name:
            chosen = [report]
        else:
            chosen = [plan] if draw < 0.5 else [report] if draw < 0.8 else [plan, report]
        cited[leaf.code] = "; ".join(e.citation for e in chosen)
    return cited


def package_for(framework: Framework, unit: Unit, position: int, total: Decimal, evidence_files: int = 0) -> Package:
    """The package of the unit at `position` in the registry, scoring `total`: the same every time.

    With `evidence_files` above 2, the package holds that many evidence files, as a real one does (20 to 40),
    each cited by one criterion at least; by default a plan and a report (or the plan alone).
    """
    year = framework.year
    block = framework.block(unit.block)
    rng = random.Random(f"{framework.program}-{year}-{unit.code}")
    symbol = unit_symbol(unit)
    form_fmt: Format = "docx" if position % 2 == 0 else "pdf"
    plan_fmt: Format = "pdf" if (position // 2) % 2 == 0 else "docx"
    report_fmt: Format = "docx" if plan_fmt == "pdf" else "pdf"
    plan = _plan(unit, framework, year, symbol, rng, plan_fmt)
    # Every fourth unit sends its plan only, so packages with a single evidence file exist too.
    evidence = (plan,) if position % 4 == 3 else (plan, _report(unit, year, symbol, rng, report_fmt, plan))
    more = _more_evidence(unit, year, symbol, evidence_files - len(evidence)) if evidence_files > 2 else ()
    cited = _citations(block, evidence, rng)
    for index, leaf in enumerate(block.leaves()):
        # the further documents dealt out over the leaves: each is cited once at least
        extra = [more[i].citation for i in range(index % len(more), len(more), len(block.leaves()))] if more else []
        cited[leaf.code] = "; ".join([cited[leaf.code], *extra])
    form = FormContent(
        framework=framework,
        block=block,
        unit=unit,
        scores=allocate(block, total, seed=f"{framework.program}-{year}-{unit.code}"),
        evidence=cited,
        document_number=f"{rng.randint(5, 40)}/BC-{symbol}",
        place=unit_place(unit),
        signed_on=date(year + 1, 1, rng.randint(6, 20)),
    )
    return Package(unit, form, form_fmt, f"tu-danh-gia-{unit.code}-{year}.{form_fmt}", evidence + more)


def write_file(path: Path, data: bytes, received_on: date | None = None) -> bool:
    """Write `data` atomically; leave an identical file untouched. True if written.

    `received_on` sets the file's modification time, which the pipeline takes as the time the Office
    received it (so the sample forms arrive before the deadline, as the real ones did).
    """
    if path.exists() and path.read_bytes() == data:
        return False
    stamp = datetime(received_on.year, received_on.month, received_on.day, 9, 0, tzinfo=UTC).timestamp() if received_on else None
    write_atomically(path, data, mtime=stamp)
    return True


def evidence_bytes(item: Evidence, unit: Unit, agency: str) -> bytes:
    """The file of one evidence document of `unit`: as written, or printed, signed and scanned."""
    data = write_evidence(f"{item.kind} {item.subject}", item.number, item.signed_on, unit.name, unit_place(unit), item.body, item.fmt, agency=agency)
    return scan_form(data, dpi=item.scan_dpi, angle=0.4, seed=len(item.number)) if item.scan_dpi else data


def generate_inbox(target: Path, *, program: str = "tchq", year: int = 2019, evidence_files: int = 0, units: int | None = None) -> list[Path]:
    """Write one package folder per registry unit under `target` (the first `units` only, if given); return
    every file, form first per unit.

    `evidence_files` above 2 gives each package that many evidence files (package_for): a realistic year.
    """
    framework = framework_for(program, year)
    totals = sample_totals(program, year)
    paths: list[Path] = []
    for position, unit in enumerate(registry_for(program).units[:units]):
        package = package_for(framework, unit, position, totals[unit.code], evidence_files)
        folder = Path(target) / unit.code
        form_path = folder / package.form_filename
        received_on = package.form.signed_on + timedelta(days=2) if package.form.signed_on else None
        write_file(form_path, write_form(package.form, package.form_fmt), received_on)
        paths.append(form_path)
        for item in package.evidence:
            target_path = folder / item.filename
            if target_path.exists() and item.scan_dpi:  # a scan costs seconds to make; its bytes never change
                paths.append(target_path)
                continue
            write_file(target_path, evidence_bytes(item, unit, framework.agency), received_on)
            paths.append(target_path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a sample inbox of self-assessment packages.")
    parser.add_argument("target", type=Path)
    parser.add_argument("--program", default="tchq")
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--evidence-files", type=int, default=0, help="evidence files per package (a real one: 20 to 40; default: 1 or 2)")
    args = parser.parse_args(argv)
    paths = generate_inbox(args.target, program=args.program, year=args.year, evidence_files=args.evidence_files)
    print(f"wrote {len(paths)} files for {len({p.parent for p in paths})} units under {args.target}")
