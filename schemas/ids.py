"""Identifiers that become parts of file names and URLs: program, block and unit codes.

Lower-case ASCII words joined by hyphens ("hq-ba-ria-vung-tau"), so that a code read from a user-edited
YAML file can never name a path outside the output folder ("../x", "a/b") or differ only by case.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
