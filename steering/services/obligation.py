"""The annual obligation: every health establishment runs a cyber crisis exercise each year. An establishment
has exercised in a year when a platform exercise ended that year or an exercise held elsewhere was declared.
Every figure is one aggregate query, whatever the number of establishments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
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
FIRST_YEAR = 2021  # the first national exercise campaigns
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


def _ended(year: int) -> QuerySet:
    return Exercise.objects.filter(status=Status.ENDED, scheduled_start__year=year).values("establishment_id")


def _declared(year: int) -> QuerySet:
    return ExternalExercise.objects.filter(held_on__year=year).values("establishment_id")


def _done_q(year: int) -> Q:
    """Has exercised that year: semi-joins on two small sets (hashed by the database), not a subquery per row."""
    return Q(pk__in=_ended(year)) | Q(pk__in=_declared(year))


def with_exercise_status(establishments: QuerySet, year: int) -> QuerySet:
    """Per-row flags and the next planned date: for a page of rows (the database evaluates them for those rows)."""
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


@dataclass
class Overview:
    """The scope's establishments read once (key columns only) with the year's sets of establishments that
    exercised, declared or planned: the summary and every breakdown are computed from it, whatever the
    dimension, in four queries."""

    rows: list[tuple]  # (finess, department, region, ght, category, status)
    ended: set[str]
    declared: set[str]
    planned: set[str]

    def done(self, finess: str) -> bool:
        return finess in self.ended or finess in self.declared

    def summary(self) -> dict:
        done = [r[0] for r in self.rows if self.done(r[0])]
        totals = {"total": len(self.rows), "done": len(done),
                  "declared": sum(1 for f in done if f not in self.ended),
                  "planned": sum(1 for r in self.rows if not self.done(r[0]) and r[0] in self.planned)}
        totals["rate"] = _rate(totals["done"], totals["total"])
        return totals

    def breakdown(self, dimension: str) -> list[dict]:
        column = {"department": 1, "region": 2, "ght": 3, "category": 4, "status": 5}[dimension]
        labels = _labels(dimension)
        grouped: dict = {}
        for row in self.rows:
            key, name = labels.get(row[column], (row[column] or "", None))
            entry = grouped.setdefault(key, {"id": key, "label": name or "Non renseigné", "total": 0, "done": 0})
            entry["total"] += 1
            entry["done"] += self.done(row[0])
        result = sorted(grouped.values(), key=lambda r: (r["label"] == "Non renseigné", r["label"]))
        for entry in result:
            entry["rate"] = _rate(entry["done"], entry["total"])
        return result


def overview(user, filters: Filters) -> Overview:
    year = filters.year
    rows = list(subject_establishments(user, filters).order_by().values_list(
        "finess", "department_id", "region_id", "ght_id", "category_id", "status"))
    platform = Exercise.objects.filter(scheduled_start__year=year, status__in=[
        Status.DRAFT, Status.PLANNED, Status.RUNNING, Status.PAUSED]).values_list("establishment_id", flat=True)
    campaign = CampaignEntry.objects.filter(campaign__year=year, planned_on__isnull=False).values_list(
        "establishment_id", flat=True)
    return Overview(rows, set(_ended(year).values_list("establishment_id", flat=True)),
                    set(_declared(year).values_list("establishment_id", flat=True)),
                    set(platform.order_by()) | set(campaign.order_by()))


def _rate(done: int, total: int) -> float | None:
    return round(100 * done / total, 1) if total else None


def summary(user, filters: Filters) -> dict:
    return overview(user, filters).summary()


def breakdown(user, filters: Filters, dimension: str) -> list[dict]:
    return overview(user, filters).breakdown(dimension)


def _labels(dimension: str) -> dict:
    """Column value → (group id, group label), from the small reference tables."""
    from organisations.models import Category, Department, Ght, Region

    if dimension == "category":  # grouped by aggregate category, as the filter
        return {code: (aggregate or "", label or None)
                for code, aggregate, label in Category.objects.values_list("code", "aggregate_code",
                                                                           "aggregate_label")}
    if dimension == "ght":
        return {code: (code, short) for code, short in Ght.objects.values_list("code", "short_name")}
    if dimension == "department":
        return {code: (code, name) for code, name in Department.objects.values_list("code", "name")}
    if dimension == "region":
        return {code: (code, name) for code, name in Region.objects.values_list("code", "name")}
    return {value: (value, label) for value, label in STATUS_LABELS.items()}


def not_exercised(user, filters: Filters) -> QuerySet:
    """Alphabetical (the database computes the planned date only for the rows shown)."""
    return (with_exercise_status(subject_establishments(user, filters).exclude(_done_q(filters.year)), filters.year)
            .select_related("region", "ght").order_by("name", "pk"))


class Counted:
    """A queryset whose row count is already known (total − done from the summary): the paginator does not
    count again."""

    def __init__(self, queryset: QuerySet, count: int):
        self.queryset, self._count = queryset, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        return self.queryset[index]


def selectable_years(user) -> list[int]:
    """The programme's years up to next year, newest first (no query: the history starts with the programme)."""
    return list(range(dt.date.today().year + 1, FIRST_YEAR - 1, -1))
