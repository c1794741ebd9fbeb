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

from core.errors import ConfigurationError

LANGUAGE = "vie"
# What a number cell may hold: a criterion code ("1.2.1") or points ("1,5", "1.5").
CHARSETS = {"code": "0123456789.", "points": "0123456789,.", "digit": "0123456789"}
# Debian/Ubuntu, Fedora, Homebrew and source installs keep the models in one of these.
TESSDATA_GLOBS = (
    "/usr/share/tesseract-ocr/*/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)
Layout = Literal["block", "line", "word", "char"]
Charset = Literal["code", "points", "digit"]
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
    """Tesseract engines for one document, each loaded on first use: text, numbers, orientation.

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
        self._path = f"{folder}{os.sep}"
        self._models = {path.stem for path in folder.glob("*.traineddata")}
        self._psm = PSM
        self._api_class = PyTessBaseAPI
        self._apis: dict[tuple[str, Charset | None], Any] = {}

    def __enter__(self) -> Tesseract:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        for api in self._apis.values():
            api.End()
        self._apis.clear()

    def has_model(self, model: str) -> bool:
        return model in self._models

    def _api(self, model: str, charset: Charset | None = None) -> Any:
        key = (model, charset)
        if key not in self._apis:
            api = self._api_class(path=self._path, lang=model)
            if charset is not None:
                api.SetVariable("tessedit_char_whitelist", CHARSETS[charset])
            self._apis[key] = api
        return self._apis[key]

    def read(self, image: NDArray[np.uint8], *, charset: Charset | None = None, mode: Layout = "block", model: str = LANGUAGE) -> Words:
        """The text of a small grey image (a cell) laid out as a block, a line, a word or one character.

        `charset` restricts the reading to the characters of a code or of points; `model` is a
        tesseract language ("eng" reads lone digits more surely than "vie").
        """
        api = self._api(model, charset)
        layouts = {"block": self._psm.SINGLE_BLOCK, "line": self._psm.SINGLE_LINE, "word": self._psm.SINGLE_WORD, "char": self._psm.SINGLE_CHAR}
        api.SetPageSegMode(layouts[mode])
        api.SetImage(Image.fromarray(image))
        try:
            text = api.GetUTF8Text().strip()
            confidences = tuple(float(c) for c in api.AllWordConfidences())
        except RuntimeError:  # tesserocr's way of saying it recognised nothing
            return Words("", ())
        return Words(text, confidences)

    def lines(self, image: NDArray[np.uint8], resolution: int) -> list[TextLine]:
        """The text lines of a page region laid out freely (headers, titles, signatures), as words with boxes."""
        from tesserocr import RIL, iterate_level

        api = self._api(LANGUAGE)
        api.SetPageSegMode(self._psm.AUTO)
        api.SetImage(Image.fromarray(image))
        api.SetSourceResolution(resolution)
        api.Recognize()
        found: list[TextLine] = []
        iterator = api.GetIterator()
        if iterator is None:
            return []
        for word in iterate_level(iterator, RIL.WORD):
            if word.IsAtBeginningOf(RIL.TEXTLINE) or not found:
                found.append([])
            try:
                text = word.GetUTF8Text(RIL.WORD)
            except RuntimeError:  # a word box without any recognised symbol
                continue
            box = word.BoundingBox(RIL.WORD)
            if text and text.strip() and box is not None:
                found[-1].append(Word(text.strip(), box, float(word.Confidence(RIL.WORD))))
        return [line for line in found if line]

    def orientation(self, image: NDArray[np.uint8]) -> tuple[int, float]:
        """How far the page is turned (0, 90, 180 or 270, counter-clockwise to set it upright) and how sure.

        (0, 0.0) when the page has too little text to tell.
        """
        osd = self._api("osd")
        osd.SetPageSegMode(self._psm.OSD_ONLY)
        osd.SetImage(Image.fromarray(image))
        try:
            found = osd.DetectOrientationScript()
        except RuntimeError:
            return 0, 0.0
        if not found:
            return 0, 0.0
        return int(found["orient_deg"]), float(found["orient_conf"])
