"""Reading the kit library back from the database: a kit version as KitData, with the overlays of some contexts."""

from __future__ import annotations

from django.db.models import QuerySet

from kits.models import Kit, KitLevel, KitVersion, Overlay
from kits.services.assembly import KitData, apply_overlay
from kits.services.rendering import texts_of
from kits.services.stimuli import from_row

LEVEL_BY_MATURITY = {"debutant": KitLevel.DEBUTANT, "intermediaire": KitLevel.INTERMEDIAIRE,
                     "confirme": KitLevel.CONFIRME}
OVERLAY_CONTEXTS = ("psychiatrie", "ssr", "cancerologie", "had", "essms")


def published_kits() -> QuerySet:
    return Kit.objects.exclude(current=None).select_related("current", "current__grid")


def kit_data(version: KitVersion) -> KitData:
    meta = {
        "id": version.kit.slug, "version": version.version, "changelog": version.changelog, "title": version.title,
        "level": version.kit.level, "contexts": version.kit.contexts, "duration_minutes": version.duration_minutes,
        "summary": version.summary, "objectives": version.objectives, "grid": version.grid.slug,
        "phases": version.phases, "cell_roles": version.cell_roles, "actors": version.actors,
        "variables": version.variables,
    }
    stimuli = [from_row(row) for row in version.stimuli.all()]
    return KitData(meta, version.participant, version.communication, version.animator, stimuli)


def latest_overlays(contexts: list[str], kit_slug: str) -> list[Overlay]:
    chosen: dict[str, Overlay] = {}
    for overlay in Overlay.objects.filter(context__in=contexts).order_by("context", "-loaded_at"):
        if kit_slug in overlay.applies_to and overlay.context not in chosen:
            chosen[overlay.context] = overlay
    return [chosen[c] for c in contexts if c in chosen]


def assemble(version: KitVersion, contexts: list[str]) -> KitData:
    data = kit_data(version)
    for overlay in latest_overlays(contexts, version.kit.slug):
        data = apply_overlay(data, overlay.definition)
    return data


def search(queryset: QuerySet, text: str) -> list[Kit]:
    """Kits whose public parts (never the animator kit nor the chronogramme) contain every word of `text`."""
    words = [w.casefold() for w in text.split() if w]
    if not words:
        return list(queryset)
    found = []
    for kit in queryset:
        version = kit.current
        haystack = " ".join(texts_of([version.title, version.summary, version.objectives, version.cell_roles,
                                      version.participant, version.communication])).casefold()
        if all(word in haystack for word in words):
            found.append(kit)
    return found

