"""Grids as data: validation of the repository's YAML files and import of CISO Assistant libraries."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import jsonschema
import yaml
from django.conf import settings
from django.db import transaction

from maturity.models import Grid

DEFAULT_GRID_SLUG = "grille-maturite-v1"
MAX_LIBRARY_BYTES = 5 * 1024 * 1024


class GridError(ValueError):
    pass


@lru_cache(maxsize=1)
def _schema() -> dict:
    return json.loads((settings.CONTENT_DIR / "maturity" / "grid.schema.json").read_text(encoding="utf-8"))


def validate_definition(definition: dict) -> None:
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(definition), key=lambda e: e.path)
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(racine)"
        raise GridError(f"grille invalide en {where} : {first.message}")
    themes = {t["id"] for t in definition["themes"]}
    ids = [q["id"] for q in definition["questions"]]
    if len(ids) != len(set(ids)):
        raise GridError("identifiants de questions en double")
    for question in definition["questions"]:
        if question["theme"] not in themes:
            raise GridError(f"question {question['id']} : thème inconnu « {question['theme']} »")
    for gate in definition.get("gates", []):
        if gate["question"] not in ids:
            raise GridError(f"règle {gate['id']} : question inconnue « {gate['question']} »")
    thresholds = [lvl["min_percent"] for lvl in definition["levels"]]
    if thresholds != sorted(thresholds) or thresholds[0] != 0:
        raise GridError("les seuils des niveaux doivent être croissants et commencer à 0")


def read_yaml(path: Path, max_bytes: int = MAX_LIBRARY_BYTES) -> dict:
    if path.stat().st_size > max_bytes:
        raise GridError(f"{path.name} dépasse la taille maximale ({max_bytes // 1024} Kio)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise GridError(f"{path.name} : YAML illisible ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict):
        raise GridError(f"{path.name} : le document doit être un dictionnaire YAML")
    return data


@transaction.atomic
def save_grid(definition: dict, *, source: str, is_default: bool = False) -> tuple[Grid, bool]:
    validate_definition(definition)
    grid = Grid.objects.filter(slug=definition["id"], version=definition["version"]).first()
    created = grid is None
    if created:
        grid = Grid(slug=definition["id"], version=definition["version"])
    if created or grid.definition != definition or grid.is_default != is_default or grid.source != source:
        grid.title, grid.definition, grid.source, grid.is_default = definition["title"], definition, source, is_default
        grid.save()
    if is_default:
        for other in Grid.objects.filter(is_default=True).exclude(pk=grid.pk):
            other.is_default = False
            other.save()
    return grid, created


def load_repository_grids() -> list[tuple[Grid, bool]]:
    results = []
    for path in sorted((settings.CONTENT_DIR / "maturity").glob("*.yaml")):
        definition = read_yaml(path)
        results.append(save_grid(definition, source=f"content/maturity/{path.name}",
                                 is_default=definition["id"] == DEFAULT_GRID_SLUG))
    return results


def default_grid() -> Grid | None:
    return Grid.objects.filter(is_default=True).order_by("-loaded_at").first()


# --- CISO Assistant libraries -----------------------------------------------------------------
LEVEL_LINE = re.compile(r"^\s*Niveau\s+(\d+)\s*:\s*(.+)$", re.IGNORECASE)
DEFAULT_ANSWERS = [("non", "Non", 0), ("partiel", "Partiellement", 1), ("oui", "Oui", 2)]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.-]+", "-", text.lower()).strip("-")[:100]


def import_ciso_library(path: Path) -> dict:
    """Turn a CISO Assistant framework library into a grid definition of this platform.

    Top-level requirement nodes become themes, assessable nodes become questions; answers come from
    the node's own scored questions, else the framework's `scores_definition` (with the node's
    "Niveau N : …" lines as labels when it has them), else Non / Partiellement / Oui.
    """
    library = read_yaml(path)
    try:
        framework = library["objects"]["framework"]
        nodes = framework["requirement_nodes"]
    except (KeyError, TypeError) as exc:
        raise GridError(f"{path.name} : ce n'est pas une bibliothèque de référentiel CISO Assistant") from exc
    by_urn = {node["urn"]: node for node in nodes}

    def top(node: dict) -> dict:
        while node.get("parent_urn") in by_urn:
            node = by_urn[node["parent_urn"]]
        return node

    scores = [(str(s["score"]), s.get("name") or f"Niveau {s['score']}", s["score"])
              for s in framework.get("scores_definition") or []]
    themes: dict[str, dict] = {}
    questions = []
    for node in nodes:
        if not node.get("assessable"):
            continue
        root = top(node)
        theme_id = _slug(root.get("ref_id") or root.get("name") or root["urn"].rsplit(":", 1)[-1]) or "general"
        title = (root.get("name") or root.get("ref_id") or theme_id)[:200]
        themes.setdefault(theme_id, {"id": theme_id, "title": title,
                                     "description": (root.get("description") or "")[:1000]})
        description = node.get("description") or ""
        matches = map(LEVEL_LINE.match, description.splitlines())
        level_labels = {int(m.group(1)): m.group(2).strip() for m in matches if m}
        text_lines = [line for line in description.splitlines() if not LEVEL_LINE.match(line)]
        text = (node.get("name") or "").strip()
        if text_lines:
            text = f"{text} — {' '.join(text_lines).strip()}" if text else " ".join(text_lines).strip()
        answers = _answers_from_node_questions(node) or [
            {"id": sid, "label": level_labels.get(score, name), "score": score} for sid, name, score in scores
        ] or [{"id": i, "label": label, "score": s} for i, label, s in DEFAULT_ANSWERS]
        questions.append({"id": node.get("ref_id") or node["urn"].rsplit(":", 1)[-1], "theme": theme_id,
                          "text": text or node["urn"], "answers": answers})
    if not questions:
        raise GridError(f"{path.name} : aucune exigence évaluable")
    seen: dict[str, int] = {}
    for question in questions:  # ref_ids are not always unique in libraries
        count = seen.get(question["id"], 0)
        seen[question["id"]] = count + 1
        if count:
            question["id"] = f"{question['id']}-{count + 1}"
    version = str(library.get("version", 1))
    return {
        "id": _slug(library.get("ref_id") or framework.get("ref_id") or path.stem),
        "version": version if re.match(r"^\d+\.\d+\.\d+$", version) else f"{int(float(version))}.0.0",
        "title": str(library.get("name") or framework.get("name"))[:250],
        "description": str(library.get("description") or "")[:2000],
        "source": f"CISO Assistant : {library.get('urn', path.name)} (fournisseur : {library.get('provider', '?')})",
        "themes": list(themes.values()),
        "questions": questions,
        "levels": [
            {"level": "debutant", "min_percent": 0, "title": "Kit débutant"},
            {"level": "intermediaire", "min_percent": 40, "title": "Kit intermédiaire"},
            {"level": "confirme", "min_percent": 70, "title": "Kit confirmé"},
        ],
        "gates": [],
    }


def _answers_from_node_questions(node: dict) -> list[dict]:
    for question in (node.get("questions") or {}).values():
        choices = question.get("choices") or []
        if question.get("type") == "unique_choice" and any("add_score" in c for c in choices):
            return [{"id": str(i), "label": str(c.get("value", ""))[:300], "score": c.get("add_score") or 0}
                    for i, c in enumerate(choices, start=1)]
    return []
