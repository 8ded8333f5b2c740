"""Exports of the improvement plan: XLSX (editable, filterable) and PDF (to print and sign)."""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from retex.models import Action

HEADER = ["Établissement", "FINESS", "Action", "Thème", "Priorité", "Responsable", "Échéance", "État", "En retard",
          "Critères suivis", "Preuve attendue", "Preuve de réalisation", "Réalisée le", "Exercice d'origine"]


def _safe(value):
    """Text that a spreadsheet would take for a formula is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def plan_rows(actions: list[Action]) -> list[list]:
    today = timezone.localdate()
    return [[a.establishment.name, a.establishment_id, a.title, a.get_theme_display(), a.get_priority_display(),
             a.owner, a.due_date, a.get_status_display(), "oui" if a.is_overdue(today) else "non",
             ", ".join(a.criteria or []), a.evidence_expected, a.evidence or (a.evidence_name or ""), a.done_at,
             a.exercise.title if a.exercise else ""] for a in actions]


def plan_workbook(actions: list[Action]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Plan d'amélioration"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="000091")
    overdue = PatternFill("solid", fgColor="FFE9E6")
    for row in plan_rows(actions):
        sheet.append([_safe(v) for v in row])
        if row[8] == "oui":
            for cell in sheet[sheet.max_row]:
                cell.fill = overdue
    for index, width in enumerate([30, 11, 50, 13, 10, 28, 12, 12, 10, 16, 40, 40, 12, 30], 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=2, min_col=7, max_col=7):
        for cell in row:
            cell.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plan_pdf(actions: list[Action]) -> bytes:
    from reportlab.lib import colors

    from core.printing import build_pdf, para, table

    rows = plan_rows(actions)
    now = timezone.localtime()
    story = [para("Plan d'amélioration", "title"),
             para(f"{len(rows)} action(s) · édité le {now:%d/%m/%Y à %H:%M}", "small"),
             table(["Établissement", "Action", "Thème", "Priorité", "Responsable", "Échéance", "État", "Preuve"],
                   [[r[0], r[2] + (f"\n{r[9]}" if r[9] else ""), r[3], r[4], r[5],
                     (f"{r[6]:%d/%m/%Y}" if r[6] else "—") + ("\nen retard" if r[8] == "oui" else ""), r[7], r[11]]
                    for r in rows] or [["—", "Aucune action.", "", "", "", "", "", ""]],
                   [40, 75, 20, 17, 35, 21, 18, 39],
                   highlight={i: colors.HexColor("#ffe9e6") for i, r in enumerate(rows) if r[8] == "oui"})]
    return build_pdf(story, title="Plan d'amélioration", footer=f"Plan d'amélioration — édité le {now:%d/%m/%Y}",
                     landscape_pages=True)
