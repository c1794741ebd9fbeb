"""The DejaVu Sans fonts matplotlib ships, registered with ReportLab so PDFs embed real Vietnamese text."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from core.errors import ConfigurationError

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
BOLD_ITALIC = "DejaVuSans-BoldOblique"


def font_dir() -> Path:
    """matplotlib's bundled TrueType folder, found without importing matplotlib (which is slow)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise ConfigurationError("matplotlib is not installed: it provides the DejaVu Sans fonts the PDF forms embed")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


@cache
def register_fonts() -> str:
    """Register the DejaVu Sans family once per process; return the family name for ReportLab styles."""
    directory = font_dir()
    for name in (REGULAR, BOLD, ITALIC, BOLD_ITALIC):
        path = directory / f"{name}.ttf"
        if not path.exists():
            raise ConfigurationError(f"font {path} is missing: the PDF forms need it for Vietnamese text")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    # The mappings let <b>/<i> markup and bold paragraph styles pick the right face.
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, ITALIC)
    addMapping(REGULAR, 1, 1, BOLD_ITALIC)
    return REGULAR
