"""The chart of the DOCX report, as a PNG (Pillow); the PDF draws the same bars as vector graphics."""

from __future__ import annotations

import io

BAR_COLOURS = ((80, "#18753c"), (50, "#b34000"), (0, "#ce0500"))  # DSFR success / warning / error


def _colour(percent: int | None) -> str:
    if percent is None:
        return "#929292"
    return next(colour for floor, colour in BAR_COLOURS if percent >= floor)


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
