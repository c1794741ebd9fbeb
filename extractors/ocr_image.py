"""Page images made readable: grey levels, ink masks, the skew angle and the deskewed page."""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np
from numpy.typing import NDArray

Gray = NDArray[np.uint8]  # 0 black … 255 white
Mask = NDArray[np.uint8]  # 255 where there is ink

# Skew search: scanners rarely turn a sheet more than a few degrees; more is a rotated page, not a skew.
MAX_SKEW = 6.0
COARSE_STEP = 0.25
FINE_STEP = 0.02
# Enough ink pixels to measure the skew on; more only costs time.
SKEW_SAMPLE = 400_000


def gray(pixels: NDArray[np.uint8]) -> Gray:
    """A grey image of an RGB, RGBA or grey array.

    Red stamps and blue signatures keep their luminance, so a faint stamp becomes light grey that the
    ink threshold drops, while black print stays black.
    """
    if pixels.ndim == 2:
        return pixels
    code = cv2.COLOR_RGBA2GRAY if pixels.shape[2] == 4 else cv2.COLOR_RGB2GRAY
    # OpenCV's stubs type every result as any numeric array; a colour conversion keeps uint8.
    return cast(Gray, cv2.cvtColor(pixels, code))


def ink(page: Gray) -> Mask:
    """Where the ink is: Otsu's threshold after a light blur that melts scanner grain."""
    smooth = cv2.GaussianBlur(page, (3, 3), 0)
    _, mask = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return cast(Mask, mask)  # the threshold of a uint8 image is uint8


def skew_angle(mask: Mask) -> float:
    """The page's skew in degrees (counter-clockwise positive), from its ink's row profile.

    Rows of text and table rules line up with the page: at the right angle the ink projected onto
    the vertical axis falls into the sharpest peaks. The search is coarse, then fine around the best.
    """
    ys, xs = np.nonzero(mask)
    if len(xs) < 100:
        return 0.0
    if len(xs) > SKEW_SAMPLE:
        pick = np.random.default_rng(0).choice(len(xs), SKEW_SAMPLE, replace=False)
        ys, xs = ys[pick], xs[pick]
    x = xs.astype(np.float64) - mask.shape[1] / 2
    y = ys.astype(np.float64)

    def sharpness(angle: float) -> float:
        radians = np.deg2rad(angle)
        # Where each ink pixel lands once the page is turned back by `angle`.
        projected = np.round(y * np.cos(radians) + x * np.sin(radians)).astype(np.int64)
        counts = np.bincount(projected - projected.min())
        return float(np.dot(counts, counts))

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + COARSE_STEP / 2, COARSE_STEP), key=sharpness)
    fine = np.arange(coarse - COARSE_STEP, coarse + COARSE_STEP + FINE_STEP / 2, FINE_STEP)
    best: float = max(fine, key=sharpness)  # an np.float64, which is a float
    return float(round(best, 2))


def rotate(page: Gray, angle: float) -> Gray:
    """The page turned by `angle` degrees counter-clockwise about its centre, corners filled with white."""
    if abs(angle) < 1e-3:
        return page
    height, width = page.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cast(Gray, cv2.warpAffine(page, matrix, (width, height), flags=cv2.INTER_CUBIC, borderValue=255))


def quarter_turn(page: Gray, degrees: int) -> Gray:
    """The page turned counter-clockwise by a multiple of 90 degrees."""
    turns = (degrees // 90) % 4
    return np.ascontiguousarray(np.rot90(page, turns)) if turns else page
