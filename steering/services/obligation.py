"""The annual obligation: every health establishment runs a cyber crisis exercise each year. An establishment
has exercised in a year when a platform exercise ended that year or an exercise held elsewhere was declared.
Every figure is one aggregate query, whatever the number of establishments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts import access
from exercises.models import Exercise, Status
from organisations.models import Establishment, Sector
from steering.models import CampaignEntry, ExternalExercise

DIMENSIONS = {  # key → (label, grouping fields: id, label)
    "region": ("Région", "region_id", "region__name"),
    "department": ("Département", "department_id", "department__name"),
    "category": ("Catégorie", "category__aggregate_code", "category__aggregate_label"),
    "ght": ("GHT", "ght_id", "ght__short_name"),
    "status": ("Statut", "status", "status"),
}
STATUS_LABELS = {"public": "Public", "prive_non_lucratif": "Privé non lucratif", "prive_lucratif": "Privé lucratif",
                 "inconnu": "Non renseigné"}


@dataclass(frozen=True)
class Filters:
    year: int
    region: str = ""
    department: str = ""
    category: str = ""
    ght: str = ""
    status: str = ""

    @classmethod
    def from_request(cls, params, default_year: int) -> Filters:
        try:
            year = int(params.get("annee") or default_year)
        except ValueError:
            year = default_year
        return cls(year=max(2015, min(year, default_year + 1)), region=params.get("region", ""),
                   department=params.get("departement", ""), category=params.get("categorie", ""),
                   ght=params.get("ght", ""), status=params.get("statut", ""))

    def apply(self, establishments: QuerySet) -> QuerySet:
        lookups = {"region_id": self.region, "department_id": self.department,
                   "category__aggregate_code": self.category, "ght_id": self.ght, "status": self.status}
        return establishments.filter(**{k: v for k, v in lookups.items() if v})


def subject_establishments(user, filters: Filters) -> QuerySet:
    """The health establishments (sanitaire) in the user's scope, filtered."""
    return filters.apply(access.restrict(user, Establishment.objects.filter(sector=Sector.SANITAIRE)))


def with_exercise_status(establishments: QuerySet, year: int) -> QuerySet:
    ended = Exercise.objects.filter(establishment=OuterRef("pk"), status=Status.ENDED, scheduled_start__year=year)
    declared = ExternalExercise.objects.filter(establishment=OuterRef("pk"), held_on__year=year)
    planned = (Exercise.objects.filter(establishment=OuterRef("pk"), scheduled_start__year=year,
                                       status__in=[Status.DRAFT, Status.PLANNED, Status.RUNNING, Status.PAUSED])
               .order_by("scheduled_start").values("scheduled_start__date")[:1])
    campaign = (CampaignEntry.objects.filter(establishment=OuterRef("pk"), campaign__year=year,
                                             planned_on__isnull=False).order_by("planned_on").values("planned_on")[:1])
    return establishments.annotate(
        has_run=Exists(ended), is_declared=Exists(declared),
        planned_on=Coalesce(Subquery(planned), Subquery(campaign)))


def summary(user, filters: Filters) -> dict:
    rows = with_exercise_status(subject_establishments(user, filters), filters.year)
    totals = rows.aggregate(total=Count("pk"), done=Count("pk", filter=Q(has_run=True) | Q(is_declared=True)),
                            declared=Count("pk", filter=Q(is_declared=True, has_run=False)),
                            planned=Count("pk", filter=Q(has_run=False, is_declared=False,
                                                         planned_on__isnull=False)))
    totals["rate"] = round(100 * totals["done"] / totals["total"], 1) if totals["total"] else None
    return totals


def breakdown(user, filters: Filters, dimension: str) -> list[dict]:
    _, key, label = DIMENSIONS[dimension]
    rows = (with_exercise_status(subject_establishments(user, filters), filters.year)
            .values(key_id=F(key), key_label=F(label))
            .annotate(total=Count("pk"), done=Count("pk", filter=Q(has_run=True) | Q(is_declared=True)))
            .order_by("key_label"))
    result = []
    for row in rows:
        name = row["key_label"] or "Non renseigné"
        if dimension == "status":
            name = STATUS_LABELS.get(row["key_id"], row["key_id"])
        result.append({"id": row["key_id"] or "", "label": name, "total": row["total"], "done": row["done"],
                       "rate": round(100 * row["done"] / row["total"], 1) if row["total"] else None})
    return result


def not_exercised(user, filters: Filters) -> QuerySet:
    return (with_exercise_status(subject_establishments(user, filters), filters.year)
            .filter(has_run=False, is_declared=False)
            .select_related("region", "department", "ght", "category")
            .order_by(F("planned_on").asc(nulls_last=True), "name"))


def selectable_years(user) -> list[int]:
    """From the first exercise in scope (or five years back) to next year, newest first."""
    first = access.restrict(user, Exercise.objects.all()).aggregate(first=Min("scheduled_start"))["first"]
    today = dt.date.today()
    start = min(first.year if first else today.year, today.year - 4)
    return list(range(today.year + 1, start - 1, -1))
