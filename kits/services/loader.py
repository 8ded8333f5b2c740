"""Loads content/grids and content/kits into the database, after validating everything (all or nothing)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from core import audit
from kits.models import EvaluationGrid, Kit, KitVersion, Overlay, Stimulus
from kits.services import schemas
from kits.services.assembly import KitData, apply_overlay, check_kit
from kits.services.stimuli import to_fields

KIT_FILES = ("kit", "participant", "communication", "animator", "chronogramme")


class ContentError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} erreur(s) dans le contenu :\n" + "\n".join(problems))


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"chargé : {item}" for item in self.created] + [f"inchangé : {item}" for item in self.unchanged]
        return "\n".join(lines)


def content_root() -> Path:
    return Path(settings.BASE_DIR) / "content"


def digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _read_yaml(path: Path, problems: list[str]):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{path} : illisible ({exc})")
        return None


def read_grids(root: Path, problems: list[str]) -> dict[str, dict]:
    grids = {}
    for path in sorted((root / "grids").glob("*.yaml")):
        data = _read_yaml(path, problems)
        if data is None:
            continue
        found = schemas.errors("grid", data, str(path.relative_to(root)))
        problems += found
        if not found:
            ids = [c["id"] for o in data["objectives"] for c in o["criteria"]]
            if len(ids) != len(set(ids)):
                problems.append(f"{path.name} : identifiants de critères en double")
            grids[data["id"]] = data
    return grids


def read_kit(folder: Path, root: Path, problems: list[str]) -> KitData | None:
    parts = {}
    for name in KIT_FILES:
        path = folder / f"{name}.yaml"
        if not path.exists():
            problems.append(f"{folder.name} : fichier {name}.yaml manquant")
            continue
        data = _read_yaml(path, problems)
        found = schemas.errors(name, data, str(path.relative_to(root)))
        problems += found
        if not found:
            parts[name] = data
    if len(parts) != len(KIT_FILES):
        return None
    meta = parts["kit"]
    if meta["id"] != folder.name:
        problems.append(f"{folder.name} : l'identifiant du kit ({meta['id']}) doit être le nom du dossier")
    if meta["version"] not in {entry["version"] for entry in meta["changelog"]}:
        problems.append(f"{folder.name} : la version {meta['version']} n'a pas d'entrée dans le changelog")
    return KitData(meta, parts["participant"], parts["communication"], parts["animator"], parts["chronogramme"])


def read_overlays(root: Path, problems: list[str]) -> list[dict]:
    overlays = []
    for path in sorted((root / "kits" / "overlays").glob("*.yaml")):
        data = _read_yaml(path, problems)
        found = schemas.errors("overlay", data, str(path.relative_to(root)))
        problems += found
        if not found:
            overlays.append(data)
    return overlays


def grid_criteria(grid: dict) -> set[str]:
    return {c["id"] for o in grid["objectives"] for c in o["criteria"]}


def read_content(root: Path | None = None) -> tuple[dict[str, dict], list[KitData], list[dict]]:
    """Everything under content/, validated; raises ContentError listing every problem."""
    root = root or content_root()
    problems: list[str] = []
    grids = read_grids(root, problems)
    kits = [kit for folder in sorted(p for p in (root / "kits").iterdir() if p.is_dir() and (p / "kit.yaml").exists())
            if (kit := read_kit(folder, root, problems)) is not None]
    overlays = read_overlays(root, problems)
    for kit in kits:
        grid = grids.get(kit.meta["grid"])
        if grid is None:
            problems.append(f"{kit.slug} : grille « {kit.meta['grid']} » introuvable dans content/grids")
            continue
        criteria = grid_criteria(grid)
        problems += check_kit(kit, criteria, kit.slug)
        for overlay in overlays:
            if kit.slug in overlay["applies_to"]:
                problems += check_kit(apply_overlay(kit, overlay), criteria, f"{kit.slug} + {overlay['id']}")
    slugs = {kit.slug for kit in kits}
    for overlay in overlays:
        for target in overlay["applies_to"]:
            if target not in slugs:
                problems.append(f"{overlay['id']} : s'applique à un kit inconnu « {target} »")
    if problems:
        raise ContentError(problems)
    return grids, kits, overlays


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _changed_without_version(label: str, version: str) -> ContentError:
    return ContentError([f"{label} v{version} : le contenu a changé sans changement de version "
                         "(augmentez « version » et ajoutez une entrée au changelog)"])


@transaction.atomic
def load_content(root: Path | None = None) -> LoadReport:
    grids, kits, overlays = read_content(root)
    report = LoadReport()
    grid_rows: dict[str, EvaluationGrid] = {}
    with audit.acting_as(label="load_kits"):
        for slug, data in grids.items():
            key = digest(data)
            row = EvaluationGrid.objects.filter(slug=slug, version=data["version"]).first()
            if row is None:
                row = EvaluationGrid.objects.create(slug=slug, version=data["version"], title=data["title"],
                                                    scale=data["scale"], objectives=data["objectives"], digest=key)
                report.created.append(f"grille {slug} v{data['version']}")
            elif row.digest != key:
                raise _changed_without_version(f"grille {slug}", data["version"])
            else:
                report.unchanged.append(f"grille {slug} v{data['version']}")
            grid_rows[slug] = row
        for kit in kits:
            _load_kit(kit, grid_rows[kit.meta["grid"]], report)
        for data in overlays:
            key = digest(data)
            row = Overlay.objects.filter(slug=data["id"], version=data["version"]).first()
            if row is None:
                Overlay.objects.create(slug=data["id"], version=data["version"], context=data["context"],
                                       title=data["title"], applies_to=data["applies_to"], definition=data, digest=key)
                report.created.append(f"surcouche {data['id']} v{data['version']}")
            elif row.digest != key:
                raise _changed_without_version(f"surcouche {data['id']}", data["version"])
            else:
                report.unchanged.append(f"surcouche {data['id']} v{data['version']}")
    audit.record("import", model_label="kits.Kit", object_repr="load_kits",
                 changes={"created": report.created})
    return report


def _load_kit(kit: KitData, grid: EvaluationGrid, report: LoadReport) -> None:
    meta = kit.meta
    key = digest([meta, kit.participant, kit.communication, kit.animator, kit.stimuli])
    row, _ = Kit.objects.get_or_create(slug=meta["id"], defaults={
        "title": meta["title"], "level": meta["level"], "contexts": meta["contexts"]})
    version = KitVersion.objects.filter(kit=row, version=meta["version"]).first()
    if version is not None:
        if version.digest != key:
            raise _changed_without_version(f"kit {meta['id']}", meta["version"])
        report.unchanged.append(f"kit {meta['id']} v{meta['version']}")
        return
    version = KitVersion.objects.create(
        kit=row, version=meta["version"], changelog=meta["changelog"], title=meta["title"], summary=meta["summary"],
        duration_minutes=meta["duration_minutes"], objectives=meta["objectives"], phases=meta["phases"],
        cell_roles=meta["cell_roles"], actors=meta["actors"], variables=meta["variables"],
        participant=kit.participant, communication=kit.communication, animator=kit.animator, grid=grid, digest=key)
    for stimulus in kit.stimuli:
        Stimulus(kit_version=version, **to_fields(stimulus)).save()
    current = row.current
    if current is None or _semver(meta["version"]) >= _semver(current.version):
        row.title, row.level, row.contexts, row.current = meta["title"], meta["level"], meta["contexts"], version
        row.save()
    report.created.append(f"kit {meta['id']} v{meta['version']} ({len(kit.stimuli)} stimuli)")
