"""Which kit an establishment should play: the level of its latest self-assessment, the overlays of its activity."""

from __future__ import annotations

from dataclasses import dataclass

from kits.models import Kit, KitLevel
from kits.services.library import OVERLAY_CONTEXTS, published_kits
from maturity.models import Assessment


@dataclass
class Recommendation:
    kit: Kit | None
    level: str
    contexts: list[str]
    reason: str


def recommend(establishment) -> Recommendation:
    latest = (Assessment.objects.filter(establishment=establishment, status=Assessment.Status.SUBMITTED)
              .order_by("-year", "-submitted_at").first())
    if latest and latest.level:
        level = latest.level
        reason = (f"Niveau « {KitLevel(level).label.lower()} » recommandé par l'autoévaluation {latest.year} "
                  f"(score {latest.percent} %).")
    else:
        level = KitLevel.DEBUTANT
        reason = ("Aucune autoévaluation soumise : le kit débutant est recommandé. Remplissez l'autoévaluation de "
                  "maturité pour ajuster le niveau.")
    contexts = [c for c in establishment.context_list if c in OVERLAY_CONTEXTS]
    kit = published_kits().filter(level=level).first()
    return Recommendation(kit, level, contexts, reason)
