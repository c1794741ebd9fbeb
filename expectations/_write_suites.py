"""Regenerate the expectation suites (expectations/<table>.json) from code: `python -m expectations._write_suites`.

The JSON files, committed in git, are what validation loads; this script only keeps them easy to review
and rewrite. Every expectation's meta carries the finding it raises: a stable rule id, its severity (from
expectations/rules.py) and a Vietnamese message template whose fields expectations/findings.py fills.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from expectations.rules import RULES
from schemas.records import Severity, TextLayer

SUITES_DIR = Path(__file__).parent
_GX_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "warning"}


def _meta(rule: str, message: str) -> dict[str, Any]:
    severity = RULES[rule].severity  # the catalogue decides; the JSON only repeats it for GX and readers
    return {"meta": {"rule": rule, "severity": severity.value, "message": message}, "severity": _GX_SEVERITY[severity]}


def build_suites() -> dict[str, dict[str, Any]]:
    """Every suite as GX writes it (``suite.to_json_dict()``), keyed by the table it validates."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx

    # Each expectation from the module that defines it: great_expectations.expectations re-exports them
    # only implicitly, which mypy refuses under no_implicit_reexport (part of strict).
    from great_expectations.expectations.core.expect_column_pair_values_a_to_be_greater_than_b import (
        ExpectColumnPairValuesAToBeGreaterThanB,
    )
    from great_expectations.expectations.core.expect_column_pair_values_to_be_equal import ExpectColumnPairValuesToBeEqual
    from great_expectations.expectations.core.expect_column_values_to_be_between import ExpectColumnValuesToBeBetween
    from great_expectations.expectations.core.expect_column_values_to_be_in_set import ExpectColumnValuesToBeInSet
    from great_expectations.expectations.core.expect_column_values_to_not_be_null import ExpectColumnValuesToNotBeNull
    from great_expectations.expectations.core.expect_compound_columns_to_be_unique import ExpectCompoundColumnsToBeUnique
    from great_expectations.expectations.row_conditions import Column

    gx.get_context(mode="ephemeral")  # a suite only accepts expectations while some context is active
    # These build GX conditions, not Python comparisons (hence the == True / == False).
    leaf = Column("is_leaf") == True  # noqa: E712
    not_marked = Column("not_applicable") == False  # noqa: E712

    score_rows = gx.ExpectationSuite(
        name="score_rows",
        meta={
            "notes": "One row per score row of a form whose block is known (frames.score_rows_frame). "
            "Parameter min_confidence: the lowest OCR confidence accepted."
        },
    )
    score_rows.add_expectation(
        ExpectColumnValuesToBeInSet(
            column="is_known_criterion",
            value_set=[True],
            **_meta("criterion.unknown", "Mã tiêu chí {code} không có trong bộ tiêu chí của khối {block_name}."),
        )
    )
    score_rows.add_expectation(
        ExpectColumnValuesToNotBeNull(
            column="self_points",
            row_condition=leaf & not_marked & (Column("has_self_text") == False),  # noqa: E712
            **_meta("score.missing", "Tiêu chí {code}: chưa có điểm tự đánh giá."),
        )
    )
    score_rows.add_expectation(
        ExpectColumnValuesToNotBeNull(
            column="self_points",
            row_condition=leaf & not_marked & (Column("has_self_text") == True),  # noqa: E712
            **_meta("score.missing", "Tiêu chí {code}: không đọc được điểm tự đánh giá \u201c{raw}\u201d."),
        )
    )
    score_rows.add_expectation(
        ExpectColumnValuesToBeInSet(
            column="na_allowed",
            value_set=[True],
            row_condition=Column("not_applicable") == True,  # noqa: E712
            **_meta(
                "criterion.not_applicable",
                "Tiêu chí {code} ({name}) ghi \u201cKhông áp dụng\u201d, nhưng bộ tiêu chí không cho phép bỏ qua tiêu chí này.",
            ),
        )
    )
    score_rows.add_expectation(
        ExpectColumnValuesToBeBetween(
            column="self_points",
            min_value=0,
            row_condition=leaf,
            **_meta("score.range", "Tiêu chí {code}: điểm tự đánh giá {self} nhỏ hơn 0."),
        )
    )
    score_rows.add_expectation(
        ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="max_points",
            column_B="self_points",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            **_meta("score.range", "Tiêu chí {code}: điểm tự đánh giá {self} vượt điểm tối đa {max}."),
        )
    )
    score_rows.add_expectation(
        ExpectColumnValuesToBeBetween(
            column="step_remainder",
            min_value=0,
            max_value=0,
            **_meta("score.step", "Tiêu chí {code}: điểm {self} không đúng bước chấm {step}."),
        )
    )
    score_rows.add_expectation(
        ExpectColumnPairValuesToBeEqual(
            column_A="printed_max",
            column_B="criterion_max",
            ignore_row_if="either_value_is_missing",
            **_meta(
                "max.outdated",
                "Tiêu chí {code}: điểm tối đa in trên biểu mẫu là {printed_max}, theo bộ tiêu chí năm {year} là {max}.",
            ),
        )
    )
    score_rows.add_expectation(
        ExpectColumnPairValuesToBeEqual(
            column_A="self_points",
            column_B="children_sum",
            ignore_row_if="either_value_is_missing",
            **_meta("subtotal.mismatch", "Tiêu chí {code}: điểm ghi {self} khác tổng các tiêu chí thành phần {children_sum}."),
        )
    )
    score_rows.add_expectation(
        ExpectColumnValuesToBeInSet(
            column="has_evidence",
            value_set=[True],
            row_condition=Column("evidence_required") == True,  # noqa: E712
            **_meta("evidence.missing", "Tiêu chí {code}: tự chấm {self} điểm nhưng không nêu tài liệu kiểm chứng hoặc giải trình."),
        )
    )
    score_rows.add_expectation(
        ExpectColumnValuesToBeBetween(
            column="confidence",
            min_value={"$PARAMETER": "min_confidence"},
            **_meta(
                "text.confidence",
                "Tiêu chí {code}: bản quét khó đọc (độ tin cậy nhận dạng {confidence}%); điểm đọc được \u201c{self}\u201d cần đối chiếu.",
            ),
        )
    )
    score_rows.add_expectation(
        ExpectColumnValuesToBeInSet(
            column="is_nfc",
            value_set=[True],
            **_meta("text.nfc", "Tiêu chí {code}: văn bản không ở dạng Unicode dựng sẵn (NFC)."),
        )
    )
    score_rows.add_expectation(
        ExpectColumnValuesToBeInSet(
            column="is_garbled",
            value_set=[False],
            **_meta("text.garbled", "Tiêu chí {code}: có ký tự không đọc được ({garbled})."),
        )
    )

    coverage = gx.ExpectationSuite(
        name="coverage",
        meta={"notes": "One row per form x leaf criterion of its block, with how often the form lists it."},
    )
    coverage.add_expectation(
        ExpectColumnValuesToBeBetween(
            column="occurrences",
            min_value=1,
            **_meta("criterion.missing", "Thiếu tiêu chí {code} ({name})."),
        )
    )
    coverage.add_expectation(
        ExpectColumnValuesToBeBetween(
            column="occurrences",
            max_value=1,
            **_meta("criterion.duplicate", "Tiêu chí {code} ({name}) xuất hiện {occurrences} lần trong bảng tự đánh giá."),
        )
    )

    submissions = gx.ExpectationSuite(
        name="submissions",
        meta={"notes": "One row per form. Parameter framework_blocks: the block ids of the framework."},
    )
    submissions.add_expectation(
        ExpectColumnValuesToNotBeNull(
            column="block_id",
            **_meta("unit.block", "Đơn vị {unit} ({unit_code}) không có trong danh sách đơn vị được đánh giá."),
        )
    )
    submissions.add_expectation(
        ExpectColumnValuesToBeInSet(
            column="block_id",
            value_set={"$PARAMETER": "framework_blocks"},
            **_meta("unit.block", "Đơn vị {unit} thuộc khối {block_id}, không phải một khối của {framework} năm {year}."),
        )
    )
    submissions.add_expectation(
        ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="block_max",
            column_B="leaf_total",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            **_meta("total.max", "Tổng điểm tự đánh giá các tiêu chí thành phần {total} vượt điểm tối đa của khối {block_max}."),
        )
    )
    submissions.add_expectation(
        ExpectColumnPairValuesToBeEqual(
            column_A="stated_total",
            column_B="computed_total",
            ignore_row_if="either_value_is_missing",
            **_meta(
                "total.mismatch",
                "Dòng \u201cTổng cộng\u201d ghi {stated_total} điểm, nhưng tổng điểm các tiêu chí thành phần là {computed_total}.",
            ),
        )
    )
    submissions.add_expectation(
        ExpectCompoundColumnsToBeUnique(
            column_list=["unit_code", "year"],
            **_meta("unit.duplicate", "Đơn vị gửi {count} bản tự đánh giá năm {year} trong cùng đợt: {documents}."),
        )
    )
    submissions.add_expectation(
        ExpectColumnValuesToBeBetween(
            column="days_late",
            max_value=0,
            **_meta("submission.late", "Hồ sơ nhận ngày {received_on}, chậm {days_late} ngày so với thời hạn {deadline}."),
        )
    )

    submissions.add_expectation(
        ExpectColumnValuesToBeInSet(
            # A scan read by OCR is checked row by row (text.confidence); converted or diacritic-less text here.
            column="text_layer",
            value_set=[TextLayer.NATIVE.value, TextLayer.OCR.value],
            **_meta("text.layer", "Văn bản {text_layer_vi}: điểm đã được đọc lại, cần đối chiếu với bản gốc."),
        )
    )

    citations = gx.ExpectationSuite(
        name="citations",
        meta={"notes": "One row per reference a form cites, linked to the evidence files of its package. Parameter year: the assessment year."},
    )
    citations.add_expectation(
        ExpectColumnValuesToBeInSet(
            column="found",
            value_set=[True],
            **_meta(
                "evidence.not_found",
                "Tiêu chí {code}: không tìm thấy văn bản \u201c{reference}\u201d trong các tệp tài liệu kiểm chứng gửi kèm.",
            ),
        )
    )
    citations.add_expectation(
        ExpectColumnValuesToBeBetween(
            column="cited_year",
            min_value={"$PARAMETER": "year"},
            max_value={"$PARAMETER": "year"},
            **_meta("evidence.date", "Tiêu chí {code}: văn bản \u201c{reference}\u201d đề ngày {cited_on}, ngoài năm đánh giá {year}."),
        )
    )

    return {s.name: s.to_json_dict() for s in (score_rows, coverage, submissions, citations)}


def main() -> None:
    for table, suite in build_suites().items():
        path = SUITES_DIR / f"{table}.json"
        path.write_text(json.dumps(suite, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
