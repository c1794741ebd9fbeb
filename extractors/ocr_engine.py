"""Tesseract, in process (tesserocr), with its Vietnamese model: text, digits, text lines and page orientation."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from parindex.errors import ConfigurationError

LANGUAGE = "vie"
# What a number cell may hold: a criterion code ("1.2.1") or points ("1,5", "1.5").
CHARSETS = {"code": "0123456789.", "points": "0123456789,."}
# Debian/Ubuntu, Fedora, Homebrew and source installs keep the models in one of these.
TESSDATA_GLOBS = (
    "/usr/share/tesseract-ocr/*/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)
Layout = Literal["block", "line", "word"]
Charset = Literal["code", "points"]
INSTALL_HINT = "install the Debian packages tesseract-ocr and tesseract-ocr-vie (scripts/system-packages.txt)"


def tessdata_dir() -> Path | None:
    """The folder holding vie.traineddata and osd.traineddata: TESSDATA_PREFIX first, then the usual places."""
    candidates: list[str] = []
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        candidates += [prefix, os.path.join(prefix, "tessdata")]
    for pattern in TESSDATA_GLOBS:
        candidates += sorted(glob.glob(pattern), reverse=True)  # the newest version folder first
    for candidate in candidates:
        folder = Path(candidate)
        if (folder / f"{LANGUAGE}.traineddata").is_file() and (folder / "osd.traineddata").is_file():
            return folder
    return None


def ocr_available() -> bool:
    """Whether scanned documents can be read here: tesserocr imports and the Vietnamese model is installed."""
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return False
    return tessdata_dir() is not None


@dataclass(frozen=True)
class Words:
    """What tesseract read in one image: the text and each word's confidence (0 to 100)."""

    text: str
    confidences: tuple[float, ...]

    @property
    def confidence(self) -> float:
        """The weakest word's confidence: one doubtful word makes the whole cell doubtful. 0 if nothing was read."""
        return min(self.confidences) if self.confidences else 0.0


@dataclass(frozen=True)
class Word:
    """One word of running text, its box in the image (left, top, right, bottom) and its confidence."""

    text: str
    box: tuple[int, int, int, int]
    confidence: float


TextLine = list[Word]


class Tesseract:
    """Tesseract engines for one document: text, digits-only and orientation, each loaded once.

    Use as a context manager; the engines hold native memory until closed. Not thread-safe.
    """

    def __init__(self) -> None:
        # Tesseract's OpenMP threads cost more than they give on cell-sized images, and the batch already
        # reads documents in parallel. Only effective before tesserocr is first imported; a setting wins.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        try:
            from tesserocr import PSM, PyTessBaseAPI
        except ImportError as exc:
            raise ConfigurationError(f"tesserocr is not installed: pip install -e . ({INSTALL_HINT})") from exc
        folder = tessdata_dir()
        if folder is None:
            raise ConfigurationError(f"Tesseract's Vietnamese model (vie.traineddata) was not found: {INSTALL_HINT}")
        path = f"{folder}{os.sep}"
        self._psm = PSM
        self._text = PyTessBaseAPI(path=path, lang=LANGUAGE, psm=PSM.SINGLE_BLOCK)
        self._numbers: dict[str, Any] = {}
        for charset, allowed in CHARSETS.items():
            api = PyTessBaseAPI(path=path, lang=LANGUAGE, psm=PSM.SINGLE_LINE)
            api.SetVariable("tessedit_char_whitelist", allowed)
            self._numbers[charset] = api
        self._osd = PyTessBaseAPI(path=path, lang="osd", psm=PSM.OSD_ONLY)

    def __enter__(self) -> Tesseract:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        for api in (self._text, *self._numbers.values(), self._osd):
            api.End()

    def read(self, image: NDArray[np.uint8], *, charset: Charset | None = None, mode: Layout = "block") -> Words:
        """The text of a small grey image (a cell) laid out as a block, one line or one word, with word confidences.

        `charset` restricts the reading to the characters of a code or of points.
        """
        api = self._text if charset is None else self._numbers[charset]
        api.SetPageSegMode({"block": self._psm.SINGLE_BLOCK, "line": self._psm.SINGLE_LINE, "word": self._psm.SINGLE_WORD}[mode])
        api.SetImage(Image.fromarray(image))
        text = api.GetUTF8Text().strip()
        confidences = tuple(float(c) for c in api.AllWordConfidences())
        return Words(text, confidences)

    def lines(self, image: NDArray[np.uint8], resolution: int) -> list[TextLine]:
        """The text lines of a page region laid out freely (headers, titles, signatures), as words with boxes."""
        from tesserocr import RIL, iterate_level

        api = self._text
        api.SetPageSegMode(self._psm.AUTO)
        api.SetImage(Image.fromarray(image))
        api.SetSourceResolution(resolution)
        api.Recognize()
        found: list[TextLine] = []
        for word in iterate_level(api.GetIterator(), RIL.WORD):
            text = word.GetUTF8Text(RIL.WORD)
            box = word.BoundingBox(RIL.WORD)
            if word.IsAtBeginningOf(RIL.TEXTLINE) or not found:
                found.append([])
            if text and text.strip() and box is not None:
                found[-1].append(Word(text.strip(), box, float(word.Confidence(RIL.WORD))))
        return [line for line in found if line]

    def orientation(self, image: NDArray[np.uint8]) -> tuple[int, float]:
        """How far the page is turned (0, 90, 180 or 270, counter-clockwise to set it upright) and how sure.

        (0, 0.0) when the page has too little text to tell.
        """
        self._osd.SetImage(Image.fromarray(image))
        try:
            found = self._osd.DetectOrientationScript()
        except RuntimeError:
            return 0, 0.0
        if not found:
            return 0, 0.0
        return int(found["orient_deg"]), float(found["orient_conf"])
