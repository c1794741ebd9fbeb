"""A self-assessment form typed by hand in Word's own way (plain python-docx, not parindex's writer)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import docx

from schemas.framework import Criterion, framework_for
from schemas.vietnamese import format_points


def write_handmade_form(path: Path, *, unit: str, deduct: Decimal = Decimal(0), block_id: str = "cuc-hq-tinh") -> Path:
    """Full marks on every leaf but the first, which loses `deduct`; header as paragraphs, not a table."""
    block = framework_for("tchq", 2019).block(block_id)
    first_leaf = block.leaves()[0].code
    document = docx.Document()
    for line in (
        "TỔNG CỤC HẢI QUAN",
        unit,
        "Số: 07/BC-HQAG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "An Giang, ngày 08 tháng 01 năm 2020",
    ):
        document.add_paragraph(line)
    document.add_paragraph("BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2019")
    table = document.add_table(rows=1, cols=6)
    for cell, title in zip(
        table.rows[0].cells, ("STT", "Lĩnh vực/Tiêu chí", "Điểm tối đa", "Điểm tự đánh giá", "Tài liệu kiểm chứng", "Ghi chú"), strict=True
    ):
        cell.text = title

    def score(node: Criterion) -> Decimal:
        if node.children:
            return sum((score(c) for c in node.children), Decimal(0))
        return node.max_points - (deduct if node.code == first_leaf else 0)

    for node in block.walk():
        cells = table.add_row().cells
        cells[0].text, cells[1].text = node.code, node.name
        cells[2].text, cells[3].text = format_points(node.max_points), format_points(score(node))
        cells[4].text = "Kế hoạch số 03/KH-HQAG ngày 05/01/2019" if node.is_leaf else ""
    total = table.add_row().cells
    total[1].text, total[2].text = "Tổng cộng", format_points(block.max_points)
    total[3].text = format_points(sum((score(f) for f in block.criteria), Decimal(0)))
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
