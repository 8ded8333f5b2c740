"""content/retex: the recommendations rules base, the hot debrief questionnaire and the milestones, validated by
their JSON Schemas and against the evaluation grids, loaded all or nothing (`manage.py load_retex`)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from jsonschema import Draft202012Validator

from kits.services.loader import ContentError, digest, read_grids
from retex.models import RetexContent

FILES = {"recommandations": "recommandations-v1.yaml", "debrief": "debrief-v1.yaml", "jalons": "jalons-v1.yaml"}


def root() -> Path:
    return Path(settings.BASE_DIR) / "content"


def _schema(kind: str) -> dict:
    return json.loads((root() / "retex" / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))


def _criteria_ids(problems: list[str]) -> set[str]:
    grids = read_grids(root(), problems)
    return {c["id"] for grid in grids.values() for o in grid["objectives"] for c in o["criteria"]}


def read_retex_content() -> dict[str, dict]:
    problems: list[str] = []
    documents = {}
    for kind, name in FILES.items():
        path = root() / "retex" / name
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{path.name} : illisible ({exc})")
            continue
        for error in Draft202012Validator(_schema(kind)).iter_errors(data):
            where = "/".join(str(p) for p in error.absolute_path) or "racine"
            problems.append(f"{path.name} : {where} : {error.message}")
        documents[kind] = data
    if problems:
        raise ContentError(problems)
    known = _criteria_ids(problems)
    rule_ids = [r["id"] for r in documents["recommandations"]["rules"]]
    if len(rule_ids) != len(set(rule_ids)):
        problems.append("recommandations : identifiants de règles en double")
    for rule in documents["recommandations"]["rules"]:
        if rule["criterion"] not in known:
            problems.append(f"recommandations : {rule['id']} : critère inconnu {rule['criterion']}")
    for milestone in documents["jalons"]["milestones"]:
        for criterion in milestone.get("criteria", []):
            if criterion not in known:
                problems.append(f"jalons : {milestone['id']} : critère inconnu {criterion}")
    question_ids = [q["id"] for q in documents["debrief"]["questions"]]
    if len(question_ids) != len(set(question_ids)):
        problems.append("debrief : identifiants de questions en double")
    if problems:
        raise ContentError(problems)
    return documents


@transaction.atomic
def load_retex_content() -> list[str]:
    report = []
    for kind, data in read_retex_content().items():
        row = RetexContent.objects.filter(slug=data["id"], version=data["version"]).first()
        signature = digest(data)
        if row is not None:
            if row.digest != signature:
                raise ContentError([f"{data['id']} v{data['version']} a changé sans changement de version"])
            report.append(f"inchangé : {data['id']} v{data['version']}")
            continue
        RetexContent.objects.create(kind=kind, slug=data["id"], version=data["version"], data=data, digest=signature)
        report.append(f"chargé : {data['id']} v{data['version']}")
    current.cache_clear()
    return report


@lru_cache(maxsize=8)
def current(kind: str) -> dict:
    """The latest loaded document of that kind (cached per process; a load in this process refreshes it)."""
    row = RetexContent.objects.filter(kind=kind).order_by("-loaded_at", "-pk").first()
    if row is None:
        raise ContentError([f"contenu RETEX « {kind} » non chargé : lancez manage.py load_retex"])
    return {**row.data, "_ref": f"{row.slug} v{row.version}"}


def rules() -> dict:
    return current("recommandations")


def debrief() -> dict:
    return current("debrief")


def milestones() -> dict:
    return current("jalons")
