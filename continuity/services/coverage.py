"""Coverage of the entity's activity by validated BIAs, against the programme's funding criteria (CaRE
Domaine 2): at least one care service with a major impact, the most critical administrative process, one
medico-technical platform (pharmacy, biology, imaging), at least one PCRA tested in a field exercise, and for a
multi-establishment entity at least 66 % of the activity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from continuity.models import BiaStatus, ProcessCategory


@dataclass(frozen=True)
class Requirement:
    label: str
    met: bool
    detail: str


@dataclass
class Coverage:
    covered_share: float
    declared_share: float  # sum of the shares of every process listed (should be 100)
    target: int | None
    requirements: list[Requirement] = field(default_factory=list)
    to_cover: list = field(default_factory=list)  # uncovered processes, largest share first

    @property
    def met(self) -> bool:
        return all(r.met for r in self.requirements)

    @property
    def missing_share(self) -> float:
        return max(0.0, (self.target or 0) - self.covered_share)


def coverage_of(processes: Sequence, target: int | None) -> Coverage:
    """`processes`: objects with category, criticality, activity_share, bia_status, tested_on, name."""
    covered = [p for p in processes if p.bia_status == BiaStatus.VALIDATED]
    share = round(sum(p.activity_share for p in covered), 1)
    declared = round(sum(p.activity_share for p in processes), 1)
    requirements = []

    care = [p for p in covered if p.category == ProcessCategory.CARE and p.criticality >= 3]
    requirements.append(Requirement(
        "Un service de soins à impact majeur", bool(care),
        ", ".join(p.name for p in care) if care else
        "Aucun processus de soins de criticité 3 ou 4 n'a de BIA validé."))

    admin = [p for p in processes if p.category == ProcessCategory.ADMINISTRATIVE]
    if admin:
        top = max(p.criticality for p in admin)
        most = [p for p in admin if p.criticality == top]
        done = [p for p in most if p.bia_status == BiaStatus.VALIDATED]
        requirements.append(Requirement(
            "Le processus administratif le plus critique", bool(done),
            ", ".join(p.name for p in done) if done else
            "À valider : " + ", ".join(p.name for p in most) + f" (criticité {top})."))
    else:
        requirements.append(Requirement("Le processus administratif le plus critique", False,
                                        "Aucun processus administratif recensé (paie, facturation, fournisseurs…)."))

    platform = [p for p in covered if p.category == ProcessCategory.MEDICO_TECHNICAL]
    requirements.append(Requirement(
        "Un plateau médico-technique (pharmacie, biologie, imagerie)", bool(platform),
        ", ".join(p.name for p in platform) if platform else "Aucun processus médico-technique n'a de BIA validé."))

    tested = [p for p in covered if p.tested_on]
    requirements.append(Requirement(
        "Au moins un PCRA éprouvé en exercice terrain", bool(tested),
        ", ".join(f"{p.name} ({p.tested_on:%d/%m/%Y})" for p in tested) if tested else
        "Aucun mode dégradé n'a encore été éprouvé : planifiez un exercice terrain."))

    if target is not None:
        requirements.append(Requirement(
            f"Au moins {target} % de l'activité couverte (entité multi-établissements)", share >= target,
            f"{share:g} % couverts" + ("" if share >= target else f", il manque {target - share:g} points.")))
    to_cover = sorted((p for p in processes if p.bia_status != BiaStatus.VALIDATED),
                      key=lambda p: (-p.activity_share, -p.criticality, p.name))
    return Coverage(share, declared, target, requirements, to_cover)
