"""The PCRA document (plan de continuité et de reprise d'activité) generated from the BIA: one context shared by
the printable binder (PDF), the editable Word file (DOCX) and the self-contained offline HTML page.

`plan_document(project)` costs a bounded number of queries whatever the number of processes and resources: the
analysis (four queries), the establishment, contacts, versions, RETEX actions linked to sections, and the content
files (lexicon, plan template), cached per process."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

from continuity.models import (
    DIMENSION_LABELS,
    DIMENSIONS,
    HORIZON_LABELS,
    HORIZONS,
    IMPACT_LABELS,
    ProcessCategory,
    Project,
    ResourceKind,
)
from continuity.services import content
from continuity.services.bia import analyse
from continuity.services.gantt import Chart, layout

CRITICALITY_LABELS = {1: "faible", 2: "modérée", 3: "majeure", 4: "vitale"}
DEGRADED_HEADINGS = (("who", "Qui", "degraded_who"), ("when", "Quand", "degraded_when"),
                     ("what", "Quoi", "degraded_what"), ("where", "Où", "degraded_where"),
                     ("how", "Comment", "degraded_how"),
                     ("return", "Retour à la normale et ressaisie", "degraded_return"))
SECTIONS = (("organisation", "Organisation et chaîne d'alerte"),
            ("activation", "Critères d'activation et autorité"),
            ("modes-degrades", "Fiches de mode dégradé par processus"),
            ("reprise", "Plan de reprise, dans l'ordre"),
            ("ecarts", "Écarts entre besoins et capacités (DMIA, PDMA)"),
            ("contacts", "Annuaire de crise"),
            ("annexes", "Annexes"))
ANNEXES = (("annexe-couverture", "Couverture de l'activité"),
           ("annexe-impacts", "Matrice des impacts par processus"),
           ("annexe-versions", "Historique des versions"),
           ("annexe-retex", "Actions de RETEX rattachées au plan"),
           ("annexe-lexique", "Lexique"))
GAP_EXPLANATION = ("Un écart DMIA signifie que les ressources ne seront pas remises en service dans la durée "
                   "d'interruption que le processus tolère : l'excès d'heures est la durée pendant laquelle le mode "
                   "dégradé doit tenir, au-delà de la DMIA. Un écart PDMA signifie que la dernière sauvegarde "
                   "exploitable est plus ancienne que la perte de données admissible : les données de l'intervalle "
                   "devront être reconstituées (dossiers papier, ressaisie).")
PRINT_NOTICE = "Document à imprimer et à conserver hors du système d'information"
MIN_CONTACT_ROWS = 12  # printed directory: blank rows to fill by hand


# --- formatting ---------------------------------------------------------------------------------

def number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{round(value, 1):g}".replace(".", ",")


def hours(value: float | None) -> str:
    """« 6 h », « 1,5 h », « 72 h (3 j) »; « — » when unknown (blocked by a cycle)."""
    if value is None:
        return "—"
    text = f"{number(value)} h"
    if value >= 48:
        text += f" ({number(value / 24)} j)"
    return text


def date_fr(value: dt.date | dt.datetime | None) -> str:
    return "—" if value is None else value.strftime("%d/%m/%Y")


# --- free texts: paragraphs, « - » bullets, a few Markdown-ish lines -----------------------------

@dataclass(frozen=True)
class Block:
    kind: str  # "p" | "ul" | "h"
    text: str = ""
    items: tuple[str, ...] = ()


_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")


def _clean(line: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), line).strip()


def blocks(value: str | None) -> list[Block]:
    """Paragraphs (separated by blank lines; wrapped lines joined), bullet lists (« - », « * », « 1. »; indented
    lines continue the previous item) and headings (« # … »); emphasis markers removed."""
    result: list[Block] = []
    paragraph: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            result.append(Block("p", " ".join(paragraph)))
            paragraph.clear()
        if items:
            result.append(Block("ul", items=tuple(items)))
            items.clear()

    for raw in (value or "").replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            flush()
        elif _HEADING.match(line):
            flush()
            result.append(Block("h", _clean(_HEADING.sub("", line))))
        elif _BULLET.match(line):
            if paragraph:
                result.append(Block("p", " ".join(paragraph)))
                paragraph.clear()
            items.append(_clean(_BULLET.sub("", line)))
        elif items:
            if raw[:1].isspace():
                items[-1] = f"{items[-1]} {_clean(line)}"
            else:
                result.append(Block("ul", items=tuple(items)))
                items.clear()
                paragraph.append(_clean(line))
        else:
            paragraph.append(_clean(line))
    flush()
    return result


# --- the context ----------------------------------------------------------------------------------

def _anchor(code: str) -> str:
    return "processus-" + re.sub(r"[^a-z0-9-]", "-", code.lower())


def plan_document(project: Project) -> dict:
    """Everything the three formats print, computed once (bounded number of queries)."""
    analysis = analyse(project)
    plan, names = analysis.plan, analysis.names
    establishment = project.establishment
    contacts = list(project.contacts.all())
    versions = list(project.versions.only("number", "note", "published_at", "project_id").order_by("-number"))
    links = list(project.section_links.select_related("action").order_by("section", "pk"))
    lexicon = content.current("lexique")
    template_sections = {s["id"]: s["title"] for s in content.current("trame")["sections"]}
    resources = {r.code: r for r in analysis.resources}
    processes = {p.code: p for p in analysis.processes}
    kinds = dict(ResourceKind.choices)
    categories = dict(ProcessCategory.choices)
    ready = plan.ready_hours

    steps = []
    for step in plan.steps:
        top = processes.get(step.serves[0]) if step.serves else None
        steps.append({
            "rank": step.rank, "code": step.code, "name": step.name,
            "kind": kinds.get(resources[step.code].kind, resources[step.code].kind),
            "start": hours(step.start_hours), "ready": hours(step.ready_hours),
            "start_hours": step.start_hours, "ready_hours": step.ready_hours,
            "own": hours(float(resources[step.code].restore_hours)),
            "serves": [names.get(c, c) for c in step.serves],
            "top": (f"{top.name} (criticité {top.criticality})" if top else "aucun processus"),
            "max_criticality": step.max_criticality,
        })
    cycles = [[names.get(c, c) for c in cycle] for cycle in plan.cycles]
    in_cycle = {c for cycle in plan.cycles for c in cycle}
    blocked = [{"name": names.get(c, c), "kind": kinds.get(resources[c].kind, ""),
                "in_cycle": c in in_cycle,
                "depends_on": [names.get(d, d) for d in resources[c].dependency_codes]} for c in plan.blocked]

    gaps_by_process: dict[str, list] = {}
    for gap in analysis.gaps:
        gaps_by_process.setdefault(gap.process, []).append(gap)

    def gap_row(gap) -> dict:
        resource = names.get(gap.resource, gap.resource) if gap.resource else "—"
        if gap.kind == "dmia":
            what = ("Reprise cumulée (avec les dépendances)" if gap.cumulative
                    else "Remise en service propre de la ressource")
            if gap.cumulative and gap.capability_hours is None:
                what = "Reprise impossible à calculer (dépendance circulaire)"
        else:
            what = ("Aucune sauvegarde exploitable connue" if gap.capability_hours is None
                    else "Intervalle entre sauvegardes exploitables")
        excess = gap.excess_hours
        return {"kind": gap.kind.upper(), "resource": resource, "what": what,
                "required": hours(gap.required_hours), "capability": hours(gap.capability_hours),
                "excess": "indéterminé" if excess is None else f"+ {hours(excess)}", "cumulative": gap.cumulative}

    sheets = []
    for process in analysis.processes:
        resumption = plan.resumptions.get(process.code)
        resume = resumption.resume_hours if resumption else None
        degraded = resumption.degraded_hours if resumption else None
        if resumption is not None and resume is None:
            hold = ("Reprise impossible à estimer : une ressource nécessaire est prise dans une dépendance "
                    "circulaire. Le mode dégradé doit tenir jusqu'à nouvel ordre de la cellule de crise.")
        elif degraded:
            hold = (f"Le mode dégradé doit tenir {hours(degraded)} au-delà de la DMIA : reprise estimée à "
                    f"{hours(resume)}.")
        else:
            hold = "La reprise estimée tient dans la DMIA : le mode dégradé couvre l'interruption jusqu'à la reprise."
        needed = [{"name": names.get(c, c), "kind": kinds.get(resources[c].kind, ""), "ready": hours(ready.get(c)),
                   "bottleneck": resumption is not None and c == resumption.bottleneck}
                  for c in sorted(process.dependency_codes, key=lambda c: (-(ready.get(c) or 1e9), names.get(c, c)))]
        sheets.append({
            "code": process.code, "anchor": _anchor(process.code), "name": process.name,
            "category": categories.get(process.category, process.category), "owner": process.owner_role or "—",
            "criticality": process.criticality,
            "criticality_label": f"{process.criticality} — {CRITICALITY_LABELS.get(process.criticality, '')}",
            "dmia": hours(process.dmia_hours), "pdma": hours(process.pdma_hours),
            "resume": hours(resume), "degraded": hours(degraded), "degraded_hours": degraded, "hold": hold,
            "bottleneck": names.get(resumption.bottleneck, "") if resumption and resumption.bottleneck else "",
            "resources": needed, "share": number(process.activity_share),
            "status": process.get_bia_status_display(), "tested_on": date_fr(process.tested_on),
            "headings": [{"key": key, "label": label, "blocks": blocks(getattr(process, attr))}
                         for key, label, attr in DEGRADED_HEADINGS],
            "gaps": [gap_row(g) for g in gaps_by_process.get(process.code, [])],
            "impacts": [{"dimension": DIMENSION_LABELS[d],
                         "levels": (levels := [int((process.impacts or {}).get(h, {}).get(d, 0) or 0)
                                               for h in HORIZONS]),
                         "cells": [{"level": lv, "label": IMPACT_LABELS.get(lv, "")} for lv in levels]}
                        for d in DIMENSIONS],
        })

    gap_groups = [{"name": s["name"], "anchor": s["anchor"], "dmia": s["dmia"], "pdma": s["pdma"],
                   "degraded": s["degraded"], "gaps": s["gaps"]} for s in sheets if s["gaps"]]
    coverage = analysis.coverage
    contact_rows = [{"function": c.function, "name": c.name, "phone": c.phone, "backup_phone": c.backup_phone,
                     "email": c.email} for c in contacts]
    contact_rows += [{"function": "", "name": "", "phone": "", "backup_phone": "", "email": ""}
                     for _ in range(max(2, MIN_CONTACT_ROWS - len(contact_rows)))]

    def section_title(section: str) -> str:
        if section.startswith("processus-"):
            code = section.removeprefix("processus-")
            return f"Fiche « {names.get(code, code)} »"
        return template_sections.get(section, section)

    latest = versions[0] if versions else None
    generated_at = timezone.localtime()
    return {
        "project": project, "title": project.title, "establishment": establishment.name,
        "finess": establishment.pk, "scope_kind": project.get_scope_kind_display(),
        "version": f"version {latest.number}" if latest else "projet non publié",
        "version_number": latest.number if latest else None,
        "generated_at": generated_at, "generated_on": date_fr(generated_at),
        "generated_at_label": f"{generated_at:%d/%m/%Y à %H:%M}",
        "next_review": date_fr(project.next_review_on), "lead": project.lead_name or "—",
        "print_notice": PRINT_NOTICE,
        "sections": [{"anchor": a, "number": i, "title": t} for i, (a, t) in enumerate(SECTIONS, 1)],
        "annexes": [{"anchor": a, "letter": chr(ord("A") + i), "title": t} for i, (a, t) in enumerate(ANNEXES)],
        "alert": blocks(project.alert_procedure), "criteria": blocks(project.activation_criteria),
        "authority": blocks(project.activation_authority),
        "sheets": sheets, "steps": steps, "cycles": cycles, "blocked": blocked,
        "unknown_references": [(names.get(a, a), b) for a, b in plan.unknown_references],
        "horizon": hours(plan.horizon_hours), "chart": gantt_chart(steps),
        "gap_explanation": GAP_EXPLANATION, "gap_groups": gap_groups, "gap_count": len(analysis.gaps),
        "contacts": contact_rows, "contact_count": len(contacts),
        "coverage": {
            "requirements": [{"label": r.label, "met": r.met, "detail": r.detail} for r in coverage.requirements],
            "covered": number(coverage.covered_share), "declared": number(coverage.declared_share),
            "target": coverage.target, "met": coverage.met, "missing": number(coverage.missing_share),
            "to_cover": [{"name": p.name, "share": number(p.activity_share), "status": p.get_bia_status_display()}
                         for p in coverage.to_cover]},
        "horizons": [HORIZON_LABELS[h] for h in HORIZONS], "impact_labels": IMPACT_LABELS,
        "versions": [{"number": v.number, "date": date_fr(timezone.localtime(v.published_at)),
                      "note": v.note or "—"} for v in versions],
        "links": [{"section": section_title(link.section), "title": link.action.title,
                   "status": link.action.get_status_display(), "due": date_fr(link.action.due_date)}
                  for link in links],
        "lexicon": [{"term": t["term"], "definition": " ".join(str(t["definition"]).split())}
                    for t in lexicon["terms"]],
        "lexicon_title": lexicon.get("title", "Lexique"),
    }


def gantt_chart(steps: list[dict]) -> Chart:
    return layout([(f"{s['rank']}. {s['name']}", s["start_hours"], s["ready_hours"], s["max_criticality"])
                   for s in steps])


__all__ = ["Block", "CRITICALITY_LABELS", "DEGRADED_HEADINGS", "GAP_EXPLANATION", "PRINT_NOTICE", "blocks",
           "date_fr", "hours", "number", "plan_document"]
