"""Sector and activity contexts derived from the FINESS category (rules in content/reference)."""

from functools import lru_cache

import yaml
from django.conf import settings


@lru_cache(maxsize=1)
def _rules() -> dict:
    with open(settings.CONTENT_DIR / "reference" / "categories-finess.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def classify(category: str, aggregate: str) -> tuple[str, str]:
    """Return (sector, comma-separated contexts) for a FINESS category and aggregate category."""
    rules = _rules()
    rule = rules["categories"].get(category) or rules["aggregates"].get(aggregate)
    if rule is None:
        for prefix in sorted(rules["prefixes"], key=len, reverse=True):
            if aggregate.startswith(prefix):
                rule = rules["prefixes"][prefix]
                break
    if rule is None:
        return "autre", ""
    return rule["sector"], ",".join(rule["contexts"])


def status_from(codesph: str, siret: str, sae_status: str | None) -> str:
    """Public/private status: SAE statut when known, else the FINESS SPH code, else the SIREN (2xx = public)."""
    if sae_status:
        lowered = sae_status.lower()
        if lowered.startswith("public"):
            return "public"
        if "non lucratif" in lowered:
            return "prive_non_lucratif"
        if "lucratif" in lowered:
            return "prive_lucratif"
    if codesph == "1":
        return "public"
    if codesph in {"2", "3", "6", "7"}:
        return "prive_non_lucratif"
    if siret[:1] in {"1", "2"}:
        return "public"
    return "inconnu"
