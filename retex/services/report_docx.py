"""The RETEX report as an editable Word document (python-docx): same sections and content as the PDF."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Cm, Pt, RGBColor

from retex.services.charts import objectives_png

BLUE = RGBColor(0x00, 0x00, 0x91)


def _table(document, header: list[str], rows: list[list[str]], widths: list[float] | None = None) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = "" if text is None else str(text)
    if widths:
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=False):
                cell.width = Cm(width)


def _minutes(value) -> str:
    return "—" if value is None else f"{value:g} min".replace(".", ",")


def build_docx(ctx: dict) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Arial", Pt(10)
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin = section.bottom_margin = Cm(1.8)

    exercise, establishment = ctx["exercise"], ctx["establishment"]
    title = document.add_heading("Retour d'expérience (RETEX)", level=0)
    title.runs[0].font.color.rgb = BLUE
    document.add_paragraph(f"{exercise.title} — {establishment.name} (FINESS {establishment.pk})")
    status = "validé" if ctx["retex"].is_validated else "projet non validé"
    document.add_paragraph(f"Kit : {ctx['kit'].title} · niveau {ctx['kit'].get_level_display().lower()} · "
                           f"rapport {status}, édité le {ctx['generated_at']:%d/%m/%Y à %H:%M}")

    document.add_heading("1. Contexte et objectifs", level=1)
    for paragraph in ctx["paragraphs"]["context"] or ["—"]:
        document.add_paragraph(paragraph)

    document.add_heading("2. Participants", level=1)
    document.add_paragraph(" · ".join(f"{label} : {count}" for label, count in ctx["role_counts"]))
    _table(document, ["Nom", "Rôle", "Fonction en cellule"],
           [[m["name"], m["role"], m["cell_role"]] for m in ctx["members"]], [6, 5, 6])

    document.add_heading("3. Jalons et délais de réaction", level=1)
    _table(document, ["Jalon", "Atteint à", "Délai", "Cible", "Appréciation"],
           [[m["label"], m["at"] if m["reached"] else "non atteint", _minutes(m["minutes"]),
             _minutes(m["target"]), ("dans la cible" if m["on_time"] else "hors cible") if m["reached"] else "—"]
            for m in ctx["milestones"]], [6, 2.5, 2, 2, 3])

    document.add_heading("4. Chronologie des stimuli et réactions de la cellule", level=1)
    _table(document, ["Heure", "Stimulus", "Canal", "Lu après", "Accusé après", "Réponse après"],
           [[t["at"], f"{t['code']} — {t['title']}", t["channel"], _minutes(t["read_after"]),
             _minutes(t["ack_after"]), _minutes(t["reply_after"])] for t in ctx["timeline"]],
           [1.8, 7.5, 2.5, 1.8, 1.8, 1.8])

    document.add_heading("5. Main courante de la cellule", level=1)
    _table(document, ["Heure", "Type", "Inscription", "Responsable / motif"],
           [[e["at"], e["kind"], e["text"], " — ".join(x for x in (e["owner"], e["rationale"], e["status"]) if x)]
            for e in ctx["log"]], [1.8, 2, 9, 4])

    document.add_heading("6. Évaluation par objectif et critère", level=1)
    document.add_picture(io.BytesIO(objectives_png(ctx["objectives"])), width=Cm(16))
    for objective in ctx["objectives"]:
        percent = "non observé" if objective["percent"] is None else f"{objective['percent']} %"
        document.add_heading(f"{objective['title']} — {percent}", level=2)
        rows = []
        for criterion in (c for c in ctx["criteria"] if c["objective"] == objective["title"]):
            observers = ", ".join(f"{name} : {value}" for name, value in criterion["observers"]) or "—"
            rows.append([f"{criterion['id']} — {criterion['title']}", criterion["label"],
                         "—" if criterion["expected"] is None else str(criterion["expected"]),
                         observers + (" (écart)" if criterion["disagreement"] else ""), criterion["comment"]])
        _table(document, ["Critère", "Note retenue", "Attendu", "Observateurs", "Commentaire"], rows,
               [5.5, 2.5, 1.5, 4, 3.5])

    document.add_heading("7. Points forts", level=1)
    for paragraph in ctx["paragraphs"]["strengths"] or ["—"]:
        document.add_paragraph(paragraph, style="List Bullet")
    document.add_heading("8. Axes d'amélioration", level=1)
    for paragraph in ctx["paragraphs"]["improvements"] or ["—"]:
        document.add_paragraph(paragraph, style="List Bullet")

    document.add_heading("9. Préconisations", level=1)
    for index, rec in enumerate(ctx["recommendations"], 1):
        document.add_heading(f"{index}. {rec['title']}", level=3)
        meta = f"Priorité {rec['priority'].lower()} · {rec['theme']}"
        if rec["criterion"]:
            meta += f" · critère {rec['criterion']}"
        document.add_paragraph(meta).runs[0].italic = True
        document.add_paragraph(rec["text"])
        if rec["owner"] or rec["evidence"]:
            document.add_paragraph(f"Porteur suggéré : {rec['owner'] or '—'} · échéance conseillée : "
                                   f"{rec['delay']} jours · preuve attendue : {rec['evidence'] or '—'}")
    if not ctx["recommendations"]:
        document.add_paragraph("Aucune préconisation retenue.")

    document.add_heading("Annexe — RETEX à chaud", level=1)
    for row in ctx["debrief"]:
        document.add_heading(row["question"]["label"], level=3)
        if row["question"]["kind"] == "scale":
            average = "—" if row["average"] is None else f"{row['average']:g}".replace(".", ",")
            document.add_paragraph(f"Moyenne {average} sur {row['question']['scale']['max']} "
                                   f"({row['count']} réponse(s))")
        else:
            for role, answer in row["answers"]:
                document.add_paragraph(f"{answer} ({role})", style="List Bullet")
            if not row["answers"]:
                document.add_paragraph("Aucune réponse.")

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
