"""content/continuity: lexicon, guided path, plan template, evaluation grid of the plan and BIA examples,
validated by their JSON Schemas and by the checks a schema cannot express, loaded all or nothing
(`manage.py load_continuity`)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from jsonschema import Draft202012Validator

from continuity.models import ContinuityContent
from continuity.services.graph import ResourceNode, find_cycles
from kits.services.loader import ContentError, digest

SINGLE_FILES = {"lexique": ("lexique.yaml", "lexique"), "parcours": ("parcours.yaml", "parcours"),
                "trame": ("trame-pcra.yaml", "trame-pcra"), "grille": ("grille-pcra.yaml", "grille-pcra")}


def root() -> Path:
    return Path(settings.BASE_DIR) / "content" / "continuity"


def _schema(name: str) -> dict:
    return json.loads((root() / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))


def _read(path: Path, schema: str, problems: list[str]) -> dict | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{path.name} : illisible ({exc})")
        return None
    errors = list(Draft202012Validator(_schema(schema)).iter_errors(data))
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path) or "racine"
        problems.append(f"{path.name} : {where} : {error.message}")
    return None if errors else data


def _unique(name: str, label: str, ids: list[str], problems: list[str]) -> None:
    doubles = sorted({i for i in ids if ids.count(i) > 1})
    if doubles:
        problems.append(f"{name} : {label} en double : {', '.join(doubles)}")


def check_example(name: str, data: dict, problems: list[str]) -> None:
    resources = {r["id"]: r for r in data["resources"]}
    processes = data["processes"]
    _unique(name, "ressources", [r["id"] for r in data["resources"]], problems)
    _unique(name, "processus", [p["id"] for p in processes], problems)
    shared = set(resources) & {p["id"] for p in processes}
    if shared:
        problems.append(f"{name} : identifiants à la fois ressource et processus : {', '.join(sorted(shared))}")
    for owner in [*data["resources"], *processes]:
        for dep in owner["depends_on"]:
            if dep not in resources:
                problems.append(f"{name} : {owner['id']} dépend de {dep}, ressource inconnue")
    total = sum(p["activity_share"] for p in processes)
    if abs(total - 100) > 0.5:
        problems.append(f"{name} : la somme des parts d'activité vaut {total:g} % au lieu de 100 %")
    for process in processes:
        for dimension in data["impact_dimensions"]:
            levels = [process["impacts"][h][dimension] for h in data["horizons"]]
            if levels != sorted(levels):
                problems.append(f"{name} : {process['id']} : impacts décroissants dans le temps ({dimension})")
    for resource in data["resources"]:
        if resource["kind"] == "application" and resource.get("backup_every_hours") is None:
            problems.append(f"{name} : {resource['id']} : une application doit indiquer sa fréquence de sauvegarde")
    nodes = {code: ResourceNode(code, r["name"], r["restore_hours"], r.get("backup_every_hours"),
                                tuple(d for d in r["depends_on"] if d in resources)) for code, r in resources.items()}
    for cycle in find_cycles({code: n.depends_on for code, n in nodes.items()}):
        problems.append(f"{name} : cycle de dépendances : {' → '.join([*cycle, cycle[0]])}")


def read_continuity_content() -> dict[str, list[dict]]:
    problems: list[str] = []
    documents: dict[str, list[dict]] = {kind: [] for kind in [*SINGLE_FILES, "exemple"]}
    for kind, (filename, schema) in SINGLE_FILES.items():
        data = _read(root() / filename, schema, problems)
        if data is not None:
            documents[kind].append(data)
    for path in sorted((root() / "examples").glob("*.yaml")):
        data = _read(path, "bia-example", problems)
        if data is None:
            continue
        if data["id"] != path.stem:
            problems.append(f"{path.name} : l'id {data['id']} doit être le nom du fichier")
        check_example(path.name, data, problems)
        documents["exemple"].append(data)
    if documents["lexique"]:
        terms = documents["lexique"][0]["terms"]
        ids = [t["id"] for t in terms]
        _unique("lexique.yaml", "termes", ids, problems)
        for term in terms:
            for ref in term["see_also"]:
                if ref not in ids:
                    problems.append(f"lexique.yaml : {term['id']} renvoie à {ref}, terme inconnu")
    if documents["parcours"]:
        steps = documents["parcours"][0]["steps"]
        _unique("parcours.yaml", "étapes", [s["id"] for s in steps], problems)
        if sorted(s["order"] for s in steps) != list(range(1, len(steps) + 1)):
            problems.append("parcours.yaml : les étapes doivent être numérotées 1…n sans trou ni doublon")
    if documents["grille"]:
        sections = documents["grille"][0]["sections"]
        _unique("grille-pcra.yaml", "sections", [s["id"] for s in sections], problems)
        _unique("grille-pcra.yaml", "critères", [c["id"] for s in sections for c in s["criteria"]], problems)
    if documents["trame"]:
        _unique("trame-pcra.yaml", "sections", [s["id"] for s in documents["trame"][0]["sections"]], problems)
    if not documents["exemple"]:
        problems.append("examples/ : aucun exemple de BIA")
    if problems:
        raise ContentError(problems)
    return documents


@transaction.atomic
def load_continuity_content() -> list[str]:
    report = []
    for kind, items in read_continuity_content().items():
        for data in items:
            row = ContinuityContent.objects.filter(slug=data["id"], version=data["version"]).first()
            signature = digest(data)
            if row is not None:
                if row.digest != signature:
                    raise ContentError([f"{data['id']} v{data['version']} a changé sans changement de version"])
                report.append(f"inchangé : {data['id']} v{data['version']}")
                continue
            ContinuityContent.objects.create(kind=kind, slug=data["id"], version=data["version"], data=data,
                                             digest=signature)
            report.append(f"chargé : {data['id']} v{data['version']}")
    current.cache_clear()
    examples.cache_clear()
    return report


def _latest(kind: str, slug: str | None = None) -> ContinuityContent:
    rows = ContinuityContent.objects.filter(kind=kind)
    if slug:
        rows = rows.filter(slug=slug)
    row = rows.order_by("-loaded_at", "-pk").first()
    if row is None:
        raise ContentError([f"contenu PCRA « {slug or kind} » non chargé : lancez manage.py load_continuity"])
    return row


@lru_cache(maxsize=16)
def current(kind: str, slug: str | None = None) -> dict:
    row = _latest(kind, slug)
    return {**row.data, "_ref": f"{row.slug} v{row.version}"}


@lru_cache(maxsize=1)
def examples() -> tuple[tuple[str, str], ...]:
    """(id, title) of the loaded BIA examples."""
    slugs = sorted(set(ContinuityContent.objects.filter(kind="exemple").values_list("slug", flat=True)))
    return tuple((slug, current("exemple", slug)["title"]) for slug in slugs)
