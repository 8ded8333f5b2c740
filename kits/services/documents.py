"""Kit documents (participant kit, animator kit) as template contexts, with variable values filled in."""

from __future__ import annotations

from kits.models import Channel
from kits.services.assembly import ALL_AUDIENCE, ALL_CELL, KitData
from kits.services.rendering import markdown, substitute
from kits.services.stimuli import format_offset, parse_offset

CHANNEL_LABELS = dict(Channel.choices)


def default_values(variables: list[dict]) -> dict[str, str]:
    return {v["name"]: v.get("default", "") for v in variables}


def _fill(text: str, values: dict) -> str:
    return substitute(text, values, missing="[{name} à renseigner]")


def participant_context(data: KitData, values: dict) -> dict:
    roles = {r["id"]: r["label"] for r in data.meta["cell_roles"]}
    sheets = []
    for sheet in data.participant.get("sheets", []):
        audience = ["Toute la cellule" if a in (ALL_AUDIENCE, ALL_CELL) else roles.get(a, a)
                    for a in sheet.get("audience", [])]
        sheets.append({"id": sheet["id"], "title": _fill(sheet["title"], values), "audience": audience,
                       "html": markdown(_fill(sheet["body"], values))})
    return {
        "title": _fill(data.meta["title"], values),
        "version": data.meta["version"],
        "summary_html": markdown(_fill(data.meta["summary"], values)),
        "objectives": [{**o, "title": _fill(o["title"], values), "description": _fill(o["description"], values)}
                       for o in data.meta["objectives"]],
        "cell_roles": [{**r, "mission": _fill(r["mission"], values)} for r in data.meta["cell_roles"]],
        "rules_html": markdown(_fill(data.participant.get("rules", ""), values)),
        "sheets": sheets,
        "glossary": [{"term": g["term"], "definition": _fill(g["definition"], values)}
                     for g in data.participant.get("glossary", [])],
        "overlays": data.overlays,
    }


def stimuli_view(data: KitData, values: dict) -> list[dict]:
    actors = {a["id"]: _fill(a["label"], values) for a in data.meta["actors"]}
    roles = {r["id"]: r["label"] for r in data.meta["cell_roles"]} | {ALL_CELL: "Toute la cellule"}
    phases = {p["id"]: p["title"] for p in data.meta["phases"]}
    lines = []
    for stimulus in data.stimuli:
        lines.append({
            **stimulus,
            "offset_seconds": parse_offset(stimulus["offset"]),
            "phase_title": phases.get(stimulus["phase"], stimulus["phase"]),
            "sender_label": actors.get(stimulus["sender"], stimulus["sender"]),
            "recipient_labels": [roles.get(r, r) for r in stimulus["recipients"]],
            "channel_label": CHANNEL_LABELS.get(stimulus["channel"], stimulus["channel"]),
            "title": _fill(stimulus["title"], values),
            "content_html": markdown(_fill(stimulus["content"], values), keep_breaks=True),
            "script_html": markdown(_fill(stimulus.get("script", ""), values), keep_breaks=True),
            "notes_html": markdown(_fill(stimulus.get("animator_notes", ""), values)),
            "attachments": [{**a, "content": _fill(a["content"], values)} for a in stimulus.get("attachments", [])],
            "missing": sorted({name for name in _missing(stimulus, values)}),
        })
    return lines


def _missing(stimulus: dict, values: dict) -> set[str]:
    from kits.services.rendering import texts_of, variables_in

    return {n for n in variables_in(texts_of(stimulus)) if not values.get(n)}


def animator_context(data: KitData, values: dict) -> dict:
    parts = [("briefing", "Briefing de l'équipe d'animation"), ("initial_situation", "Situation initiale (DEBEX)"),
             ("ground_truth", "Vérité cachée"), ("animation_tips", "Conseils d'animation"),
             ("hot_debrief_guide", "Guide du RETEX à chaud"), ("presentation", "Support de présentation"),
             ("retex_template", "Trame de RETEX")]
    sections = [{"id": key, "title": title, "html": markdown(_fill(data.animator[key], values))}
                for key, title in parts if data.animator.get(key)]
    return {"sections": sections, "stimuli": stimuli_view(data, values), "phases": data.meta["phases"],
            "actors": [{**a, "label": _fill(a["label"], values), "description": _fill(a["description"], values)}
                       for a in data.meta["actors"]],
            "duration": format_offset(data.meta["duration_minutes"] * 60)}
