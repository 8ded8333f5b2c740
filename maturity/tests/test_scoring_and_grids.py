import copy

import pytest
from django.conf import settings

from conftest import require_shared_data
from maturity.services.grids import GridError, import_ciso_library, read_yaml, save_grid, validate_definition
from maturity.services.scoring import score


@pytest.fixture(scope="module")
def grid():
    return read_yaml(settings.CONTENT_DIR / "maturity" / "grille-maturite-v1.yaml")


def answers_at(definition, target: int) -> dict:
    return {q["id"]: next(a["id"] for a in q["answers"] if a["score"] == target) for q in definition["questions"]}


def test_repository_grid_is_valid_and_complete(grid):
    validate_definition(grid)
    assert 25 <= len(grid["questions"]) <= 40
    assert len(grid["themes"]) == 8


@pytest.mark.parametrize("target, level", [(0, "debutant"), (1, "debutant"), (2, "intermediaire"), (3, "confirme")])
def test_uniform_answers_map_to_levels(grid, target, level):
    result = score(grid, answers_at(grid, target))
    assert result.level == level and not result.missing
    assert result.percent == pytest.approx(100 * target / 3, abs=0.1)


def test_gates_cap_the_level_with_their_reason(grid):
    answers = answers_at(grid, 3)
    gate = next(g for g in grid["gates"] if g["max_level"] == "intermediaire")
    question = next(q for q in grid["questions"] if q["id"] == gate["question"])
    answers[question["id"]] = next(a["id"] for a in question["answers"] if a["score"] == 0)
    result = score(grid, answers)
    assert result.level_before_gates == "confirme" and result.level == "intermediaire"
    assert result.gates_applied[0]["reason"] == gate["reason"]


def test_theme_scores_and_missing_questions(grid):
    answers = answers_at(grid, 3)
    first = grid["questions"][0]
    del answers[first["id"]]
    result = score(grid, answers)
    assert result.missing == [first["id"]]
    theme = next(t for t in result.themes if t.id == first["theme"])
    assert theme.percent < 100 and all(t.percent == 100 for t in result.themes if t.id != first["theme"])


def test_invalid_grids_are_rejected_with_a_clear_message(grid):
    broken = copy.deepcopy(grid)
    broken["questions"][0]["theme"] = "inconnu"
    with pytest.raises(GridError, match="thème inconnu"):
        validate_definition(broken)
    broken = copy.deepcopy(grid)
    del broken["levels"]
    with pytest.raises(GridError, match="levels"):
        validate_definition(broken)


def test_oversized_or_malformed_library_is_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * 100, encoding="utf-8")
    with pytest.raises(GridError, match="taille maximale"):
        read_yaml(big, max_bytes=10)
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [", encoding="utf-8")
    with pytest.raises(GridError, match="YAML illisible"):
        read_yaml(bad)
    other = tmp_path / "other.yaml"
    other.write_text("objects: {}\n", encoding="utf-8")
    with pytest.raises(GridError, match="CISO Assistant"):
        import_ciso_library(other)


@pytest.mark.shared_data
def test_anssi_crisis_maturity_grid_imports_from_ciso_assistant(db):
    base = require_shared_data() / "frameworks" / "ciso-assistant"
    definition = import_ciso_library(base / "anssi-maturite-gestion-crise-1.0.2.yaml")
    assert len(definition["questions"]) == 57
    first = definition["questions"][0]
    assert first["id"] == "1.1" and [a["score"] for a in first["answers"]] == [0, 1, 2, 3]
    assert first["answers"][0]["label"].startswith("Les fonctions décisionnelles")
    grid, created = save_grid(definition, source="test")
    assert created and not grid.is_default
    assert score(definition, answers_at(definition, 3)).level == "confirme"


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["anssi-mon-aide-cyber.yaml", "ans-care-domaine2.yaml", "anssi-guide-hygiene.yaml"])
def test_other_real_libraries_import_as_valid_grids(db, name):
    base = require_shared_data() / "frameworks" / "ciso-assistant"
    definition = import_ciso_library(base / name)
    validate_definition(definition)
    assert definition["questions"]
