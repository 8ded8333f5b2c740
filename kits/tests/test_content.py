"""The shipped kits: they load, validate, cross-reference, version, and contextualise."""

import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from core.models import AuditEntry
from kits.models import EvaluationGrid, Kit, KitVersion, Overlay, Stimulus
from kits.services.assembly import apply_overlay
from kits.services.library import assemble, kit_data
from kits.services.loader import ContentError, load_content, read_content

CONTENT = Path(settings.BASE_DIR) / "content"


def test_every_kit_and_overlay_validates_and_meets_the_programme_sizes():
    grids, kits, overlays = read_content()
    by_slug = {k.slug: k for k in kits}
    assert set(by_slug) == {"mco-debutant", "mco-intermediaire", "mco-confirme", "regional-ars-prefecture"}
    assert len(by_slug["mco-debutant"].stimuli) >= 25 and by_slug["mco-debutant"].meta["duration_minutes"] <= 150
    assert len(by_slug["mco-intermediaire"].stimuli) >= 35
    assert len(by_slug["mco-confirme"].stimuli) >= 45
    assert {o["context"] for o in overlays} == {"psychiatrie", "ssr", "cancerologie", "had", "essms"}
    for kit in kits:
        assert any(s["noise"] for s in kit.stimuli), f"{kit.slug} sans stimulus de bruit"
        assert kit.animator["ground_truth"].strip()
        assert kit.participant["sheets"] and kit.participant["glossary"]
        assert {m["kind"] for m in kit.communication["messages"]} >= {"announcement", "invitation", "thanks"}
    confirme = by_slug["mco-confirme"]
    texts = " ".join(s["title"] + s["content"] for s in confirme.stimuli).casefold()
    for pressure in ("presse", "rançon", "données"):
        assert pressure in texts
    assert sum(1 for s in confirme.stimuli if s["pressure"] == 3) >= 5


def test_kits_of_one_level_share_grid_identifiers():
    grids, kits, _ = read_content()
    grid = grids["grille-cyber-v1"]
    for kit in kits:
        if kit.meta["level"] == "regional":
            assert kit.meta["grid"] == "grille-regionale-v1"
            continue
        assert kit.meta["grid"] == "grille-cyber-v1"
        level_criteria = {c["id"] for o in grid["objectives"] for c in o["criteria"]
                          if kit.meta["level"] in c["levels"]}
        used = {c for s in kit.stimuli for c in s["criteria"]}
        assert used <= {c["id"] for o in grid["objectives"] for c in o["criteria"]}
        assert len(used & level_criteria) >= 0.8 * len(level_criteria), f"{kit.slug} teste trop peu de critères"


def _copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def _edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def test_loader_reports_every_broken_reference(tmp_path):
    root = _copy_content(tmp_path)

    def break_chronogramme(stimuli):
        stimuli[0]["sender"] = "acteur_inconnu"
        stimuli[1]["criteria"] = ["ZZ-99"]
        stimuli[2]["content"] += " {{ variable_fantome }}"
        stimuli[3]["depends_on"] = ["S-999"]
        stimuli[4]["offset"] = "5 minutes"

    _edit_yaml(root / "kits" / "mco-debutant" / "chronogramme.yaml", break_chronogramme)
    with pytest.raises(ContentError) as caught:
        read_content(root)
    text = "\n".join(caught.value.problems)
    assert "offset" in text and "does not match" in text  # schema error, with its path
    root = _copy_content(tmp_path / "second")

    def break_references(stimuli):
        stimuli[0]["sender"] = "acteur_inconnu"
        stimuli[1]["criteria"] = ["ZZ-99"]
        stimuli[2]["content"] += " {{ variable_fantome }}"
        stimuli[3]["depends_on"] = ["S-999"]

    _edit_yaml(root / "kits" / "mco-debutant" / "chronogramme.yaml", break_references)
    with pytest.raises(ContentError) as caught:
        read_content(root)
    text = "\n".join(caught.value.problems)
    assert "émetteur inconnu « acteur_inconnu »" in text
    assert "critère « ZZ-99 » absent de la grille" in text
    assert "variable « variable_fantome » utilisée mais non déclarée" in text
    assert "dépend de « S-999 », absent du chronogramme" in text


def _empty_library() -> None:
    Kit.objects.all().delete()  # versions and stimuli go with them
    Overlay.objects.all().delete()
    EvaluationGrid.objects.all().delete()


def test_load_is_versioned_idempotent_and_audited(db, tmp_path):
    _empty_library()
    audited_before = AuditEntry.objects.filter(model_label="kits.Stimulus", action="create").count()
    report = load_content()
    assert len([c for c in report.created if c.startswith("kit ")]) == 4
    assert Stimulus.objects.count() == sum(len(k.stimuli) for k in read_content()[1])
    audited = AuditEntry.objects.filter(model_label="kits.Stimulus", action="create").count() - audited_before
    assert audited == Stimulus.objects.count()
    again = load_content()
    assert again.created == [] and len(again.unchanged) == len(report.created)

    root = _copy_content(tmp_path)
    kit_file = root / "kits" / "mco-debutant" / "chronogramme.yaml"
    _edit_yaml(kit_file, lambda stimuli: stimuli[0].update(title="Titre modifié"))
    with pytest.raises(ContentError, match="a changé sans changement de version"):
        load_content(root)

    def bump(meta):
        meta["version"] = "1.1.0"
        meta["changelog"].append({"version": "1.1.0", "date": "2026-11-24", "changes": "Titre du premier stimulus."})

    _edit_yaml(root / "kits" / "mco-debutant" / "kit.yaml", bump)
    load_content(root)
    kit = Kit.objects.get(slug="mco-debutant")
    assert kit.current.version == "1.1.0"
    assert KitVersion.objects.filter(kit=kit).count() == 2
    assert kit.current.stimuli.get(stimulus_id="S-001").title == "Titre modifié"
    assert KitVersion.objects.get(kit=kit, version="1.0.0").stimuli.get(stimulus_id="S-001").title != "Titre modifié"


def test_overlays_add_sorted_stimuli_sheets_roles_and_variables(db):
    load_content()
    version = Kit.objects.get(slug="mco-intermediaire").current
    base = kit_data(version)
    merged = assemble(version, ["psychiatrie", "had"])
    added = [s for s in merged.stimuli if s["id"].startswith(("PSY-", "HAD-"))]
    assert added and len(merged.stimuli) == len(base.stimuli) + len(added)
    offsets = [(s["offset"], s["order"]) for s in merged.stimuli]
    assert offsets == sorted(offsets)
    assert {o["context"] for o in merged.overlays} == {"psychiatrie", "had"}
    assert len(merged.participant["sheets"]) > len(base.participant["sheets"])
    assert len(merged.meta["cell_roles"]) > len(base.meta["cell_roles"])
    overlay = Overlay.objects.get(context="psychiatrie").definition
    assert {v["name"] for v in overlay["variables_add"]} <= {v["name"] for v in merged.meta["variables"]}


def test_overlay_remove_and_replace(db):
    load_content()
    data = kit_data(Kit.objects.get(slug="mco-debutant").current)
    replacement = {**data.stimuli[1], "title": "Remplacé"}
    overlay = {"id": "overlay-test", "context": "ssr", "version": "1.0.0", "applies_to": ["mco-debutant"],
               "remove": ["S-001", "S-404"], "replace": [replacement]}
    merged = apply_overlay(data, overlay)
    ids = [s["id"] for s in merged.stimuli]
    assert "S-001" not in ids and len(ids) == len(data.stimuli) - 1
    assert next(s for s in merged.stimuli if s["id"] == replacement["id"])["title"] == "Remplacé"
    assert apply_overlay(data, {**overlay, "applies_to": ["mco-confirme"]}) is data
