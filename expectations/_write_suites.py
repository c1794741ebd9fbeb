"""Regenerate the expectation suites (expectations/<table>.json) from code: `python -m expectations._write_suites`.

The JSON files, committed in git, are what validation loads; this script only keeps them easy to review
and rewrite. Every expectation's meta carries the finding it raises: a stable rule id, a severity and a
Vietnamese message template whose fields validate.py fills from the records.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SUITES_DIR = Path(__file__).parent
_GX_SEVERITY = {"error": "critical", "warning": "warning"}


def _meta(rule: str, severity: str, message: str) -> dict[str, object]:
    return {"meta": {"rule": rule, "severity": severity, "message": message}, "severity": _GX_SEVERITY[severity]}


def build_suites() -> dict[str, dict[str, object]]:
    """Every suite as GX writes it (``suite.to_json_dict()``), keyed by the table it validates."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    gx.get_context(mode="ephemeral")  # a suite only accepts expectations while some context is active
    leaf = Column("is_leaf") == True  # noqa: E712 - builds a GX condition, not a Python comparison

    score_rows = gx.ExpectationSuite(
        name="score_rows",
        meta={"notes": "One row per score row of a form whose block is known (frames.score_rows_frame)."},
    )
    score_rows.add_expectation(gxe.ExpectColumnValuesToBeInSet(
        column="is_known_criterion", value_set=[True],
        **_meta("criterion.unknown", "error", "Mã tiêu chí {code} không có trong bộ tiêu chí của khối {block_name}."),
    ))
    score_rows.add_expectation(gxe.ExpectColumnValuesToNotBeNull(
        column="self_points", row_condition=leaf & (Column("has_self_text") == False),  # noqa: E712
        **_meta("score.missing", "error", "Tiêu chí {code}: chưa có điểm tự đánh giá."),
    ))
    score_rows.add_expectation(gxe.ExpectColumnValuesToNotBeNull(
        column="self_points", row_condition=leaf & (Column("has_self_text") == True),  # noqa: E712
        **_meta("score.missing", "error", "Tiêu chí {code}: không đọc được điểm tự đánh giá \u201c{raw}\u201d."),
    ))
    score_rows.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="self_points", min_value=0, row_condition=leaf,
        **_meta("score.range", "error", "Tiêu chí {code}: điểm tự đánh giá {self} nhỏ hơn 0."),
    ))
    score_rows.add_expectation(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="max_points", column_B="self_points", or_equal=True, ignore_row_if="either_value_is_missing",
        **_meta("score.range", "error", "Tiêu chí {code}: điểm tự đánh giá {self} vượt điểm tối đa {max}."),
    ))
    score_rows.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="step_remainder", min_value=0, max_value=0,
        **_meta("score.step", "error", "Tiêu chí {code}: điểm {self} không đúng bước chấm {step}."),
    ))

    coverage = gx.ExpectationSuite(
        name="coverage",
        meta={"notes": "One row per form x leaf criterion of its block, with how often the form lists it."},
    )
    coverage.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="occurrences", min_value=1,
        **_meta("criterion.missing", "error", "Thiếu tiêu chí {code} ({name})."),
    ))
    coverage.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="occurrences", max_value=1,
        **_meta("criterion.duplicate", "error", "Tiêu chí {code} ({name}) xuất hiện {occurrences} lần trong bảng tự đánh giá."),
    ))

    submissions = gx.ExpectationSuite(
        name="submissions",
        meta={"notes": "One row per form. Parameter framework_blocks: the block ids of the framework."},
    )
    submissions.add_expectation(gxe.ExpectColumnValuesToNotBeNull(
        column="block_id",
        **_meta("unit.block", "error", "Đơn vị {unit} ({unit_code}) không có trong danh sách đơn vị được đánh giá."),
    ))
    submissions.add_expectation(gxe.ExpectColumnValuesToBeInSet(
        column="block_id", value_set={"$PARAMETER": "framework_blocks"},
        **_meta("unit.block", "error", "Đơn vị {unit} thuộc khối {block_id}, không phải một khối của {framework} năm {year}."),
    ))
    submissions.add_expectation(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="block_max", column_B="leaf_total", or_equal=True, ignore_row_if="either_value_is_missing",
        **_meta(
            "total.max", "error",
            "Tổng điểm tự đánh giá các tiêu chí thành phần {total} vượt điểm tối đa của khối {block_max}.",
        ),
    ))

    return {s.name: s.to_json_dict() for s in (score_rows, coverage, submissions)}


def main() -> None:
    for table, suite in build_suites().items():
        path = SUITES_DIR / f"{table}.json"
        path.write_text(json.dumps(suite, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
