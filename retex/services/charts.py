"""Charts of the report: inline SVG for the page and the PDF, PNG (Pillow) for the DOCX."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

BAR_COLOURS = ((80, "#18753c"), (50, "#b34000"), (0, "#ce0500"))  # DSFR success / warning / error


def _colour(percent: int | None) -> str:
    if percent is None:
        return "#929292"
    return next(colour for floor, colour in BAR_COLOURS if percent >= floor)


def objectives_svg(objectives: list[dict], width: int = 640) -> str:
    """Horizontal bars: share of the expected points reached per objective."""
    row, label_w, bar_w = 34, 260, width - 260 - 60
    height = row * len(objectives) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">',
             "<title>Atteinte des objectifs (part des points attendus)</title>"]
    for i, objective in enumerate(objectives):
        y = 10 + i * row
        percent = objective["percent"]
        length = int(bar_w * (percent or 0) / 100)
        title = objective["title"] if len(objective["title"]) <= 42 else objective["title"][:41] + "…"
        parts.append(f'<text x="0" y="{y + 15}">{escape(title)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="16" fill="#eeeeee"/>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{length}" height="16" fill="{_colour(percent)}"/>')
        text = "non observé" if percent is None else f"{percent} %"
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}">{text}</text>')
    for tick in (0, 50, 100):
        x = label_w + bar_w * tick // 100
        parts.append(f'<line x1="{x}" y1="{height - 18}" x2="{x}" y2="{height - 14}" stroke="#666"/>'
                     f'<text x="{x}" y="{height - 3}" text-anchor="middle">{tick} %</text>')
    parts.append("</svg>")
    return "".join(parts)


def objectives_png(objectives: list[dict], width: int = 1300) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    row, label_w = 60, 560
    bar_w = width - label_w - 120
    height = row * len(objectives) + 50
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 22)
    except OSError:
        font = ImageFont.load_default()
    for i, objective in enumerate(objectives):
        y = 15 + i * row
        percent = objective["percent"]
        title = objective["title"] if len(objective["title"]) <= 44 else objective["title"][:43] + "…"
        draw.text((0, y + 8), title, fill="black", font=font)
        draw.rectangle([label_w, y + 4, label_w + bar_w, y + 36], fill="#eeeeee")
        draw.rectangle([label_w, y + 4, label_w + int(bar_w * (percent or 0) / 100), y + 36], fill=_colour(percent))
        draw.text((label_w + bar_w + 10, y + 8), "n. o." if percent is None else f"{percent} %", fill="black",
                  font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
