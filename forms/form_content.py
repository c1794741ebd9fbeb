"""What a self-assessment form says: the framework block, the unit, its scores and evidence, the signing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from schemas.framework import Block, Framework
from schemas.units import Unit


@dataclass(frozen=True)
class FormContent:
    """One form: blank when `unit` and `scores` are None.

    `scores` maps criterion codes to self scores; leaves are enough, parents print the sum of their
    children unless a parent code is given too (so tests can write forms whose subtotals are wrong).
    Values are not checked against the maxima for the same reason: bad forms are useful input.
    """

    framework: Framework
    block: Block
    unit: Unit | None = None
    scores: Mapping[str, Decimal] | None = None
    evidence: Mapping[str, str] = field(default_factory=dict)
    document_number: str | None = None  # "15/BC-HQĐNg"
    place: str | None = None  # "Đà Nẵng"
    signed_on: date | None = None

    def __post_init__(self) -> None:
        known = {c.code for c in self.block.walk()}
        for what, codes in (("scores", self.scores or {}), ("evidence", self.evidence)):
            unknown = sorted(set(codes) - known)
            if unknown:
                raise ValueError(f"{what} name criteria that block {self.block.id} does not have: {', '.join(unknown)}")

    @property
    def year(self) -> int:
        return self.framework.year


def blank_form(framework: Framework, block_id: str) -> FormContent:
    """The blank template of one block: no unit, no scores, nothing signed."""
    return FormContent(framework=framework, block=framework.block(block_id))
