"""Fast printable documents (ReportLab): paragraphs, tables that repeat their header, « page X / Y » footers.
Long reports (RETEX, continuity plan) print in a fraction of the time HTML-to-PDF takes (see bench/retex.py);
no external resource is ever fetched."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

BLUE = colors.HexColor("#000091")
GREY = colors.HexColor("#3a3a3a")
LIGHT = colors.HexColor("#eeeeee")
RED = colors.HexColor("#ce0500")
ORANGE = colors.HexColor("#b34000")
GREEN = colors.HexColor("#18753c")
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


@cache
def font_names() -> tuple[str, str, str]:
    """DejaVu Sans (every French character, embedded) when the system has it; else the PDF core fonts."""
    for folder in FONT_DIRS:
        regular, bold, italic = (folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf",
                                 folder / "DejaVuSans-Oblique.ttf")
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("CareSans", str(regular)))
            pdfmetrics.registerFont(TTFont("CareSans-Bold", str(bold)))
            pdfmetrics.registerFont(TTFont("CareSans-Italic", str(italic if italic.exists() else regular)))
            pdfmetrics.registerFontFamily("CareSans", normal="CareSans", bold="CareSans-Bold",
                                          italic="CareSans-Italic", boldItalic="CareSans-Bold")
            return "CareSans", "CareSans-Bold", "CareSans-Italic"
    return "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"


@cache
def styles() -> dict[str, ParagraphStyle]:
    regular, bold, italic = font_names()
    base = ParagraphStyle("body", fontName=regular, fontSize=9, leading=12, alignment=TA_LEFT, spaceAfter=3)
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=20, leading=24, textColor=BLUE,
                                spaceAfter=8),
        "h1": ParagraphStyle("h1", parent=base, fontName=bold, fontSize=13.5, leading=17, textColor=BLUE,
                             spaceBefore=10, spaceAfter=5),
        "h2": ParagraphStyle("h2", parent=base, fontName=bold, fontSize=11, leading=14, spaceBefore=7, spaceAfter=3),
        "h3": ParagraphStyle("h3", parent=base, fontName=bold, fontSize=9.5, leading=12, spaceBefore=4),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=GREY),
        "italic": ParagraphStyle("italic", parent=base, fontName=italic),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5, spaceAfter=0),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=bold, fontSize=7.5, leading=9.5,
                                    spaceAfter=0),
        "bullet": ParagraphStyle("bullet", parent=base, leftIndent=10, bulletIndent=2),
    }


def text(value) -> str:
    """Plain text made safe for ReportLab's mini-markup, line breaks kept."""
    return escape("" if value is None else str(value)).replace("\n", "<br/>")


def para(value, style: str = "body", markup: bool = False) -> Paragraph:
    return Paragraph(value if markup else text(value), styles()[style])


def bullets(items: list[str]) -> list[Paragraph]:
    return [Paragraph(text(item), styles()["bullet"], bulletText="•") for item in items] or [para("—")]


def table(header: list[str], rows: list[list], widths_mm: list[float], *, zebra: bool = True,
          highlight: dict[int, colors.Color] | None = None) -> Table:
    """A table whose cells wrap, whose header repeats on each page; `highlight` colours whole rows (index → colour)."""
    cell, head = styles()["cell"], styles()["cell_bold"]
    data = [[Paragraph(text(h), head) for h in header]]
    for row in rows:
        data.append([v if isinstance(v, Paragraph) else Paragraph(text(v), cell) for v in row])
    result = Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    commands = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#cccccc")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3e3fd")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    if zebra:
        commands += [("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f6f6f6")) for i in range(2, len(data), 2)]
    for index, colour in (highlight or {}).items():
        commands.append(("BACKGROUND", (0, index + 1), (-1, index + 1), colour))
    result.setStyle(TableStyle(commands))
    return result


class NumberedCanvas(pdfcanvas.Canvas):
    """Writes « page X / Y » and the footer text once the page count is known."""

    footer = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):  # noqa: N802 - ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        regular = font_names()[0]
        for state in self._pages:
            self.__dict__.update(state)
            width, _ = self._pagesize
            self.setFont(regular, 7.5)
            self.setFillColor(GREY)
            self.drawString(16 * mm, 10 * mm, self.footer[:120])
            self.drawRightString(width - 16 * mm, 10 * mm, f"page {self._pageNumber} / {total}")
            super().showPage()
        super().save()


def build_pdf(flowables: list, *, title: str, footer: str, landscape_pages: bool = False) -> bytes:
    buffer = io.BytesIO()
    size = landscape(A4) if landscape_pages else A4
    document = SimpleDocTemplate(buffer, pagesize=size, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                                 bottomMargin=18 * mm, title=title, author="Plateforme CaRE", lang="fr-FR")
    canvas_class = type("Canvas", (NumberedCanvas,), {"footer": footer})
    document.build(flowables, canvasmaker=canvas_class)
    return buffer.getvalue()


__all__ = ["BLUE", "GREEN", "LIGHT", "ORANGE", "RED", "KeepTogether", "Spacer", "build_pdf", "bullets", "para",
           "styles", "table", "text"]
