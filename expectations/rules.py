"""The catalogue of data-quality rules (stable ids, severity, what a unit is expected to do) and their reading order.

The suites (expectations/<table>.json) are generated from this catalogue, so a rule's severity is set here
once. An error keeps the submission out of the ranking; a warning is reported but does not.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.records import Finding, Severity


@dataclass(frozen=True)
class Rule:
    """One check: its id (stored with every finding), severity, a short Vietnamese title and the expectation.

    `expected` may name {max}, {step}, {year}, {block_name}, {block_max}, {deadline} and {min_confidence};
    reports fill them from the framework.
    """

    id: str
    severity: Severity
    title: str
    expected: str


E, W = Severity.ERROR, Severity.WARNING
_RULES = (
    # The form is filled in correctly: these decide whether its total can be ranked.
    Rule(
        "score.missing", E, "Thiếu điểm tự đánh giá", "Ghi điểm tự đánh giá cho tiêu chí (hoặc \u201cKhông áp dụng\u201d nếu bộ tiêu chí cho phép)."
    ),
    Rule("score.range", E, "Điểm ngoài khung điểm", "Điểm tự đánh giá từ 0 đến {max}."),
    Rule("score.step", E, "Điểm không đúng bước chấm", "Điểm chấm theo bước {step} điểm."),
    Rule("criterion.missing", E, "Thiếu tiêu chí", "Bảng tự đánh giá có đủ các tiêu chí của khối {block_name} năm {year}."),
    Rule("criterion.duplicate", E, "Tiêu chí lặp lại", "Mỗi tiêu chí chỉ ghi một lần trong bảng tự đánh giá."),
    Rule("criterion.unknown", E, "Mã tiêu chí không có trong bộ tiêu chí", "Chỉ dùng mã tiêu chí của khối {block_name} năm {year}."),
    Rule(
        "criterion.not_applicable",
        E,
        "Ghi \u201cKhông áp dụng\u201d cho tiêu chí bắt buộc",
        "Tiêu chí áp dụng cho mọi đơn vị trong khối: ghi điểm tự đánh giá từ 0 đến {max}.",
    ),
    Rule("max.outdated", E, "Điểm tối đa khác bộ tiêu chí (biểu mẫu cũ)", "Dùng biểu mẫu năm {year}: điểm tối đa của tiêu chí là {max}."),
    Rule("total.max", E, "Tổng điểm vượt điểm tối đa", "Tổng điểm tự đánh giá không vượt {block_max} điểm."),
    Rule(
        "unit.block",
        E,
        "Đơn vị không thuộc khối được đánh giá",
        "Đơn vị có trong danh sách đơn vị được đánh giá năm {year} và dùng biểu mẫu của khối mình.",
    ),
    # Worth fixing, but the score can still be ranked: the appraisers weigh them.
    Rule(
        "subtotal.mismatch", W, "Điểm tiêu chí khác tổng các tiêu chí thành phần", "Điểm của tiêu chí bằng tổng điểm các tiêu chí thành phần của nó."
    ),
    Rule(
        "total.mismatch",
        W,
        "Dòng \u201cTổng cộng\u201d khác tổng điểm các tiêu chí",
        "Dòng \u201cTổng cộng\u201d bằng tổng điểm các tiêu chí thành phần.",
    ),
    Rule("unit.duplicate", W, "Nhiều bản tự đánh giá trong cùng đợt", "Mỗi đơn vị gửi một bản tự đánh giá chính thức cho năm {year}."),
    Rule("submission.late", W, "Gửi sau thời hạn", "Hồ sơ gửi đến Tổng cục chậm nhất ngày {deadline}."),
    Rule("evidence.missing", W, "Thiếu tài liệu kiểm chứng", "Nêu tài liệu kiểm chứng (số, ngày văn bản) hoặc giải trình cho tiêu chí có điểm."),
    Rule("evidence.not_found", W, "Không có văn bản được viện dẫn trong hồ sơ", "Gửi kèm văn bản được viện dẫn làm tài liệu kiểm chứng."),
    Rule("evidence.date", W, "Tài liệu kiểm chứng ngoài năm đánh giá", "Tài liệu kiểm chứng ban hành trong năm {year}."),
    Rule("text.nfc", W, "Văn bản không ở dạng Unicode dựng sẵn", "Soạn thảo bằng phông chữ Unicode, kiểu gõ dựng sẵn."),
    Rule("text.garbled", W, "Có ký tự lỗi, không đọc được", "Gửi tệp xuất trực tiếp từ phần mềm soạn thảo, dùng phông chữ Unicode."),
    Rule(
        "text.layer",
        W,
        "Văn bản dùng phông chữ cũ hoặc mất dấu tiếng Việt",
        "Soạn thảo bằng phông chữ Unicode, kiểu gõ dựng sẵn, và gửi tệp xuất trực tiếp từ phần mềm soạn thảo.",
    ),
    Rule("text.confidence", W, "Bản quét khó đọc", "Gửi bản quét rõ nét hơn hoặc tệp gốc (độ tin cậy nhận dạng từ {min_confidence}%)."),
)
RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def rule(rule_id: str) -> Rule:
    """The rule of `rule_id`; one not in the catalogue (an old finding, a hand-edited suite) gets a neutral entry."""
    return RULES.get(rule_id) or Rule(rule_id, Severity.WARNING, rule_id, "")


def _code_key(code: str | None) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in (code or "").split("."))


def order(finding: Finding) -> tuple[object, ...]:
    """How findings are read: form-level ones first, then by criterion code in framework order, rule and row."""
    row = finding.lineage.row if finding.lineage is not None else -1
    return (finding.criterion_code is not None, _code_key(finding.criterion_code), finding.rule, row)
