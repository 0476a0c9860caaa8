"""Preview images (Open Graph cards and participant cards): 1200 x 630 PNGs drawn with Pillow.

A ``CardSpec`` is exactly what an image shows, already in words (translated, numbers formatted),
so its hash names the image (``cache.image_key``): the same spec always draws the same picture,
and any change to what is shown makes a new key. The drawing uses Pillow's bundled font
(``ImageFont.load_default(size=...)``, FreeType), which needs no system fonts; headings are
"bold" by stroking the text in its own colour.

Pictures are only ever local uploads we stored ourselves (``challenges.uploads``): a linked image
is never fetched, and the demo's SVG art cannot be read by Pillow, so both fall back to the
theme-coloured panel.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

WIDTH, HEIGHT = 1200, 630
# Raise this whenever the drawing changes: it is part of every key, so old files go stale.
RENDER_VERSION = 1
PANEL_WIDTH = 470  # the picture (or colour panel, or podium) on the right
MARGIN = 64

# The product's theme colours (static/css/app.css: --accent and --accent-soft per theme).
THEMES: dict[str, tuple[str, str]] = {
    "purple": ("#6d28d9", "#ede9fe"),
    "blue": ("#1d4ed8", "#dbeafe"),
    "teal": ("#0f766e", "#ccfbf1"),
    "green": ("#15803d", "#dcfce7"),
    "orange": ("#c2410c", "#ffedd5"),
    "pink": ("#be185d", "#fce7f3"),
    "red": ("#b91c1c", "#fee2e2"),
    "indigo": ("#4338ca", "#e0e7ff"),
}
TEXT = "#1d1b26"
MUTED = "#5f5b70"
WHITE = "#ffffff"
MEDALS = {1: ("#f5b301", "#5c4300"), 2: ("#c0c4cc", "#2f3440"), 3: ("#cd7f32", "#3b2208")}


@dataclass(frozen=True)
class PodiumLine:
    place: int
    name: str  # "@aiartist"
    detail: str  # "12 votes"


@dataclass(frozen=True)
class CardSpec:
    """Everything one preview image shows, in words; nothing else may change the drawing."""

    theme: str
    eyebrow: str  # small capitals above the title: "Weekly Challenges · Week 47, 2026"
    title: str
    lines: tuple[str, ...] = ()  # up to three lines under the title
    stat: str = ""  # the big figure line: "#7 of 212 · 43 votes · +190 points"
    sponsor: str = ""  # "Sponsored by DreamLabs"
    footer: str = ""  # bottom-left, e.g. "@aiartist"
    picture: str = ""  # the key of a stored upload, or ""
    monogram: str = ""  # what the colour panel shows when there is no picture
    podium: tuple[PodiumLine, ...] = field(default=())


# How many images this process has drawn: tests read it to show a second request drew nothing.
_renders = 0
_renders_lock = threading.Lock()


def render_count() -> int:
    """How many images this process has rendered so far."""
    return _renders


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _hex(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _text_width(draw: ImageDraw.ImageDraw, text: str, size: int, bold: bool = False) -> float:
    return draw.textlength(text, font=_font(size)) + (2 if bold else 0)


def _wrap(draw: ImageDraw.ImageDraw, text: str, size: int, width: float, max_lines: int,
          bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width``; the last one ends in "…" when cut."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if _text_width(draw, trial, size, bold) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        current = word
        while _text_width(draw, current, size, bold) > width and len(current) > 1:
            # One word wider than the line (a long URL): break it where it no longer fits.
            cut = len(current)
            while cut > 1 and _text_width(draw, current[:cut], size, bold) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and _text_width(draw, last + "…", size, bold) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def _star(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, fill: str) -> None:
    """The brand's four-pointed star (✦), drawn: the bundled font has no such glyph."""
    w = r * 0.28
    draw.polygon([(x, y - r), (x + w, y - w), (x + r, y), (x + w, y + w), (x, y + r),
                  (x - w, y + w), (x - r, y), (x - w, y - w)], fill=fill)


def _picture(path: Path | None) -> Image.Image | None:
    """The stored upload, cropped to cover the panel; None when it cannot be read."""
    if path is None or not path.is_file():
        return None
    try:
        with Image.open(path) as source:
            source.load()
            picture = source.convert("RGB")
    except (OSError, UnidentifiedImageError):
        return None
    return ImageOps.fit(picture, (PANEL_WIDTH, HEIGHT), method=Image.Resampling.LANCZOS)


def _panel(image: Image.Image, spec: CardSpec, picture_path: Path | None) -> None:
    """The right-hand panel: the picture, else the podium, else a monogram, on the accent."""
    accent, soft = THEMES.get(spec.theme, THEMES["purple"])
    x0 = WIDTH - PANEL_WIDTH
    draw = ImageDraw.Draw(image)
    picture = None if spec.podium else _picture(picture_path)
    if picture is not None:
        image.paste(picture, (x0, 0))
        return
    draw.rectangle([x0, 0, WIDTH, HEIGHT], fill=accent)
    # A few soft stars as texture, always in the same places.
    for sx, sy, r in ((x0 + 60, 70, 18), (WIDTH - 70, 120, 26), (x0 + 110, HEIGHT - 90, 14),
                      (WIDTH - 120, HEIGHT - 60, 20)):
        _star(draw, sx, sy, r, soft)
    if spec.podium:
        top = (HEIGHT - len(spec.podium) * 130) // 2 + 10
        for i, line in enumerate(spec.podium):
            y = top + i * 130
            ring, ink = MEDALS.get(line.place, (WHITE, TEXT))
            draw.ellipse([x0 + 48, y, x0 + 128, y + 80], fill=ring, outline=WHITE, width=4)
            number = str(line.place)
            nw = _text_width(draw, number, 44, bold=True)
            draw.text((x0 + 88 - nw / 2, y + 14), number, font=_font(44), fill=ink,
                      stroke_width=1, stroke_fill=ink)
            name = _wrap(draw, line.name, 36, PANEL_WIDTH - 200, 1, bold=True)[0]
            draw.text((x0 + 150, y + 6), name, font=_font(36), fill=WHITE, stroke_width=1,
                      stroke_fill=WHITE)
            draw.text((x0 + 150, y + 50), line.detail, font=_font(26), fill=soft)
        return
    if spec.monogram:
        # A short mark ("#7") as it is, anything longer by its first letter.
        mark = spec.monogram if len(spec.monogram) <= 4 else spec.monogram[:1].upper()
        size = 260 if len(mark) == 1 else 200 if len(mark) <= 2 else 150
        while size > 60 and _text_width(draw, mark, size, bold=True) > PANEL_WIDTH - 80:
            size -= 10
        lw = _text_width(draw, mark, size, bold=True)
        draw.text((x0 + (PANEL_WIDTH - lw) / 2, HEIGHT / 2 - size * 0.62), mark,
                  font=_font(size), fill=WHITE, stroke_width=3, stroke_fill=WHITE)
    else:
        _star(draw, x0 + PANEL_WIDTH / 2, HEIGHT / 2, 120, WHITE)


def render_png(spec: CardSpec, picture_path: Path | None = None) -> bytes:
    """Draw ``spec`` as a 1200 x 630 PNG (``picture_path``: the stored upload it names)."""
    global _renders
    accent, soft = THEMES.get(spec.theme, THEMES["purple"])
    image = Image.new("RGB", (WIDTH, HEIGHT), _hex(soft))
    draw = ImageDraw.Draw(image)
    # White card on the soft theme colour, an accent bar on its left edge (the site's cards).
    left_width = WIDTH - PANEL_WIDTH
    draw.rectangle([0, 0, left_width, HEIGHT], fill=WHITE)
    draw.rectangle([0, 0, 14, HEIGHT], fill=accent)
    text_width = left_width - MARGIN - 48
    x = MARGIN
    y = 56.0

    # Eyebrow: the brand star and a short line in capitals.
    _star(draw, x + 12, y + 13, 14, accent)
    eyebrow = _wrap(draw, spec.eyebrow.upper(), 22, text_width - 36, 1, bold=True)
    if eyebrow:
        draw.text((x + 36, y), eyebrow[0], font=_font(22), fill=accent, stroke_width=1,
                  stroke_fill=accent)
    y += 62

    # The bottom block first (name, sponsor, the figures), so the title and lines above it
    # stop where it starts and nothing ever overlaps.
    bottom = HEIGHT - 64.0
    if spec.footer:
        footer = _wrap(draw, spec.footer, 30, text_width, 1, bold=True)[0]
        bottom -= 34
        draw.text((x, bottom), footer, font=_font(30), fill=TEXT, stroke_width=1,
                  stroke_fill=TEXT)
        bottom -= 14
    if spec.sponsor:
        sponsor = _wrap(draw, spec.sponsor, 24, text_width, 1)[0]
        bottom -= 30
        draw.text((x, bottom), sponsor, font=_font(24), fill=MUTED)
        bottom -= 14
    if spec.stat:
        stat_lines = _wrap(draw, spec.stat, 40, text_width, 2, bold=True)
        bottom -= 20 + 52 * len(stat_lines)
        for i, line in enumerate(stat_lines):
            draw.text((x, bottom + 20 + 52 * i), line, font=_font(40), fill=accent,
                      stroke_width=1, stroke_fill=accent)

    title_size = 60 if len(spec.title) <= 40 else 50
    for line in _wrap(draw, spec.title, title_size, text_width, 3, bold=True):
        draw.text((x, y), line, font=_font(title_size), fill=TEXT, stroke_width=2,
                  stroke_fill=TEXT)
        y += title_size * 1.2
    y += 14
    for text in spec.lines[:3]:
        for line in _wrap(draw, text, 30, text_width, 2):
            if y + 36 > bottom:
                break  # no room left above the figures
            draw.text((x, y), line, font=_font(30), fill=MUTED)
            y += 40
        y += 4

    _panel(image, spec, picture_path)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    with _renders_lock:
        _renders += 1
    return out.getvalue()
