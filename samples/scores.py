"""Sample self-assessment totals per unit, and how a total is spread over a block's criteria."""

from __future__ import annotations

import random
from decimal import Decimal

from schemas.framework import Block, framework_for
from schemas.units import registry_for

# Provincial block (out of 90): ranks 1-6 as Decision 3751/QĐ-TCHQ published them for 2019. The published
# excerpt stops at rank 6, so the units below 86.5 and the other two blocks are illustrative values.
_TOTALS_2019: dict[str, str] = {
    # Rank 1
    "hq-da-nang": "89",
    "hq-dong-nai": "89",
    "hq-ho-chi-minh": "89",
    # Rank 2
    "hq-ha-noi": "88.5",
    "hq-hai-phong": "88.5",
    "hq-gia-lai-kon-tum": "88.5",
    # Rank 3
    "hq-khanh-hoa": "88",
    "hq-nghe-an": "88",
    "hq-quang-ninh": "88",
    # Rank 4
    "hq-can-tho": "87.5",
    "hq-ha-tinh": "87.5",
    "hq-lang-son": "87.5",
    "hq-quang-binh": "87.5",
    "hq-quang-ngai": "87.5",
    "hq-tay-ninh": "87.5",
    # Rank 5
    "hq-ba-ria-vung-tau": "87",
    "hq-ha-nam-ninh": "87",
    "hq-kien-giang": "87",
    "hq-long-an": "87",
    # Rank 6
    "hq-bac-ninh": "86.5",
    "hq-thua-thien-hue": "86.5",
    # Below rank 6: illustrative.
    "hq-binh-duong": "86",
    "hq-quang-nam": "86",
    "hq-an-giang": "85.5",
    "hq-lao-cai": "85.5",
    "hq-thanh-hoa": "85",
    "hq-binh-dinh": "84.5",
    "hq-quang-tri": "84.5",
    "hq-dong-thap": "84",
    "hq-ca-mau": "83.5",
    "hq-ha-giang": "83.5",
    "hq-binh-phuoc": "83",
    "hq-cao-bang": "83",
    "hq-dak-lak": "82.5",
    "hq-dien-bien": "82",
    # Departments directly under TCHQ (out of 80): illustrative.
    "cuc-kiem-dinh-hai-quan": "78",
    "cuc-kiem-tra-sau-thong-quan": "78",
    "cuc-giam-sat-quan-ly": "77.5",
    "cuc-thue-xnk": "77",
    "cuc-cntt-thong-ke": "76.5",
    "cuc-quan-ly-rui-ro": "76.5",
    "cuc-dieu-tra-chong-buon-lau": "75.5",
    "cuc-tai-vu-quan-tri": "75",
    # Functional departments and the Office (out of 70): illustrative.
    "vu-phap-che": "68",
    "van-phong": "67.5",
    "vu-to-chuc-can-bo": "67",
    "vu-hop-tac-quoc-te": "66.5",
    "ban-cai-cach-hien-dai-hoa": "66.5",
    "vu-thanh-tra-kiem-tra": "65.5",
}
PUBLISHED: dict[tuple[str, int], dict[str, Decimal]] = {
    ("tchq", 2019): {code: Decimal(total) for code, total in _TOTALS_2019.items()},
}


def sample_totals(program: str, year: int) -> dict[str, Decimal]:
    """The self-assessment total of every unit of `program` for `year`.

    TCHQ 2019 gives the published result; any other program and year gets plausible totals (90 % to
    full marks of the unit's block, on half points), the same on every call.
    """
    known = PUBLISHED.get((program, year))
    if known is not None:
        return dict(known)
    framework = framework_for(program, year)
    totals: dict[str, Decimal] = {}
    for unit in registry_for(program).units:
        block = framework.block(unit.block)
        step = block.step or framework.step
        lowest = int(block.max_points * Decimal("0.9") / step)
        steps = random.Random(f"{program}-{year}-{unit.code}").randint(lowest, int(block.max_points / step))
        totals[unit.code] = steps * step
    return totals


def allocate(block: Block, total: Decimal, seed: str) -> dict[str, Decimal]:
    """Leaf scores of `block` that add up to exactly `total`, each on its step and within its maximum.

    Starts from full marks and takes one step at a time from a randomly chosen leaf, so a high total
    loses a few half points here and there, as real self-assessments do. The same seed gives the same
    scores. Raises ValueError when no such scores exist.
    """
    leaves = block.leaves()
    scores = {leaf.code: leaf.max_points for leaf in leaves}
    steps = {leaf.code: leaf.step or Decimal("0.5") for leaf in leaves}
    deficit = sum(scores.values(), Decimal(0)) - Decimal(total)
    if deficit < 0 or Decimal(total) < 0:
        raise ValueError(f"total {total} is outside 0 … {block.max_points} for block {block.id}")
    if deficit % min(steps.values()):
        raise ValueError(f"total {total} is not on the step of block {block.id}")
    rng = random.Random(seed)
    codes = [leaf.code for leaf in leaves]
    while deficit > 0:
        candidates = [c for c in codes if steps[c] <= deficit and scores[c] >= steps[c]]
        if not candidates:
            raise ValueError(f"total {total} cannot be reached on the steps of block {block.id}")
        code = rng.choice(candidates)
        scores[code] -= steps[code]
        deficit -= steps[code]
    return scores
