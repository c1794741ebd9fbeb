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


def package_for(framework: Framework, unit: Unit, position: int, total: Decimal) -> Package:
    """The package of the unit at `position` in the registry, scoring `total`: the same every time."""
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
    form = FormContent(
        framework=framework,
        block=block,
        unit=unit,
        scores=allocate(block, total, seed=f"{framework.program}-{year}-{unit.code}"),
        evidence=_citations(block, evidence, rng),
        document_number=f"{rng.randint(5, 40)}/BC-{symbol}",
        place=unit_place(unit),
        signed_on=date(year + 1, 1, rng.randint(6, 20)),
    )
    return Package(unit, form, form_fmt, f"tu-danh-gia-{unit.code}-{year}.{form_fmt}", evidence)


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


def generate_inbox(target: Path, *, program: str = "tchq", year: int = 2019) -> list[Path]:
    """Write one package folder per registry unit under `target`; return every file, form first per unit."""
    framework = framework_for(program, year)
    totals = sample_totals(program, year)
    paths: list[Path] = []
    for position, unit in enumerate(registry_for(program).units):
        package = package_for(framework, unit, position, totals[unit.code])
        folder = Path(target) / unit.code
        form_path = folder / package.form_filename
        received_on = package.form.signed_on + timedelta(days=2) if package.form.signed_on else None
        write_file(form_path, write_form(package.form, package.form_fmt), received_on)
        paths.append(form_path)
        for item in package.evidence:
            data = write_evidence(
                f"{item.kind} {item.subject}", item.number, item.signed_on, unit.name, unit_place(unit), item.body, item.fmt, agency=framework.agency
            )
            write_file(folder / item.filename, data, received_on)
            paths.append(folder / item.filename)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a sample inbox of self-assessment packages.")
    parser.add_argument("target", type=Path)
    parser.add_argument("--program", default="tchq")
    parser.add_argument("--year", type=int, default=2019)
    args = parser.parse_args(argv)
    paths = generate_inbox(args.target, program=args.program, year=args.year)
    print(f"wrote {len(paths)} files for {len({p.parent for p in paths})} units under {args.target}")
