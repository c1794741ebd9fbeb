"""The unit registry: every unit a program scores, its block, full name and the names units really write."""

from __future__ import annotations

import re
from functools import cache, cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from rapidfuzz import fuzz, process

from core.errors import ConfigurationError, DocumentError, Reason
from schemas.ids import Slug
from schemas.vietnamese import fold

UNITS_DIR = Path(__file__).parent / "registries"

# What precedes a place name in a unit line: "CỤC HẢI QUAN TỈNH QUẢNG NINH", "Cục HQ TP.HCM", "Hải quan Đà Nẵng".
_PREFIX = re.compile(r"^(?:(?:cuc )?(?:hai quan|hq) )?(?:tinh |thanh pho |tp )?")
FUZZY_THRESHOLD = 90
WRAPPED_LINES = 3  # a unit name wrapped in a narrow header cell takes at most this many lines
_MOTTO_HEAD = "cong hoa xa hoi chu nghia viet"


class Unit(BaseModel):
    """A scored unit: stable code, its block, its full Vietnamese name, a short name and aliases."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Slug
    name: str
    short_name: str
    block: Slug
    aliases: tuple[str, ...] = ()


def _key(text: str) -> str:
    return _PREFIX.sub("", fold(text), count=1).strip()


class UnitRegistry(BaseModel):
    """All units of one program, and the matcher that finds a unit from what a document says."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    program: Slug
    units: tuple[Unit, ...]

    def get(self, code: str) -> Unit:
        return self.by_code[code]

    # Computed once per registry and kept on it (a frozen model hashes all its units: too slow as a cache key).
    @cached_property
    def by_code(self) -> dict[str, Unit]:
        return {unit.code: unit for unit in self.units}

    def in_block(self, block_id: str) -> list[Unit]:
        return [u for u in self.units if u.block == block_id]

    @cached_property
    def name_index(self) -> dict[str, set[str]]:
        """Unit codes by every folded name, short name and alias, with and without their "Cục Hải quan" prefix."""
        index: dict[str, set[str]] = {}
        for unit in self.units:
            for name in (unit.name, unit.short_name, *unit.aliases):
                for key in {fold(name), _key(name)}:
                    if key:
                        index.setdefault(key, set()).add(unit.code)
        return index

    def match(self, text: str) -> Unit | None:
        """The unit `text` names exactly (after folding), or None; raise if it names several."""
        candidates = self.name_index.get(_key(text)) or self.name_index.get(fold(text))
        if not candidates:
            return None
        if len(candidates) > 1:
            names = ", ".join(sorted(self.get(c).name for c in candidates))
            raise DocumentError(Reason.UNIT_AMBIGUOUS, f"unit {text!r} could be any of: {names}")
        return self.get(next(iter(candidates)))

    def find(self, lines: list[str]) -> tuple[Unit, str]:
        """The unit a document's header names, and the line that named it.

        Lines are tried in order, exactly first and then with a small typo allowance ("Kom Tum"); a
        name wrapped over two or three lines ("CỤC HẢI QUAN THÀNH PHỐ HỒ" / "CHÍ MINH") is tried joined,
        after every single line, leaving out the tail of a wrapped national motto. A document that names no registered unit is an error that lists the
        closest candidates.
        """
        joined = _wrapped(lines)
        for line in (*lines, *joined):
            unit = self.match(line)
            if unit is not None:
                return unit, line
        index = self.name_index
        for line in (*lines, *joined):
            key = _key(line)
            if len(key) < 4:
                continue
            best = process.extract(key, list(index), scorer=fuzz.ratio, limit=2)
            if best and best[0][1] >= FUZZY_THRESHOLD:
                codes = index[best[0][0]]
                if len(best) > 1 and best[1][1] == best[0][1] and index[best[1][0]] != codes:
                    codes = codes | index[best[1][0]]
                if len(codes) == 1:
                    return self.get(next(iter(codes))), line
                names = ", ".join(sorted(self.get(c).name for c in codes))
                raise DocumentError(Reason.UNIT_AMBIGUOUS, f"unit {line!r} could be any of: {names}")
        keys = [k for k in map(_key, lines) if k]
        near = {index_key for k in keys for index_key, _, _ in process.extract(k, list(index), scorer=fuzz.ratio, limit=1)}
        hint = ", ".join(sorted({self.get(c).name for k in near for c in index[k]})[:3])
        raise DocumentError(Reason.UNIT_UNKNOWN, f"the header names no registered unit (closest: {hint or 'none'})")


def _wrapped(lines: list[str], most: int = WRAPPED_LINES) -> list[str]:
    """Two to `most` consecutive lines joined: a long unit name wrapped in a narrow header cell."""
    lines = _without_motto_tail(lines)
    return [" ".join(lines[i : i + n]) for n in range(2, most + 1) for i in range(len(lines) - n + 1)]


def _without_motto_tail(lines: list[str]) -> list[str]:
    """The lines without the "NAM" that the wrapped national motto ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT" /
    "NAM") left among them. When the agency column wrapped too, its lines and the motto's come out
    interleaved ("CỤC HẢI QUAN TỈNH QUẢNG" / "NAM" / "NGÃI"): joined as they stand they would name
    another unit (Quảng Nam)."""
    for i, line in enumerate(lines):
        if fold(line).endswith(_MOTTO_HEAD):
            tail = next((j for j in range(i + 1, min(i + 3, len(lines))) if fold(lines[j]) == "nam"), None)
            if tail is not None:
                return lines[:tail] + lines[tail + 1 :]
    return lines


def parse_registry(data: object, source: str = "<data>") -> UnitRegistry:
    """Build and check a registry from parsed YAML; raise ConfigurationError naming each problem."""
    try:
        registry = UnitRegistry.model_validate(data)
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(f"{source}: not a valid unit registry: {details}") from exc
    codes = [u.code for u in registry.units]
    problems = [f"unit code {c} appears more than once" for c in sorted({c for c in codes if codes.count(c) > 1})]
    owners: dict[str, str] = {}
    for unit in registry.units:
        for name in {unit.name, unit.short_name, *unit.aliases}:
            other = owners.setdefault(fold(name), unit.code)
            if other != unit.code:
                problems.append(f"name {name!r} is given to both {other} and {unit.code}")
    if problems:
        raise ConfigurationError(f"{source}: unit registry is inconsistent:\n  - " + "\n  - ".join(problems))
    return registry


@cache
def registry_for(program: str, directory: Path = UNITS_DIR) -> UnitRegistry:
    """The unit registry of `program`, from ``<directory>/<program>.yaml``."""
    path = directory / f"{program}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path}: cannot read unit registry: {exc}") from exc
    return parse_registry(data, str(path))
