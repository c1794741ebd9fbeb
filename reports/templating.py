"""The Jinja2 environment of the HTML reports: templates in reports/templates, escaping on, Vietnamese numbers."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from schemas.vietnamese import format_points

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,  # a misspelt field fails the report's tests, not silently prints nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["points"] = format_points
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
