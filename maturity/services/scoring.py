"""Score of a self-assessment and the exercise kit level it recommends."""

from __future__ import annotations

from dataclasses import dataclass, field

from maturity.models import LEVEL_ORDER


@dataclass
class ThemeScore:
    id: str
    title: str
    score: float
    max_score: float

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 1) if self.max_score else 0.0


@dataclass
class Result:
    percent: float
    level: str
    level_before_gates: str
    themes: list[ThemeScore]
    gates_applied: list[dict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _level_for(percent: float, levels: list[dict]) -> str:
    chosen = levels[0]["level"]
    for level in sorted(levels, key=lambda lvl: lvl["min_percent"]):
        if percent >= level["min_percent"]:
            chosen = level["level"]
    return chosen


def score(definition: dict, answers: dict[str, str]) -> Result:
    themes = {t["id"]: ThemeScore(t["id"], t["title"], 0.0, 0.0) for t in definition["themes"]}
    by_question: dict[str, float] = {}
    missing = []
    for question in definition["questions"]:
        options = {a["id"]: a["score"] for a in question["answers"]}
        top = max(options.values())
        theme = themes[question["theme"]]
        theme.max_score += top
        chosen = answers.get(question["id"])
        if chosen in options:
            theme.score += options[chosen]
            by_question[question["id"]] = options[chosen]
        else:
            missing.append(question["id"])
    total = sum(t.score for t in themes.values())
    maximum = sum(t.max_score for t in themes.values())
    percent = round(100 * total / maximum, 1) if maximum else 0.0
    level = before = _level_for(percent, definition["levels"])
    applied = []
    for gate in definition.get("gates", []):
        if by_question.get(gate["question"], 0) < gate["min_score"] and (
            LEVEL_ORDER.index(level) > LEVEL_ORDER.index(gate["max_level"])
        ):
            level = gate["max_level"]
            applied.append({"id": gate["id"], "reason": gate["reason"], "max_level": gate["max_level"]})
    return Result(percent, level, before, list(themes.values()), applied, missing)


def level_info(definition: dict, level: str) -> dict:
    return next((lvl for lvl in definition["levels"] if lvl["level"] == level), {})
