"""SVG charts of the dashboards, built server-side from escaped values (no script, no external resource)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings

# DSFR-like sequential scale for rates: light (low) to dark blue (high); grey when no establishment
SCALE = [(80, "#000091"), (60, "#313178"), (40, "#6a6af4"), (20, "#a6a6f6"), (0, "#e3e3fd")]


def colour(rate: float | None) -> str:
    if rate is None:
        return "#eeeeee"
    return next(c for floor, c in SCALE if rate >= floor)


@cache
def _departments() -> dict:
    return json.loads((Path(settings.BASE_DIR) / "data" / "geo" / "departements-paths.json").read_text("utf-8"))


def department_map(rows: list[dict]) -> str:
    """Choropleth of the exercise rate by department; departments outside the scope stay grey."""
    data = _departments()
    by_code = {row["id"]: row for row in rows}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{data["viewBox"]}" role="img" class="care-map" '
             f'data-testid="map"><title>Taux d\'exercice par département</title>']
    for code, department in data["departments"].items():
        row = by_code.get(code)
        label = escape(f"{code} {department['name']}")
        tip = f"{label} : {row['done']}/{row['total']} ({row['rate']} %)" if row else f"{label} : hors périmètre"
        parts.append(f'<path d="{department["d"]}" fill="{colour(row["rate"]) if row else "#f6f6f6"}" '
                     f'stroke="#ffffff" stroke-width="1.5" data-department="{code}"><title>{tip}</title></path>')
    parts.append("</svg>")
    legend = "".join(f'<li><span class="care-swatch" style="background:{c}"></span>≥ {floor} %</li>'
                     for floor, c in reversed(SCALE))
    overseas = [r for r in rows if r["id"] and r["id"] not in data["departments"]]
    extra = "".join(f"<li>{escape(r['label'])} : {r['done']}/{r['total']} ({r['rate']} %)</li>" for r in overseas)
    return "".join(parts) + f'<ul class="care-legend">{legend}</ul>' + (
        f'<p class="fr-text--sm">Outre-mer :</p><ul class="fr-text--sm">{extra}</ul>' if extra else "")


def rate_bars(rows: list[dict], width: int = 640) -> str:
    row_h, label_w = 22, 220
    bar_w = width - label_w - 70
    height = row_h * len(rows) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'font-family="Marianne, Arial, sans-serif" font-size="12"><title>Taux d\'exercice</title>']
    for i, row in enumerate(rows):
        y = 5 + i * row_h
        rate = row["rate"] or 0
        label = row["label"] if len(row["label"]) <= 32 else row["label"][:31] + "…"
        parts.append(f'<text x="0" y="{y + 14}">{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="14" fill="#eeeeee"/>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * rate / 100:.0f}" height="14" '
                     f'fill="{colour(row["rate"])}"/>'
                     f'<text x="{label_w + bar_w + 6}" y="{y + 14}">{row["rate"] if row["rate"] is not None else "—"} %'
                     f"</text>")
    parts.append("</svg>")
    return "".join(parts)


LEVEL_COLOURS = {"debutant": "#e1000f", "intermediaire": "#ff9940", "confirme": "#18753c"}


def stacked_levels(data: dict, width: int = 640) -> str:
    """One bar per year, stacked by maturity level (share of the submitted self-assessments)."""
    series = data["series"]
    bar_h, gap, label_w = 22, 8, 60
    bar_w = width - label_w - 10
    height = (bar_h + gap) * len(series) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'font-family="Marianne, Arial, sans-serif" font-size="12"><title>Niveaux de maturité par année</title>']
    for i, point in enumerate(series):
        y, x = 5 + i * (bar_h + gap), label_w
        parts.append(f'<text x="0" y="{y + 15}">{point["year"]}</text>')
        if not point["total"]:
            parts.append(f'<text x="{x}" y="{y + 15}" fill="#666">aucune autoévaluation</text>')
            continue
        for count in point["counts"]:
            w = bar_w * count["n"] / point["total"]
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                         f'fill="{LEVEL_COLOURS.get(count["level"], "#999")}"><title>{escape(count["label"])} : '
                         f'{count["n"]} ({count["percent"]} %)</title></rect>')
            x += w
    legend_y = height - 8
    for j, (level, label) in enumerate(data["levels"]):
        parts.append(f'<rect x="{label_w + j * 150}" y="{legend_y - 10}" width="12" height="12" '
                     f'fill="{LEVEL_COLOURS.get(level, "#999")}"/><text x="{label_w + j * 150 + 16}" '
                     f'y="{legend_y}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
