"""The PCRA binder in PDF (ReportLab through core.printing): cover, table of contents with page numbers, one
degraded-mode sheet per page group (each starts a new page so the binder can be split by service), recovery
order with its timeline, gaps, crisis directory with blank lines to fill by hand, annexes. PDF bookmarks follow
the sections and sheets."""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from continuity.services import gantt
from continuity.services.document import Block, plan_document
from core.printing import (
    BLUE,
    GREEN,
    GREY,
    RED,
    KeepTogether,
    NumberedCanvas,
    Spacer,
    bullets,
    font_names,
    para,
    styles,
    table,
    text,
)

LEVEL_COLOURS = {0: "#ffffff", 1: "#e6f4ea", 2: "#fff4d6", 3: "#ffdcc2", 4: "#ffcdc8"}
ALERT_BG = colors.HexColor("#ffe9e6")
INFO_BG = colors.HexColor("#e8edff")


class _Binder(SimpleDocTemplate):
    """Records the page of each heading marked with `_toc` (for the table of contents) and adds it to the PDF
    outline (bookmarks)."""

    pages: dict[str, int]

    def afterFlowable(self, flowable):  # noqa: N802 - ReportLab's name
        entry = getattr(flowable, "_toc", None)
        if entry is None:
            return
        level, label, key = entry
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(label, key, level=level, closed=level > 0)
        self.pages[key] = self.page


TOC_LINE = 13.0
TOC_CHUNK = 52  # lines per block: a block never outgrows a page


class _Contents(Flowable):
    """A block of the table of contents in a single layout pass: it reserves one line per entry (the entries are
    known in advance) and draws a form XObject that the canvas defines at save time, once every page is known
    (ReportLab's TableOfContents needs a second pass over the whole document)."""

    def __init__(self, name: str, entries: list[tuple[int, str, str]]):
        super().__init__()
        self.name, self.entries = name, entries

    def wrap(self, available_width, available_height):
        self.width, self.height = available_width, TOC_LINE * len(self.entries)
        return self.width, self.height

    def draw(self):
        self.canv.doForm(self.name)
        for index, (_, _, key) in enumerate(self.entries):
            top = self.height - index * TOC_LINE
            self.canv.linkRect("", key, (0, top - TOC_LINE, self.width, top), relative=1, thickness=0)


def _draw_contents(canvas, blocks: list[_Contents], pages: dict[str, int]) -> None:
    regular, bold, _ = font_names()
    for block in blocks:
        canvas.beginForm(block.name)
        for index, (level, label, key) in enumerate(block.entries):
            font, size, indent = (bold, 10, 0) if level == 0 else (regular, 8.5, 12)
            y = block.height - (index + 1) * TOC_LINE + 3.5
            number = str(pages.get(key, "—"))
            room = block.width - indent - 30
            while stringWidth(label, font, size) > room and len(label) > 4:
                label = label[:-2].rstrip() + "…"
            canvas.setFont(font, size)
            canvas.setFillColor(BLUE if level == 0 else colors.black)
            canvas.drawString(indent, y, label)
            start = indent + stringWidth(label, font, size) + 4
            end = block.width - stringWidth(number, font, size) - 4
            canvas.setFont(regular, size)
            canvas.setFillColor(GREY)
            dots = " ." * max(0, int((end - start) / stringWidth(" .", regular, size)))
            canvas.drawRightString(end, y, dots)
            canvas.setFont(font, size)
            canvas.setFillColor(colors.black)
            canvas.drawRightString(block.width, y, number)
        canvas.endForm()


def _heading(label: str, key: str, style: str = "h1", level: int = 0) -> Paragraph:
    paragraph = Paragraph(text(label), styles()[style])
    paragraph._toc = (level, label, key)
    return paragraph


def _blocks(items: list[Block], empty: str = "À compléter.") -> list:
    story = []
    for block in items:
        if block.kind == "p":
            story.append(para(block.text))
        elif block.kind == "h":
            story.append(para(block.text, "h3"))
        else:
            story += bullets(list(block.items))
    return story or [para(empty, "italic")]


def _box(flowables: list, background, border) -> Table:
    box = Table([[flowables]], colWidths=[178 * mm])
    box.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), background), ("BOX", (0, 0), (-1, -1), 0.8, border),
                             ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                             ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
    return box


def _facts(rows: list[tuple[str, str]], widths=(52, 126)) -> Table:
    cell, bold = styles()["cell"], styles()["cell_bold"]
    facts = Table([[Paragraph(text(k), bold), Paragraph(text(v), cell)] for k, v in rows],
                  colWidths=[w * mm for w in widths])
    facts.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#cccccc")),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f8")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return facts


def _cover(ctx: dict) -> list:
    big = ParagraphStyle("cover", parent=styles()["title"], fontSize=26, leading=31, spaceAfter=14)
    return [
        Spacer(1, 30 * mm),
        Paragraph("Plan de continuité et de reprise d'activité (PCRA)", big),
        para(ctx["title"], "h2"),
        Spacer(1, 8 * mm),
        _facts([("Établissement", ctx["establishment"]), ("FINESS", ctx["finess"]), ("Périmètre", ctx["scope_kind"]),
                ("Version", ctx["version"]), ("Document généré le", ctx["generated_at_label"]),
                ("Prochaine revue", ctx["next_review"]), ("Responsable PCRA", ctx["lead"])]),
        Spacer(1, 12 * mm),
        _box([para(ctx["print_notice"], "h2"),
              para("Un exemplaire papier à jour est tenu dans la salle de crise, à l'administration de garde et dans "
                   "chaque service concerné par une fiche de mode dégradé. Ce plan est généré à partir du bilan "
                   "d'impact sur l'activité (BIA) : toute modification se fait dans la plateforme, puis le plan est "
                   "réimprimé.")], ALERT_BG, RED),
    ]


def _contents(ctx: dict) -> list[_Contents]:
    entries = []
    for section in ctx["sections"]:
        entries.append((0, f"{section['number']}. {section['title']}", section["anchor"]))
        if section["anchor"] == "modes-degrades":
            entries += [(1, f"Fiche {i} — {s['name']}", s["anchor"]) for i, s in enumerate(ctx["sheets"], 1)]
        if section["anchor"] == "annexes":
            entries += [(1, f"Annexe {a['letter']} — {a['title']}", a["anchor"]) for a in ctx["annexes"]]
    return [_Contents(f"pcra-sommaire-{n}", entries[start:start + TOC_CHUNK])
            for n, start in enumerate(range(0, len(entries), TOC_CHUNK))]


def _sheet(ctx: dict, index: int, sheet: dict) -> list:
    story = [PageBreak(),
             _heading(f"Fiche {index} — {sheet['name']}", sheet["anchor"], "h1", level=1),
             para(f"Mode dégradé · {sheet['category']} · criticité {sheet['criticality_label']}", "small"),
             _facts([("Processus", sheet["name"]), ("Catégorie", sheet["category"]), ("Responsable", sheet["owner"]),
                     ("Criticité", sheet["criticality_label"]),
                     ("DMIA / PDMA", f"{sheet['dmia']} / {sheet['pdma']}"),
                     ("Reprise estimée", sheet["resume"] + (f" (dernière ressource : {sheet['bottleneck']})"
                                                            if sheet["bottleneck"] else "")),
                     ("État du BIA", sheet["status"] + f" · mode dégradé éprouvé le : {sheet['tested_on']}")]),
             Spacer(1, 2 * mm)]
    alert = sheet["degraded_hours"] is None or sheet["degraded_hours"] > 0
    story.append(_box([para(sheet["hold"], "h3")], ALERT_BG if alert else colors.HexColor("#e6f4ea"),
                      RED if alert else GREEN))
    story.append(para("Ressources nécessaires", "h2"))
    story.append(table(["Ressource", "Nature", "Prête à"],
                       [[r["name"] + (" (dernière prête)" if r["bottleneck"] else ""), r["kind"], r["ready"]]
                        for r in sheet["resources"]] or [["Aucune ressource renseignée", "", ""]], [112, 36, 30]))
    for heading in sheet["headings"]:
        body = _blocks(heading["blocks"])
        story.append(KeepTogether([para(heading["label"], "h2"), *body[:2]]))
        story += body[2:]
    return story


def _chart(ctx: dict) -> list:
    chart = ctx["chart"]
    if chart.empty:
        return [para("Aucune ressource ordonnée : la frise ne peut pas être tracée.", "italic")]
    regular = font_names()[0]
    legend = " · ".join(f'<font color="{gantt.COLOURS[c]}">■</font> {label}' for c, label in gantt.LEGEND)
    story = [CondPageBreak(60 * mm), para("Frise de reprise", "h2"),
             para("Chaque barre va du début de remise en service (dépendances prêtes) à la disponibilité de la "
                  f"ressource ; couleur : criticité la plus haute servie. {legend}", "small", markup=True)]
    story += [gantt.drawing(piece, regular) for piece in chart.pieces(44)]
    return story


def _recovery(ctx: dict) -> list:
    story = [_heading("4. Plan de reprise, dans l'ordre", "reprise"),
             para(f"Ordre de remise en service des ressources : chacune après toutes ses dépendances, les ressources "
                  f"servant les processus les plus critiques d'abord. Délais en heures depuis le début de la reprise, "
                  f"chemin critique sans parallélisme (hypothèse prudente). Toutes les ressources ordonnées sont "
                  f"prêtes à {ctx['horizon']}.")]
    if ctx["cycles"] or ctx["blocked"]:
        warning = [para("Attention : dépendances circulaires", "h2")]
        warning += bullets([" → ".join([*cycle, cycle[0]]) for cycle in ctx["cycles"]])
        warning.append(para("Ressources sans délai calculable (prises dans un cycle ou dépendant d'un cycle) : "
                            + ", ".join(b["name"] for b in ctx["blocked"]) + ". Corrigez les dépendances dans le "
                            "BIA : tant qu'un cycle existe, l'ordre de reprise de ces ressources est indéterminé."))
        story.append(_box(warning, ALERT_BG, RED))
        story.append(Spacer(1, 3 * mm))
    story.append(table(["Rang", "Ressource", "Nature", "Début", "Prête", "Processus servis", "Le plus critique"],
                       [[s["rank"], s["name"], s["kind"], s["start"], s["ready"], ", ".join(s["serves"]) or "—",
                         s["top"]] for s in ctx["steps"]] or [["—", "Aucune ressource", "", "", "", "", ""]],
                       [10, 38, 22, 16, 17, 45, 30]))
    if ctx["blocked"]:
        story += [para("Ressources bloquées", "h2"),
                  table(["Ressource", "Nature", "Dépend de", "Dans un cycle"],
                        [[b["name"], b["kind"], ", ".join(b["depends_on"]) or "—", "oui" if b["in_cycle"] else "non"]
                         for b in ctx["blocked"]], [60, 25, 73, 20])]
    return story + _chart(ctx)


def _gaps(ctx: dict) -> list:
    story = [PageBreak(), _heading("5. Écarts entre besoins et capacités (DMIA, PDMA)", "ecarts"),
             _box([para(ctx["gap_explanation"])], INFO_BG, BLUE), Spacer(1, 2 * mm)]
    if not ctx["gap_groups"]:
        story.append(para("Aucun écart : les délais de reprise et les sauvegardes tiennent dans les DMIA et PDMA."))
    for group in ctx["gap_groups"]:
        story.append(KeepTogether([
            para(f"{group['name']} — DMIA {group['dmia']}, PDMA {group['pdma']}", "h3"),
            table(["Type", "Ressource", "Comparaison", "Exigé", "Capacité", "Excès"],
                  [[g["kind"], g["resource"], g["what"], g["required"], g["capability"], g["excess"]]
                   for g in group["gaps"]], [12, 50, 52, 18, 22, 24])]))
    return story


def _contacts(ctx: dict) -> list:
    cell = styles()["cell"]

    def value(v: str):
        return Paragraph(text(v), cell) if v else Paragraph("&nbsp;<br/>&nbsp;", cell)

    return [PageBreak(), _heading("6. Annuaire de crise", "contacts"),
            para("À vérifier à chaque revue du plan. Complétez à la main les cases vides et les lignes libres ; "
                 "reportez les corrections dans la plateforme."),
            table(["Fonction", "Nom", "Téléphone", "Secours", "Courriel"],
                  [[value(c["function"]), value(c["name"]), value(c["phone"]), value(c["backup_phone"]),
                    value(c["email"])] for c in ctx["contacts"]], [48, 36, 26, 26, 42], zebra=False)]


def _impacts(sheet: dict, labels: dict, horizons: list[str]) -> Table:
    rows = [[d["dimension"], *[f"{level} · {labels[level]}" for level in d["levels"]]] for d in sheet["impacts"]]
    result = table(["Dimension", *horizons], rows, [48, 26, 26, 26, 26, 26], zebra=False)
    result.setStyle(TableStyle([("BACKGROUND", (i + 1, r + 1), (i + 1, r + 1), colors.HexColor(LEVEL_COLOURS[lv]))
                                for r, d in enumerate(sheet["impacts"]) for i, lv in enumerate(d["levels"])]))
    return result


def _annexes(ctx: dict) -> list:
    annex = {a["anchor"]: f"Annexe {a['letter']} — {a['title']}" for a in ctx["annexes"]}
    coverage = ctx["coverage"]
    story = [PageBreak(), _heading("7. Annexes", "annexes"),
             _heading(annex["annexe-couverture"], "annexe-couverture", "h2", level=1),
             para(f"Part de l'activité couverte par un BIA validé : {coverage['covered']} %"
                  + (f" (objectif {coverage['target']} %)" if coverage["target"] else "")
                  + f" ; parts déclarées : {coverage['declared']} %."),
             table(["Exigence", "Atteinte", "Détail"],
                   [[r["label"], "oui" if r["met"] else "non", r["detail"]] for r in coverage["requirements"]],
                   [60, 16, 102], highlight={i: ALERT_BG for i, r in enumerate(coverage["requirements"])
                                             if not r["met"]})]
    if coverage["to_cover"]:
        story += [para("Processus restant à couvrir", "h3"),
                  table(["Processus", "Part de l'activité", "État du BIA"],
                        [[p["name"], f"{p['share']} %", p["status"]] for p in coverage["to_cover"]], [110, 34, 34])]
    story += [PageBreak(), _heading(annex["annexe-impacts"], "annexe-impacts", "h2", level=1),
              para("Conséquences d'une interruption totale du processus, sans mode dégradé, de 0 (nul) à 4 "
                   "(critique), selon la durée de l'interruption.", "small")]
    for sheet in ctx["sheets"]:
        story.append(KeepTogether([para(sheet["name"], "h3"),
                                   _impacts(sheet, ctx["impact_labels"], ctx["horizons"])]))
    story += [CondPageBreak(50 * mm), _heading(annex["annexe-versions"], "annexe-versions", "h2", level=1),
              table(["Version", "Publiée le", "Modifications"],
                    [[f"v{v['number']}", v["date"], v["note"]] for v in ctx["versions"]]
                    or [["—", "—", "Aucune version publiée : ce document est un projet."]], [18, 24, 136]),
              _heading(annex["annexe-retex"], "annexe-retex", "h2", level=1),
              table(["Section du plan", "Action", "État", "Échéance"],
                    [[link["section"], link["title"], link["status"], link["due"]] for link in ctx["links"]]
                    or [["—", "Aucune action de RETEX rattachée au plan.", "", ""]], [50, 80, 24, 24]),
              CondPageBreak(40 * mm), _heading(annex["annexe-lexique"], "annexe-lexique", "h2", level=1)]
    for term in ctx["lexicon"]:
        story.append(KeepTogether([para(term["term"], "h3"), para(term["definition"])]))
    return story


def build_plan_pdf(ctx: dict) -> bytes:
    contents = _contents(ctx)
    story = [*_cover(ctx), PageBreak(), para("Sommaire", "title"), *contents, PageBreak(),
             _heading("1. Organisation et chaîne d'alerte", "organisation"), *_blocks(ctx["alert"]),
             _heading("2. Critères d'activation et autorité", "activation"),
             para("Critères d'activation", "h2"), *_blocks(ctx["criteria"]),
             para("Qui peut activer le plan", "h2"), *_blocks(ctx["authority"]),
             CondPageBreak(80 * mm),
             _heading("3. Fiches de mode dégradé par processus", "modes-degrades"),
             para("Une fiche par processus, du plus critique au moins critique ; chaque fiche commence sur une "
                  "nouvelle page pour être remise au service concerné."),
             table(["N°", "Processus", "Criticité", "DMIA", "Reprise estimée", "Le mode dégradé doit tenir"],
                   [[i, s["name"], s["criticality_label"], s["dmia"], s["resume"], s["degraded"]]
                    for i, s in enumerate(ctx["sheets"], 1)] or [["—", "Aucun processus analysé", "", "", "", ""]],
                   [9, 69, 26, 18, 26, 30])]
    for index, sheet in enumerate(ctx["sheets"], 1):
        story += _sheet(ctx, index, sheet)
    story += [PageBreak(), *_recovery(ctx), *_gaps(ctx), *_contacts(ctx), *_annexes(ctx)]
    buffer = io.BytesIO()
    document = _Binder(buffer, pagesize=(210 * mm, 297 * mm), leftMargin=16 * mm, rightMargin=16 * mm,
                       topMargin=16 * mm, bottomMargin=18 * mm, title=f"PCRA — {ctx['title']}",
                       author="Plateforme CaRE", subject=ctx["establishment"], lang="fr-FR")
    footer = f"PCRA {ctx['establishment'][:60]} — {ctx['version']} — généré le {ctx['generated_on']}"
    document.pages = {}

    def save(canvas):
        _draw_contents(canvas, contents, document.pages)
        NumberedCanvas.save(canvas)

    canvas_class = type("Canvas", (NumberedCanvas,), {"footer": footer, "save": save})
    document.build(story, canvasmaker=canvas_class)
    return buffer.getvalue()


def render_pdf(project) -> bytes:
    return build_plan_pdf(plan_document(project))
