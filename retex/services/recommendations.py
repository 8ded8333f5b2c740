"""The rules base applied to consolidated ratings: each criterion rated below expectations yields its rules'
recommendations, stronger ones when the rating is very low; one recommendation per rule, most urgent first."""

from __future__ import annotations

from exercises.models import Exercise
from retex.models import PRIORITY_ORDER
from retex.services import content
from retex.services.analysis import NUMERIC, below_expected, criteria_of


def matching_rules(exercise: Exercise, consolidated: dict[str, str]) -> list[dict]:
    expected = {c["id"]: c["expected_value"] for c in criteria_of(exercise)}
    matched = []
    for rule in content.rules()["rules"]:
        criterion = rule["criterion"]
        if criterion not in expected:
            continue  # another grid, or a criterion outside this kit level
        value = consolidated.get(criterion, "")
        if value not in NUMERIC:
            continue  # not observed: no conclusion either way
        low = below_expected(value, expected[criterion])
        very_low = rule["when"] == "at_most" and int(value) <= rule["at_most"]
        if (rule["when"] == "below_expected" and low) or very_low:
            matched.append(rule)
    order = {c["id"]: i for i, c in enumerate(criteria_of(exercise))}
    return sorted(matched, key=lambda r: (PRIORITY_ORDER.get(r["priority"], 9), order[r["criterion"]], r["id"]))


def themes() -> list[dict]:
    return content.rules()["themes"]
