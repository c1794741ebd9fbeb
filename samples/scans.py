"""Scanned copies of generated forms: printed, signed, stamped, scanned slightly askew, saved as image-only PDFs."""

from __future__ import annotations

import io
import math
import random
import time

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter

# Where the unit's head signs; the stamp and the signature go over it, as on a real form.
SIGNER_TEXT = "THỦ TRƯỞNG"
STAMP_RED = (205, 45, 50)
SIGNATURE_BLUE = (40, 60, 150)
JPEG_QUALITY = 82  # what office scanners write by default: visible but mild artefacts
FIXED_STAMP = time.gmtime(946684800)  # 2000-01-01  # the PDF's creation time, so the same scan has the same bytes


def scan_form(pdf_bytes: bytes, *, dpi: int = 300, angle: float = 0.0, seed: int = 0, noise: bool = True) -> bytes:
    """An image-only PDF of `pdf_bytes` as a scanner would return it after printing, signing and stamping.

    Each page is rendered at `dpi`, the last one signed and stamped in colour, then turned by `angle`
    degrees counter-clockwise: whole quarter turns turn the page (a sheet fed sideways or upside
    down), the rest is the small skew of a sheet laid askew. `noise` adds paper tone, grain, dust,
    a slight blur and JPEG compression. The same arguments give the same bytes.
    """
    rng = random.Random(seed)
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            image = page.render(scale=dpi / 72).to_pil().convert("RGB")
            if index == len(document) - 1:
                image = _sign_and_stamp(image, _signer_box(page, dpi), dpi, rng)
            page.close()
            pages.append(_scan(image, angle, rng, noise))
    finally:
        document.close()
    out = io.BytesIO()
    pages[0].save(
        out, "PDF", save_all=True, append_images=pages[1:], resolution=dpi, quality=JPEG_QUALITY, creationDate=FIXED_STAMP, modDate=FIXED_STAMP
    )
    return out.getvalue()


def _signer_box(page: pdfium.PdfPage, dpi: int) -> tuple[int, int] | None:
    """The pixel position (left, top) of the signer's title on the page, if the page prints it."""
    textpage = page.get_textpage()
    try:
        found = textpage.search(SIGNER_TEXT).get_next()
        if found is None:
            return None
        left, _, _, top = textpage.get_charbox(found[0])
    finally:
        textpage.close()
    scale = dpi / 72
    return round(left * scale), round((page.get_height() - top) * scale)


def _sign_and_stamp(image: Image.Image, signer: tuple[int, int] | None, dpi: int, rng: random.Random) -> Image.Image:
    """A blue signature under the signer's title and a faint red round stamp half over it."""
    width, height = image.size
    left, top = signer if signer is not None else (int(width * 0.55), int(height * 0.75))
    mm = dpi / 25.4
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    _signature(draw, left + 10 * mm, top + 12 * mm, 45 * mm, rng)
    centre = (left - 2 * mm + rng.uniform(-3, 3) * mm, top + 14 * mm + rng.uniform(-3, 3) * mm)
    _stamp(draw, centre, 20 * mm, rng)
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def _signature(draw: ImageDraw.ImageDraw, x: float, y: float, length: float, rng: random.Random) -> None:
    points = []
    steps = 60
    for i in range(steps + 1):
        t = i / steps
        points.append((x + length * t + 8 * math.sin(t * 19), y + 30 * math.sin(t * 11 + rng.uniform(0, 0.3)) * (1 - t)))
    draw.line(points, fill=(*SIGNATURE_BLUE, 230), width=5, joint="curve")


def _stamp(draw: ImageDraw.ImageDraw, centre: tuple[float, float], radius: float, rng: random.Random) -> None:
    """Two rings, a dashed band of 'lettering' between them and a star: faint, as stamps print."""
    cx, cy = centre
    ink = (*STAMP_RED, 105)
    for r, w in ((radius, 9), (radius * 0.72, 6)):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=ink, width=w)
    band = radius * 0.86
    for k in range(44):
        start = k * (360 / 44) + rng.uniform(0, 2)
        draw.arc((cx - band, cy - band, cx + band, cy + band), start, start + 5, fill=ink, width=int(radius * 0.12))
    star = [
        (
            cx + (radius * (0.3 if i % 2 == 0 else 0.12)) * math.cos(math.pi / 2 + i * math.pi / 5),
            cy - (radius * (0.3 if i % 2 == 0 else 0.12)) * math.sin(math.pi / 2 + i * math.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=ink)


def _scan(image: Image.Image, angle: float, rng: random.Random, noise: bool) -> Image.Image:
    quarter_turns = round(angle / 90)
    skew = angle - 90 * quarter_turns
    turns = (None, Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270)
    turn = turns[quarter_turns % 4]
    if turn is not None:
        image = image.transpose(turn)
    paper = rng.randint(236, 250) if noise else 255
    if skew:
        image = image.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=(paper,) * 3)
    if not noise:
        return image
    _dust(image, rng)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.8)))
    pixels = np.asarray(image, dtype=np.float32) * np.float32(paper / 255)  # white becomes the paper's tone
    grain = np.random.default_rng(rng.getrandbits(32)).standard_normal(pixels.shape[:2], dtype=np.float32)
    pixels += grain[..., None] * np.float32(rng.uniform(4, 7))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _dust(image: Image.Image, rng: random.Random) -> None:
    draw = ImageDraw.Draw(image)
    width, height = image.size
    for _ in range(rng.randint(80, 160)):
        x, y, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.8, 2.2)
        shade = rng.randint(60, 140)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(shade, shade, shade))
