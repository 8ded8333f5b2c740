"""The printable one-page summary of a scope (a region, or the nation): obligation rate and map, departments,
maturity, the weakest shared criteria, improvement plans. ReportLab, vector map, no external resource."""

from __future__ import annotations

import re

from reportlab.graphics.shapes import Drawing, Path, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Table, TableStyle

from core.printing import build_pdf, para, table
from steering.services import charts, obligation, statistics
from steering.services.obligation import Filters

POINT = re.compile(r"([MLZ])(?:(-?\d+),(-?\d+))?")


def _map(rows: list[dict], width_mm: float, height_mm: float) -> Drawing:
    from core.printing import font_names

    departments = charts._departments()["departments"]
    by_code = {r["id"]: r for r in rows}
    codes = [c for c in departments if c in by_code] or list(departments)
    points = [(int(x), int(y)) for c in codes for x, y in re.findall(r"(-?\d+),(-?\d+)", departments[c]["d"])]
    left, right = min(x for x, _ in points), max(x for x, _ in points)
    top, bottom = min(y for _, y in points), max(y for _, y in points)
    scale = min(width_mm * mm / (right - left + 1), (height_mm - 6) * mm / (bottom - top + 1))
    drawing = Drawing(width_mm * mm, height_mm * mm)
    for code in codes:
        row = by_code.get(code)
        path = Path(fillColor=colors.HexColor(charts.colour(row["rate"]) if row else "#f6f6f6"),
                    strokeColor=colors.white, strokeWidth=0.5)
        for command, x, y in POINT.findall(departments[code]["d"]):
            if command == "Z":
                path.closePath()
                continue
            px, py = (int(x) - left) * scale, height_mm * mm - (int(y) - top) * scale
            (path.moveTo if command == "M" else path.lineTo)(px, py)
        drawing.add(path)
    regular = font_names()[0]
    for i, (floor, colour) in enumerate(reversed(charts.SCALE)):
        drawing.add(Rect(i * 17 * mm, 0, 3 * mm, 3 * mm, fillColor=colors.HexColor(colour), strokeColor=None))
        drawing.add(String(i * 17 * mm + 4 * mm, 0.6 * mm, f"≥ {floor} %", fontName=regular, fontSize=6.5))
    return drawing


def summary_pdf(user, filters: Filters, scope_label: str) -> bytes:
    totals = obligation.summary(user, filters)
    departments = obligation.breakdown(user, filters, "department")
    maturity = statistics.maturity_distribution(user, filters, years=2)
    evaluation = [r for r in statistics.evaluation_distribution(user, filters) if r["n"]]
    weakest = sorted(evaluation, key=lambda r: (r["mean"], r["id"]))[:5]
    plans = statistics.plan_progress(user, filters)
    rate = "—" if totals["rate"] is None else f"{totals['rate']} %".replace(".", ",")
    kpis = Table([[para(rate, "h1"), para(f"{totals['done']} / {totals['total']}", "h1"),
                   para(totals["planned"], "h1"), para(sum(p["overdue"] for p in plans), "h1")],
                  [para("taux d'exercice", "small"), para("établissements ayant exercé", "small"),
                   para("exercices planifiés (non encore faits)", "small"), para("actions en retard", "small")]],
                 colWidths=[44 * mm] * 4)
    kpis.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#cccccc")),
                              ("INNERGRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#cccccc"))]))
    current = maturity["series"][-1]
    left = [para("Départements", "h2"),
            table(["Département", "Étab.", "Ont exercé", "Taux"],
                  [[r["label"], r["total"], r["done"], "—" if r["rate"] is None else f"{r['rate']} %"]
                   for r in departments[:14]], [38, 12, 16, 14]),
            para("Maturité (autoévaluations " + str(current["year"]) + ")", "h2"),
            table(["Niveau", "Établissements", "Part"],
                  [[c["label"], c["n"], f"{c['percent']} %"] for c in current["counts"]], [34, 28, 18])]
    right = [para("Taux d'exercice par département", "h2"), _map(departments, 86, 80)]
    body = Table([[left, right]], colWidths=[88 * mm, 90 * mm])
    body.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story = [para(f"Synthèse {scope_label} — {filters.year}", "title"),
             para("Obligation annuelle d'exercice de crise cyber des établissements de santé, maturité, "
                  "évaluation homogène et plans d'amélioration.", "small"), kpis, body,
             para("Critères les plus faibles de la grille commune (moyenne des RETEX validés)", "h2"),
             table(["Critère", "Notes", "Médiane", "Moyenne"],
                   [[f"{r['id']} — {r['title']}", r["n"], r["median"], r["mean"]] for r in weakest]
                   or [["Aucun RETEX validé sur la période", "", "", ""]], [120, 18, 20, 20]),
             para("Plans d'amélioration", "h2"),
             table(["Thème", "Actions", "Ouvertes", "Réalisées", "En retard"],
                   [[p["label"], p["total"], p["open"], p["done"], p["overdue"]] for p in plans], [60, 28, 28, 28, 34])]
    return build_pdf(story, title=f"Synthèse {scope_label} {filters.year}",
                     footer=f"Plateforme CaRE — synthèse {scope_label} {filters.year}")
