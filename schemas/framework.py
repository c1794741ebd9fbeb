"""Scoring frameworks as data: program → year → blocks → fields → criteria → sub-criteria.

A framework file (``schemas/frameworks/<program>-<year>.yaml``) is edited by users; loading it
checks that it adds up and says exactly what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal, NamedTuple, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ConfigurationError
from schemas.ids import Slug

FRAMEWORKS_DIR = Path(__file__).parent / "frameworks"
DEFAULT_STEP = Decimal("0.5")
T = TypeVar("T")
V = TypeVar("V")


class Criterion(BaseModel):
    """A node of the tree: a field (lĩnh vực), criterion (tiêu chí) or sub-criterion (tiêu chí thành phần)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    name: str
    max_points: Decimal
    step: Decimal | None = None  # resolved from the parent, the block or the framework on load
    evidence_required: bool = True
    # "Không áp dụng" is allowed (units without such procedures): the unit's applicable maximum then
    # loses this criterion's points. A parent's flag covers its children.
    may_be_not_applicable: bool = False
    children: tuple[Criterion, ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def level(self) -> int:
        return self.code.count(".") + 1

    def walk(self) -> Iterator[Criterion]:
        yield self
        for child in self.children:
            yield from child.walk()


class _BlockIndex(NamedTuple):
    by_code: dict[str, Criterion]  # the first of a repeated code (see _problems)
    leaves: tuple[Criterion, ...]
    leaf_codes: frozenset[str]

    @classmethod
    def of(cls, criteria: tuple[Criterion, ...]) -> _BlockIndex:
        by_code: dict[str, Criterion] = {}
        leaves: list[Criterion] = []
        for node in (n for field in criteria for n in field.walk()):
            by_code.setdefault(node.code, node)
            if node.is_leaf:
                leaves.append(node)
        return cls(by_code, tuple(leaves), frozenset(c.code for c in leaves))


def _once_per_tree(model: BaseModel, name: str, tree: T, build: Callable[[T], V]) -> V:
    """`build(tree)`, computed once per tree and kept in the model's __dict__ as functools.cached_property keeps a
    value (pydantic compares and dumps fields only). model_copy(update=...) copies the __dict__ too, so the tree
    the value was built from is kept with it, and a copy with another tree builds its own."""
    cached: tuple[T, V] | None = model.__dict__.get(name)
    if cached is None or cached[0] is not tree:
        cached = model.__dict__[name] = (tree, build(tree))
    return cached[1]


class Block(BaseModel):
    """A group of comparable units ranked together (khối), with its own criteria and maximum."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Slug
    name: str
    max_points: Decimal
    step: Decimal | None = None
    criteria: tuple[Criterion, ...]

    def walk(self) -> Iterator[Criterion]:
        for field in self.criteria:
            yield from field.walk()

    def _indexed(self) -> _BlockIndex:
        """The tree indexed once: validation looks criteria up for every row of every form."""
        return _once_per_tree(self, "_tree_index", self.criteria, _BlockIndex.of)

    @property
    def by_code(self) -> dict[str, Criterion]:
        """Every criterion of the block by code, in tree order (the first of a repeated code: see _problems)."""
        return self._indexed().by_code

    @property
    def leaf_codes(self) -> frozenset[str]:
        return self._indexed().leaf_codes

    def leaves(self) -> list[Criterion]:
        return list(self._indexed().leaves)

    def criterion(self, code: str) -> Criterion | None:
        return self.by_code.get(code)


class Tier(BaseModel):
    """A classification band (xếp loại, e.g. "Tốt"): units whose index is at least `min_index`, below the next band."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    min_index: Decimal


class Framework(BaseModel):
    """One program's index for one year: its blocks and how units are ranked in each."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    program: Slug
    program_name: str
    year: int
    agency: str
    parent_agency: str = ""
    decision: str | None = None  # the decision that set the index, e.g. "1500/QĐ-TCHQ"
    illustrative: bool = False  # True when the criteria are modelled, not the official text
    ranking: Literal["dense", "competition"] = "dense"
    step: Decimal = DEFAULT_STEP
    deadline: date | None = None  # last day a self-assessment is received on time
    tiers: tuple[Tier, ...] = ()  # classification bands, highest first; none: units are only ranked
    blocks: tuple[Block, ...] = Field(min_length=1)

    @property
    def blocks_by_id(self) -> dict[str, Block]:
        """The blocks by id (the first of a repeated id, as block() finds it), indexed once."""
        return _once_per_tree(self, "_blocks_by_id", self.blocks, lambda blocks: {block.id: block for block in reversed(blocks)})

    def block(self, block_id: str) -> Block:
        if block_id in self.blocks_by_id:
            return self.blocks_by_id[block_id]
        known = ", ".join(b.id for b in self.blocks)
        raise ConfigurationError(f"framework {self.program}-{self.year} has no block {block_id!r} (blocks: {known})")


def _resolve_steps(criteria: tuple[Criterion, ...], step: Decimal) -> tuple[Criterion, ...]:
    resolved = []
    for node in criteria:
        own = node.step or step
        resolved.append(node.model_copy(update={"step": own, "children": _resolve_steps(node.children, own)}))
    return tuple(resolved)


def _problems(framework: Framework) -> list[str]:
    problems: list[str] = []
    for block in framework.blocks:
        where = f"block {block.id}"
        fields_total = sum((f.max_points for f in block.criteria), Decimal(0))
        if fields_total != block.max_points:
            problems.append(f"{where}: fields add up to {fields_total}, but max_points is {block.max_points}")
        seen: set[str] = set()
        for node in block.walk():
            if node.code in seen:
                problems.append(f"{where}: criterion code {node.code} appears more than once")
            seen.add(node.code)
            if node.max_points <= 0:
                problems.append(f"{where}, criterion {node.code}: max_points must be positive")
            if node.step is not None and node.max_points % node.step:
                problems.append(f"{where}, criterion {node.code}: max_points {node.max_points} is not a multiple of step {node.step}")
            if node.children:
                total = sum((c.max_points for c in node.children), Decimal(0))
                if total != node.max_points:
                    problems.append(f"{where}, criterion {node.code}: children add up to {total}, but max_points is {node.max_points}")
                for child in node.children:
                    if not child.code.startswith(node.code + "."):
                        problems.append(f"{where}: criterion {child.code} is listed under {node.code} but its code does not start with {node.code}.")
        for field in block.criteria:
            if "." in field.code:
                problems.append(f"{where}: field code {field.code} must be a single number")
    problems += _tier_problems(framework.tiers)
    ids = [b.id for b in framework.blocks]
    for block_id in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"block id {block_id} appears more than once")
    return problems


def _tier_problems(tiers: tuple[Tier, ...]) -> list[str]:
    problems: list[str] = []
    for tier in tiers:
        if not Decimal(0) <= tier.min_index <= Decimal(100):
            problems.append(f"tier {tier.name}: min_index {tier.min_index} is outside 0..100")
    for higher, lower in zip(tiers, tiers[1:]):
        if lower.min_index >= higher.min_index:
            problems.append(f"tiers must be listed highest first: {lower.name} ({lower.min_index}) comes after {higher.name} ({higher.min_index})")
    names = [t.name for t in tiers]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"tier {name} appears more than once")
    return problems


def parse_framework(data: object, source: str = "<data>") -> Framework:
    """Build and check a framework from parsed YAML; raise ConfigurationError listing every problem."""
    try:
        framework = Framework.model_validate(data)
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(f"{source}: not a valid framework: {details}") from exc
    blocks = tuple(b.model_copy(update={"criteria": _resolve_steps(b.criteria, b.step or framework.step)}) for b in framework.blocks)
    framework = framework.model_copy(update={"blocks": blocks})
    problems = _problems(framework)
    if problems:
        raise ConfigurationError(f"{source}: framework does not add up:\n  - " + "\n  - ".join(problems))
    return framework


def load_framework(path: Path) -> Framework:
    """Load and check one framework file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path}: cannot read framework file: {exc}") from exc
    return parse_framework(data, str(path))


@cache
def framework_for(program: str, year: int, directory: Path = FRAMEWORKS_DIR) -> Framework:
    """The framework of `program` for `year`, from ``<directory>/<program>-<year>.yaml``."""
    path = directory / f"{program}-{year}.yaml"
    if not path.exists():
        available = ", ".join(sorted(p.stem for p in directory.glob("*.yaml"))) or "none"
        raise ConfigurationError(f"no framework for {program} {year}: {path} does not exist (available: {available})")
    return load_framework(path)
