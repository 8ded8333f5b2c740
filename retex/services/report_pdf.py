"""The RETEX report in PDF, built with core.printing (ReportLab) from the same context as the DOCX."""

from __future__ import annotations

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from core.printing import GREEN, LIGHT, ORANGE, RED, KeepTogether, Spacer, build_pdf, bullets, para, table


def _minutes(value) -> str:
    return "—" if value is None else f"{value:g}".replace(".", ",")


def objectives_chart(objectives: list[dict], width_mm: float = 178) -> Drawing:
    from core.printing import font_names

    regular = font_names()[0]
    row, label_w = 8 * mm, 70 * mm
    width = width_mm * mm
    bar_w = width - label_w - 16 * mm
    height = row * len(objectives) + 8 * mm
    drawing = Drawing(width, height)
    for i, objective in enumerate(objectives):
        y = height - (i + 1) * row
        percent = objective["percent"]
        colour = colors.grey if percent is None else GREEN if percent >= 80 else ORANGE if percent >= 50 else RED
        title = objective["title"] if len(objective["title"]) <= 48 else objective["title"][:47] + "…"
        drawing.add(String(0, y + 2.2 * mm, title, fontName=regular, fontSize=7.5))
        drawing.add(Rect(label_w, y + 1 * mm, bar_w, 5 * mm, fillColor=LIGHT, strokeColor=None))
        drawing.add(Rect(label_w, y + 1 * mm, bar_w * (percent or 0) / 100, 5 * mm, fillColor=colour,
                         strokeColor=None))
        drawing.add(String(label_w + bar_w + 2 * mm, y + 2.2 * mm, "n. o." if percent is None else f"{percent} %",
                           fontName=regular, fontSize=7.5))
    for tick in (0, 50, 100):
        x = label_w + bar_w * tick / 100
        drawing.add(Line(x, 5 * mm, x, 6.5 * mm, strokeColor=colors.grey))
        drawing.add(String(x - 3 * mm, 1.5 * mm, f"{tick} %", fontName=regular, fontSize=6.5))
    return drawing


def build_report_pdf(ctx: dict) -> bytes:
    exercise, establishment, retex, kit = ctx["exercise"], ctx["establishment"], ctx["retex"], ctx["kit"]
    status = (f"RETEX validé le {retex.validated_at:%d/%m/%Y}" if retex.is_validated and retex.validated_at
              else "projet non validé")
    story = [
        para("Retour d'expérience (RETEX)", "title"),
        para(f"{exercise.title}", "h2"),
        para(f"{establishment.name} — FINESS {establishment.pk}"),
        para(f"Kit « {kit.title} », niveau {kit.get_level_display().lower()} · exercice du "
             f"{exercise.scheduled_start:%d/%m/%Y} · {status} · édité le {ctx['generated_at']:%d/%m/%Y à %H:%M}",
             "small"),
        para("1. Contexte et objectifs", "h1"),
        *[para(p) for p in ctx["paragraphs"]["context"] or ["—"]],
        para("2. Participants", "h1"),
        para(" · ".join(f"{label} : {count}" for label, count in ctx["role_counts"])),
        table(["Nom", "Rôle", "Fonction en cellule"], [[m["name"], m["role"], m["cell_role"]] for m in ctx["members"]],
              [65, 55, 58]),
        para("3. Jalons et délais de réaction", "h1"),
        table(["Jalon", "Atteint à", "Délai (min)", "Cible (min)", "Appréciation"],
              [[m["label"], m["at"] if m["reached"] else "non atteint", _minutes(m["minutes"]),
                _minutes(m["target"]), ("dans la cible" if m["on_time"] else "hors cible") if m["reached"] else "—"]
               for m in ctx["milestones"]], [72, 24, 22, 22, 38],
              highlight={i: colors.HexColor("#ffe9e6") for i, m in enumerate(ctx["milestones"])
                         if m["reached"] and not m["on_time"]}),
        para("4. Chronologie des stimuli et réactions de la cellule", "h1"),
        para("Délais en minutes d'exercice après l'envoi : première lecture, accusé de réception, première réponse.",
             "small"),
        table(["Heure", "Stimulus", "Canal", "Lu", "Accusé", "Réponse", "Obs."],
              [[f"{t['at']}\n{t['story_time']}", f"{t['code']} — {t['title']}"
                + (" (en retard)" if t["late"] else "") + f"\n{t['sender']}", t["channel"],
                _minutes(t["read_after"]), _minutes(t["ack_after"]), _minutes(t["reply_after"]), t["observations"]]
               for t in ctx["timeline"]], [18, 82, 24, 13, 14, 15, 12]),
        para("5. Main courante de la cellule", "h1"),
        table(["Heure", "Type", "Inscription", "Responsable, motif, état"],
              [[e["at"], e["kind"], f"{e['text']}\n{e['author']}",
                "\n".join(x for x in (e["owner"], e["rationale"], e["status"]) if x)] for e in ctx["log"]]
              or [["—", "", "La main courante est vide.", ""]], [16, 18, 100, 44]),
        para("6. Évaluation par objectif et critère", "h1"),
        objectives_chart(ctx["objectives"]),
    ]
    for objective in ctx["objectives"]:
        percent = "non observé" if objective["percent"] is None else f"{objective['percent']} %"
        rows, marks = [], {}
        for criterion in (c for c in ctx["criteria"] if c["objective"] == objective["title"]):
            observers = ", ".join(f"{name} : {value}" for name, value in criterion["observers"]) or "—"
            if criterion["below"]:
                marks[len(rows)] = colors.HexColor("#ffe9e6")
            rows.append([f"{criterion['id']} — {criterion['title']}",
                         f"{criterion['value'] or '—'} · {criterion['label']}",
                         "—" if criterion["expected"] is None else criterion["expected"],
                         observers + (" (écart)" if criterion["disagreement"] else ""), criterion["comment"]])
        story += [para(f"{objective['title']} — {percent}", "h2"),
                  table(["Critère", "Retenu", "Attendu", "Observateurs", "Commentaire"], rows, [62, 32, 14, 36, 34],
                        zebra=False, highlight=marks)]
    story += [para("7. Points forts", "h1"), *bullets(ctx["paragraphs"]["strengths"]),
              para("8. Axes d'amélioration", "h1"), *bullets(ctx["paragraphs"]["improvements"]),
              para("9. Préconisations", "h1")]
    for index, rec in enumerate(ctx["recommendations"], 1):
        meta = f"Priorité {rec['priority'].lower()} · {rec['theme']}" + (
            f" · critère {rec['criterion']}" if rec["criterion"] else "")
        block = [para(f"{index}. {rec['title']}", "h3"), para(meta, "small"), para(rec["text"])]
        if rec["owner"] or rec["evidence"]:
            block.append(para(f"Porteur suggéré : {rec['owner'] or '—'} · échéance conseillée : {rec['delay']} jours "
                              f"· preuve attendue : {rec['evidence'] or '—'}", "small"))
        story.append(KeepTogether(block))
    if not ctx["recommendations"]:
        story.append(para("Aucune préconisation retenue."))
    story.append(para("Annexe — RETEX à chaud", "h1"))
    for row in ctx["debrief"]:
        story.append(para(row["question"]["label"], "h3"))
        if row["question"]["kind"] == "scale":
            average = "—" if row["average"] is None else f"{row['average']:g}".replace(".", ",")
            story.append(para(f"Moyenne {average} sur {row['question']['scale']['max']} ({row['count']} réponse(s))"))
        else:
            story += bullets([f"{answer} ({role})" for role, answer in row["answers"]] or ["Aucune réponse."])
    story.append(Spacer(1, 4 * mm))
    footer = f"RETEX {establishment.name[:50]} — {'validé' if retex.is_validated else 'projet'}"
    return build_pdf(story, title=f"RETEX — {exercise.title}", footer=footer)
