"""A kit as plain data (its five files), the application of context overlays, and its consistency checks."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from kits.services.rendering import variables_in
from kits.services.stimuli import parse_offset, sort_key

ALL_CELL = "cellule"
ALL_AUDIENCE = "tous"


@dataclass
class KitData:
    meta: dict[str, Any]
    participant: dict[str, Any]
    communication: dict[str, Any]
    animator: dict[str, Any]
    stimuli: list[dict[str, Any]]
    overlays: list[dict[str, str]] = field(default_factory=list)  # [{"slug", "version", "context"}]

    @property
    def slug(self) -> str:
        return self.meta["id"]

    def public_texts(self) -> list[str]:
        from kits.services.rendering import texts_of

        return list(texts_of([self.meta, self.participant, self.communication]))


def apply_overlay(kit: KitData, overlay: dict[str, Any]) -> KitData:
    """The kit with the overlay's additions; ids the kit does not have are ignored (FORMAT.md)."""
    if kit.slug not in overlay.get("applies_to", []):
        return kit
    merged = copy.deepcopy(kit)
    removed = set(overlay.get("remove", []))
    replacements = {s["id"]: s for s in overlay.get("replace", [])}
    stimuli = [copy.deepcopy(replacements.get(s["id"], s)) for s in merged.stimuli if s["id"] not in removed]
    known = {s["id"] for s in stimuli}
    stimuli += [copy.deepcopy(s) for s in overlay.get("add", []) if s["id"] not in known]
    merged.stimuli = sorted(stimuli, key=sort_key)
    meta = merged.meta
    for key, target in (("cell_roles_add", "cell_roles"), ("actors_add", "actors")):
        present = {item["id"] for item in meta[target]}
        meta[target] += [copy.deepcopy(i) for i in overlay.get(key, []) if i["id"] not in present]
    present = {v["name"] for v in meta["variables"]}
    meta["variables"] += [copy.deepcopy(v) for v in overlay.get("variables_add", []) if v["name"] not in present]
    present = {s["id"] for s in merged.participant.get("sheets", [])}
    merged.participant.setdefault("sheets", []).extend(
        copy.deepcopy(s) for s in overlay.get("sheets_add", []) if s["id"] not in present)
    terms = {g["term"] for g in merged.participant.get("glossary", [])}
    merged.participant.setdefault("glossary", []).extend(
        copy.deepcopy(g) for g in overlay.get("glossary_add", []) if g["term"] not in terms)
    merged.participant["glossary"].sort(key=lambda g: g["term"].casefold())
    merged.overlays = [*kit.overlays, {"slug": overlay["id"], "version": overlay["version"],
                                       "context": overlay["context"]}]
    return merged


def check_stimuli(stimuli: list[dict], meta: dict, criteria: set[str], where: str) -> list[str]:
    """Cross-references of a chronogramme against its kit (phases, actors, roles, criteria, dependencies)."""
    problems = []
    phases = {p["id"] for p in meta["phases"]}
    actors = {a["id"] for a in meta["actors"]}
    roles = {r["id"] for r in meta["cell_roles"]} | {ALL_CELL}
    ids: dict[str, int] = {}
    for stimulus in stimuli:
        sid = stimulus["id"]
        label = f"{where} : {sid}"
        if sid in ids:
            problems.append(f"{label} : identifiant en double")
        ids[sid] = parse_offset(stimulus["offset"])
        if stimulus["phase"] not in phases:
            problems.append(f"{label} : phase inconnue « {stimulus['phase']} »")
        if stimulus["sender"] not in actors:
            problems.append(f"{label} : émetteur inconnu « {stimulus['sender']} » (absent des acteurs du kit)")
        for recipient in stimulus["recipients"]:
            if recipient not in roles:
                problems.append(f"{label} : destinataire inconnu « {recipient} » (absent des rôles de la cellule)")
        for criterion in stimulus.get("criteria", []):
            if criterion not in criteria:
                problems.append(f"{label} : critère « {criterion} » absent de la grille {meta['grid']}")
        if ids[sid] > meta["duration_minutes"] * 60:
            problems.append(f"{label} : décalage {stimulus['offset']} au-delà de la durée du kit")
    for stimulus in stimuli:
        for dependency in stimulus.get("depends_on", []):
            if dependency not in ids:
                problems.append(f"{where} : {stimulus['id']} : dépend de « {dependency} », absent du chronogramme")
            elif ids[dependency] > ids[stimulus["id"]]:
                problems.append(f"{where} : {stimulus['id']} : dépend de « {dependency} », prévu plus tard")
    return problems


def check_kit(kit: KitData, criteria: set[str], where: str) -> list[str]:
    problems = check_stimuli(kit.stimuli, kit.meta, criteria, where)
    roles = {r["id"] for r in kit.meta["cell_roles"]} | {ALL_AUDIENCE}
    for sheet in kit.participant.get("sheets", []):
        for audience in sheet.get("audience", []):
            if audience not in roles:
                problems.append(f"{where} : fiche {sheet['id']} : public inconnu « {audience} »")
    declared = {v["name"] for v in kit.meta["variables"]}
    from kits.services.rendering import texts_of

    used = variables_in(texts_of([kit.meta, kit.participant, kit.communication, kit.animator, kit.stimuli]))
    for name in sorted(used - declared):
        problems.append(f"{where} : variable « {name} » utilisée mais non déclarée")
    return problems
