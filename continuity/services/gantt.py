"""Geometry of the recovery timeline (Gantt chart), shared by the PDF (vector drawing), the DOCX (PNG drawn with
Pillow) and the offline HTML (inline SVG). Coordinates are in points, origin at the top left, y downwards."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

WIDTH = 504.0  # 178 mm, the text width of an A4 page with 16 mm margins
LABEL_W = 196.0
ROW_H = 13.0
TOP = 6.0
AXIS_H = 24.0
RIGHT = 8.0
MAX_LABEL = 48
COLOURS = {4: "#ce0500", 3: "#b34000", 2: "#0063cb", 1: "#6a6af4", 0: "#929292"}  # criticality served
LEGEND = ((4, "vitale"), (3, "majeure"), (2, "modérée"), (1, "faible"), (0, "aucun processus"))
TICK_STEPS = (1, 2, 4, 6, 12, 24, 48, 72, 168, 336, 720, 1440)


@dataclass(frozen=True)
class Bar:
    y: float
    x0: float
    x1: float
    label: str
    colour: str
    end_label: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass
class Chart:
    width: float
    height: float
    plot_x0: float
    plot_x1: float
    axis_y: float
    row_h: float
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    horizon: float = 0.0

    @property
    def empty(self) -> bool:
        return not self.bars

    def pieces(self, rows: int) -> list[Chart]:
        """The same chart cut every `rows` rows, same time scale (a page cannot hold a drawing taller than it)."""
        if len(self.bars) <= rows:
            return [self]
        result = []
        for start in range(0, len(self.bars), rows):
            chunk = self.bars[start:start + rows]
            shift = chunk[0].y - TOP
            bars = [Bar(b.y - shift, b.x0, b.x1, b.label, b.colour, b.end_label) for b in chunk]
            axis_y = TOP + len(chunk) * self.row_h
            result.append(Chart(self.width, axis_y + AXIS_H, self.plot_x0, self.plot_x1, axis_y, self.row_h, bars,
                                self.ticks, self.horizon))
        return result


def _short(value: str, size: int = MAX_LABEL) -> str:
    return value if len(value) <= size else value[:size - 1].rstrip() + "…"


def _hours(value: float) -> str:
    return f"{round(value, 1):g}".replace(".", ",") + " h"


def layout(rows: list[tuple[str, float, float, int]], width: float = WIDTH) -> Chart:
    """`rows`: (label, start hours, ready hours, highest criticality served), in recovery order."""
    horizon = max((end for _, _, end, _ in rows), default=0.0)
    scale_max = max(horizon, 1.0)
    step = next((s for s in TICK_STEPS if scale_max / s <= 8), TICK_STEPS[-1])
    scale_max = step * -(-scale_max // step)  # rounded up to a whole tick
    x0, x1 = LABEL_W, width - RIGHT
    span = x1 - x0

    def x(hours: float) -> float:
        return x0 + span * hours / scale_max

    bars = [Bar(TOP + i * ROW_H, x(start), max(x(end), x(start) + 1.5), _short(label),
                COLOURS.get(criticality, COLOURS[0]), _hours(end))
            for i, (label, start, end, criticality) in enumerate(rows)]
    axis_y = TOP + len(rows) * ROW_H
    ticks = []
    value = 0.0
    while value <= scale_max + 1e-9:
        ticks.append(Tick(x(value), _hours(value) if value < 48 or value % 24 else f"J+{value / 24:g}"))
        value += step
    return Chart(width, axis_y + AXIS_H, x0, x1, axis_y, ROW_H, bars, ticks, horizon)


# --- the three drawings ---------------------------------------------------------------------------

def drawing(chart: Chart, font: str = "Helvetica"):
    """ReportLab vector drawing (y upwards)."""
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors

    h = chart.height
    result = Drawing(chart.width, h)
    for tick in chart.ticks:
        result.add(Line(tick.x, h - TOP + 2, tick.x, h - chart.axis_y, strokeColor=colors.HexColor("#dddddd"),
                        strokeWidth=0.4))
        result.add(String(tick.x, h - chart.axis_y - 10, tick.label, fontName=font, fontSize=6.5,
                          textAnchor="middle"))
    result.add(Line(chart.plot_x0, h - chart.axis_y, chart.plot_x1, h - chart.axis_y, strokeColor=colors.grey,
                    strokeWidth=0.6))
    for bar in chart.bars:
        top = h - bar.y
        result.add(String(0, top - chart.row_h + 3.5, bar.label, fontName=font, fontSize=6.8))
        result.add(Rect(bar.x0, top - chart.row_h + 2.5, bar.x1 - bar.x0, chart.row_h - 5,
                        fillColor=colors.HexColor(bar.colour), strokeColor=None))
    return result


def png(chart: Chart, scale: float = 2.6) -> bytes:
    """Pillow image of the chart (for the DOCX)."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = int(chart.width * scale), int(chart.height * scale)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", int(6.8 * scale))
        small = ImageFont.truetype("DejaVuSans.ttf", int(6.5 * scale))
    except OSError:
        font = small = ImageFont.load_default()
    for tick in chart.ticks:
        x = tick.x * scale
        draw.line([x, (TOP - 2) * scale, x, chart.axis_y * scale], fill="#dddddd", width=1)
        text_w = draw.textlength(tick.label, font=small)
        draw.text((x - text_w / 2, (chart.axis_y + 4) * scale), tick.label, fill="black", font=small)
    draw.line([chart.plot_x0 * scale, chart.axis_y * scale, chart.plot_x1 * scale, chart.axis_y * scale],
              fill="#888888", width=2)
    for bar in chart.bars:
        draw.text((0, (bar.y + 2) * scale), bar.label, fill="black", font=font)
        draw.rectangle([bar.x0 * scale, (bar.y + 2.5) * scale, bar.x1 * scale, (bar.y + chart.row_h - 2.5) * scale],
                       fill=bar.colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def svg_context(chart: Chart) -> dict:
    """Numbers pre-formatted (no localisation of decimals in the template) for the inline SVG of the HTML page."""
    def f(value: float) -> str:
        return f"{value:.1f}"

    return {
        "width": f(chart.width), "height": f(chart.height), "axis_y": f(chart.axis_y),
        "plot_x0": f(chart.plot_x0), "plot_x1": f(chart.plot_x1), "tick_top": f(TOP - 2),
        "tick_label_y": f(chart.axis_y + 12),
        "ticks": [{"x": f(t.x), "label": t.label} for t in chart.ticks],
        "bars": [{"label_y": f(b.y + chart.row_h - 3.5), "x": f(b.x0), "y": f(b.y + 2.5), "w": f(b.x1 - b.x0),
                  "h": f(chart.row_h - 5), "colour": b.colour, "label": b.label, "end": b.end_label}
                 for b in chart.bars],
        "legend": [{"colour": COLOURS[c], "label": label} for c, label in LEGEND],
    }
