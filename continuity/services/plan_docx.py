"""The PCRA as an editable Word document (python-docx): the same sections as the PDF binder, with real headings
(Heading 1/2 styles, so Word builds its own table of contents and navigation pane) and real tables; the recovery
timeline is a PNG drawn with Pillow."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from continuity.services import gantt
from continuity.services.document import Block, plan_document

BLUE = RGBColor(0x00, 0x00, 0x91)
RED = RGBColor(0xCE, 0x05, 0x00)
LEVEL_FILLS = {0: "FFFFFF", 1: "E6F4EA", 2: "FFF4D6", 3: "FFDCC2", 4: "FFCDC8"}


def _shade(cell, fill: str) -> None:
    _shade_tc(cell._tc, fill)


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _table(document, header: list[str], rows: list[list], widths: list[float] | None = None,
           fills: dict[tuple[int, int], str] | None = None):
    """A real Word table (header repeated on each page, « Cellule » paragraph style). Rows are written as XML in
    one parse: python-docx's per-cell proxies cost seconds on a plan of several hundred rows."""
    table = document.add_table(rows=0, cols=len(header))
    table.style = document.styles["Table Grid"]
    table.autofit = False
    twips = [int(Cm(w).twips) for w in widths] if widths else [None] * len(header)
    if widths:
        for column, width in zip(table.columns, widths, strict=False):
            column.width = Cm(width)
    fills = fills or {}
    xml = [_row_xml(header, twips, header=True),
           *(_row_xml(values, twips, fills=[fills.get((r, c)) for c in range(len(values))])
             for r, values in enumerate(rows))]
    parsed = parse_xml(f'<w:tbl {nsdecls("w")}>{"".join(xml)}</w:tbl>')
    for tr in list(parsed):
        table._tbl.append(tr)
    document.add_paragraph()
    return table


def _row_xml(values: list, twips: list[int | None], header: bool = False, fills: list | None = None) -> str:
    cells = []
    for value, width, fill in zip(values, twips, fills or ["E3E3FD" if header else None] * len(values),
                                  strict=False):
        text = "" if value is None else str(value)
        runs = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in text.split("\n"))
        properties = (f'<w:tcW w:w="{width}" w:type="dxa"/>' if width else "") + (
            f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else "")
        cells.append(f"<w:tc><w:tcPr>{properties}</w:tcPr><w:p><w:pPr><w:pStyle w:val=\"Cellule\"/></w:pPr>"
                     f"<w:r>{'<w:rPr><w:b/></w:rPr>' if header else ''}{runs}</w:r></w:p></w:tc>")
    head = '<w:trPr><w:tblHeader w:val="true"/></w:trPr>' if header else ""
    return f"<w:tr>{head}{''.join(cells)}</w:tr>"


def _shade_tc(tc, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc.get_or_add_tcPr().append(shading)


def _para(document, value: str = "", style_id: str | None = None):
    """A paragraph with a style given by its id (a lookup by name walks every style of the document)."""
    paragraph = document.add_paragraph(value)
    if style_id:
        paragraph._p.style = style_id
    return paragraph


def _heading(document, value: str, level: int):
    return _para(document, value, "Title" if level == 0 else f"Heading{level}")


def _blocks(document, items: list[Block], empty: str = "À compléter.") -> None:
    if not items:
        document.add_paragraph(empty).runs[0].italic = True
    for block in items:
        if block.kind == "p":
            document.add_paragraph(block.text)
        elif block.kind == "h":
            document.add_paragraph().add_run(block.text).bold = True
        else:
            for item in block.items:
                _para(document, item, "ListBullet")


def _notice(document, value: str, colour: RGBColor = RED) -> None:
    run = document.add_paragraph().add_run(value)
    run.bold = True
    run.font.color.rgb = colour


def _facts(document, rows: list[tuple[str, str]]) -> None:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
        cells[0].paragraphs[0].runs[0].bold = True
        _shade(cells[0], "F0F0F8")
        cells[0].width, cells[1].width = Cm(5), Cm(12)
    document.add_paragraph()


def build_plan_docx(ctx: dict) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Arial", Pt(10)
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin = section.bottom_margin = Cm(1.8)
        footer = section.footer.paragraphs[0]
        footer.text = f"PCRA {ctx['establishment']} — {ctx['version']} — généré le {ctx['generated_on']}"
        footer.runs[0].font.size = Pt(8)
    document.core_properties.title = f"PCRA — {ctx['title']}"
    document.core_properties.subject = ctx["establishment"]
    document.core_properties.author = "Plateforme CaRE"
    document.core_properties.language = "fr-FR"
    cell_style = document.styles.add_style("Cellule", WD_STYLE_TYPE.PARAGRAPH)
    cell_style.base_style = document.styles["Normal"]
    cell_style.font.size = Pt(8.5)
    cell_style.paragraph_format.space_after = Pt(0)
    cell_style.paragraph_format.space_before = Pt(0)

    # cover
    title = _heading(document, "Plan de continuité et de reprise d'activité (PCRA)", 0)
    title.runs[0].font.color.rgb = BLUE
    document.add_paragraph(ctx["title"]).runs[0].bold = True
    _facts(document, [("Établissement", ctx["establishment"]), ("FINESS", ctx["finess"]),
                      ("Périmètre", ctx["scope_kind"]), ("Version", ctx["version"]),
                      ("Document généré le", ctx["generated_at_label"]), ("Prochaine revue", ctx["next_review"]),
                      ("Responsable PCRA", ctx["lead"])])
    _notice(document, ctx["print_notice"])
    document.add_paragraph("Un exemplaire papier à jour est tenu dans la salle de crise, à l'administration de garde "
                           "et dans chaque service concerné par une fiche de mode dégradé.")
    document.add_page_break()

    # contents (static list: readable without updating fields; Word's navigation pane uses the headings)
    _heading(document, "Sommaire", 1)
    for section in ctx["sections"]:
        _para(document, f"{section['number']}. {section['title']}", "ListNumber")
        if section["anchor"] == "modes-degrades":
            for index, sheet in enumerate(ctx["sheets"], 1):
                _para(document, f"Fiche {index} — {sheet['name']}", "ListBullet2")
        if section["anchor"] == "annexes":
            for annex in ctx["annexes"]:
                _para(document, f"Annexe {annex['letter']} — {annex['title']}", "ListBullet2")
    document.add_page_break()

    _heading(document, "1. Organisation et chaîne d'alerte", 1)
    _blocks(document, ctx["alert"])
    _heading(document, "2. Critères d'activation et autorité", 1)
    _heading(document, "Critères d'activation", 2)
    _blocks(document, ctx["criteria"])
    _heading(document, "Qui peut activer le plan", 2)
    _blocks(document, ctx["authority"])

    _heading(document, "3. Fiches de mode dégradé par processus", 1)
    document.add_paragraph("Une fiche par processus, du plus critique au moins critique ; chaque fiche commence sur "
                           "une nouvelle page pour être remise au service concerné.")
    _table(document, ["N°", "Processus", "Criticité", "DMIA", "Reprise estimée", "Le mode dégradé doit tenir"],
           [[i, s["name"], s["criticality_label"], s["dmia"], s["resume"], s["degraded"]]
            for i, s in enumerate(ctx["sheets"], 1)], [1, 6.5, 2.5, 2, 2.5, 2.5])
    for index, sheet in enumerate(ctx["sheets"], 1):
        heading = _heading(document, f"Fiche {index} — {sheet['name']}", 2)
        heading.paragraph_format.page_break_before = True
        _facts(document, [("Processus", sheet["name"]), ("Catégorie", sheet["category"]),
                          ("Responsable", sheet["owner"]), ("Criticité", sheet["criticality_label"]),
                          ("DMIA / PDMA", f"{sheet['dmia']} / {sheet['pdma']}"),
                          ("Reprise estimée", sheet["resume"] + (f" (dernière ressource : {sheet['bottleneck']})"
                                                                 if sheet["bottleneck"] else "")),
                          ("État du BIA", f"{sheet['status']} · mode dégradé éprouvé le : {sheet['tested_on']}")])
        alert = sheet["degraded_hours"] is None or sheet["degraded_hours"] > 0
        _notice(document, sheet["hold"], RED if alert else RGBColor(0x18, 0x75, 0x3C))
        _heading(document, "Ressources nécessaires", 3)
        _table(document, ["Ressource", "Nature", "Prête à"],
               [[r["name"] + (" (dernière prête)" if r["bottleneck"] else ""), r["kind"], r["ready"]]
                for r in sheet["resources"]], [10, 3.5, 3.5])
        for block in sheet["headings"]:
            _heading(document, block["label"], 3)
            _blocks(document, block["blocks"])

    heading = _heading(document, "4. Plan de reprise, dans l'ordre", 1)
    heading.paragraph_format.page_break_before = True
    document.add_paragraph("Ordre de remise en service des ressources : chacune après toutes ses dépendances, les "
                           "ressources servant les processus les plus critiques d'abord. Délais en heures depuis le "
                           "début de la reprise, chemin critique sans parallélisme (hypothèse prudente). Toutes les "
                           f"ressources ordonnées sont prêtes à {ctx['horizon']}.")
    if ctx["cycles"] or ctx["blocked"]:
        _notice(document, "Attention : dépendances circulaires")
        for cycle in ctx["cycles"]:
            _para(document, " → ".join([*cycle, cycle[0]]), "ListBullet")
        _notice(document, "Ressources sans délai calculable (prises dans un cycle ou dépendant d'un cycle) : "
                + ", ".join(b["name"] for b in ctx["blocked"]) + ". Corrigez les dépendances dans le BIA.")
    _table(document, ["Rang", "Ressource", "Nature", "Début", "Prête", "Processus servis", "Le plus critique"],
           [[s["rank"], s["name"], s["kind"], s["start"], s["ready"], ", ".join(s["serves"]) or "—", s["top"]]
            for s in ctx["steps"]], [1.1, 3.6, 2, 1.6, 1.8, 4.4, 3])
    if ctx["blocked"]:
        _heading(document, "Ressources bloquées", 2)
        _table(document, ["Ressource", "Nature", "Dépend de", "Dans un cycle"],
               [[b["name"], b["kind"], ", ".join(b["depends_on"]) or "—", "oui" if b["in_cycle"] else "non"]
                for b in ctx["blocked"]], [5, 2.5, 7.5, 2])
    _heading(document, "Frise de reprise", 2)
    chart = ctx["chart"]
    if chart.empty:
        document.add_paragraph("Aucune ressource ordonnée : la frise ne peut pas être tracée.")
    else:
        document.add_paragraph("Chaque barre va du début de remise en service à la disponibilité de la ressource ; "
                               "couleur : criticité la plus haute servie (rouge vitale, orange majeure, bleu "
                               "modérée, violet faible, gris aucun processus).")
        for piece in chart.pieces(44):
            document.add_picture(io.BytesIO(gantt.png(piece)), width=Cm(17))

    _heading(document, "5. Écarts entre besoins et capacités (DMIA, PDMA)", 1)
    document.add_paragraph(ctx["gap_explanation"])
    if not ctx["gap_groups"]:
        document.add_paragraph("Aucun écart : les délais de reprise et les sauvegardes tiennent dans les DMIA et PDMA.")
    for group in ctx["gap_groups"]:
        _heading(document, f"{group['name']} — DMIA {group['dmia']}, PDMA {group['pdma']}", 2)
        _table(document, ["Type", "Ressource", "Comparaison", "Exigé", "Capacité", "Excès"],
               [[g["kind"], g["resource"], g["what"], g["required"], g["capability"], g["excess"]]
                for g in group["gaps"]], [1.3, 4.5, 4.5, 2, 2.3, 2.4])

    heading = _heading(document, "6. Annuaire de crise", 1)
    heading.paragraph_format.page_break_before = True
    document.add_paragraph("À vérifier à chaque revue du plan. Complétez à la main les cases vides et les lignes "
                           "libres ; reportez les corrections dans la plateforme.")
    contacts = _table(document, ["Fonction", "Nom", "Téléphone", "Secours", "Courriel"],
                      [[c["function"], c["name"], c["phone"], c["backup_phone"], c["email"]]
                       for c in ctx["contacts"]], [4.5, 3.5, 2.8, 2.8, 3.8])
    for row in contacts.rows[1:]:
        row.height = Cm(0.9)

    _heading(document, "7. Annexes", 1)
    annex = {a["anchor"]: f"Annexe {a['letter']} — {a['title']}" for a in ctx["annexes"]}
    coverage = ctx["coverage"]
    _heading(document, annex["annexe-couverture"], 2)
    document.add_paragraph(f"Part de l'activité couverte par un BIA validé : {coverage['covered']} %"
                           + (f" (objectif {coverage['target']} %)" if coverage["target"] else "")
                           + f" ; parts déclarées : {coverage['declared']} %.")
    _table(document, ["Exigence", "Atteinte", "Détail"],
           [[r["label"], "oui" if r["met"] else "non", r["detail"]] for r in coverage["requirements"]], [5.5, 1.5, 10])
    if coverage["to_cover"]:
        _heading(document, "Processus restant à couvrir", 3)
        _table(document, ["Processus", "Part de l'activité", "État du BIA"],
               [[p["name"], f"{p['share']} %", p["status"]] for p in coverage["to_cover"]], [10, 3.5, 3.5])
    _heading(document, annex["annexe-impacts"], 2)
    document.add_paragraph("Conséquences d'une interruption totale du processus, sans mode dégradé, de 0 (nul) à 4 "
                           "(critique), selon la durée de l'interruption.")
    labels = ctx["impact_labels"]
    for sheet in ctx["sheets"]:
        _heading(document, sheet["name"], 3)
        _table(document, ["Dimension", *ctx["horizons"]],
               [[d["dimension"], *[f"{level} · {labels[level]}" for level in d["levels"]]] for d in sheet["impacts"]],
               [4.5, 2.5, 2.5, 2.5, 2.5, 2.5],
               fills={(r, c): LEVEL_FILLS[level] for r, d in enumerate(sheet["impacts"])
                      for c, level in enumerate(d["levels"], 1)})
    _heading(document, annex["annexe-versions"], 2)
    _table(document, ["Version", "Publiée le", "Modifications"],
           [[f"v{v['number']}", v["date"], v["note"]] for v in ctx["versions"]]
           or [["—", "—", "Aucune version publiée : ce document est un projet."]], [2, 2.5, 12.5])
    _heading(document, annex["annexe-retex"], 2)
    _table(document, ["Section du plan", "Action", "État", "Échéance"],
           [[link["section"], link["title"], link["status"], link["due"]] for link in ctx["links"]]
           or [["—", "Aucune action de RETEX rattachée au plan.", "", ""]], [5, 7.5, 2.2, 2.3])
    _heading(document, annex["annexe-lexique"], 2)
    for term in ctx["lexicon"]:
        paragraph = document.add_paragraph()
        paragraph.add_run(term["term"]).bold = True
        paragraph.add_run(" — " + term["definition"])

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_docx(project) -> bytes:
    return build_plan_docx(plan_document(project))
