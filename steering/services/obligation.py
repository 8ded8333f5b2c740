"""The annual obligation: every health establishment runs a cyber crisis exercise each year. An establishment
has exercised in a year when a platform exercise ended that year or an exercise held elsewhere was declared.
The figures are a fixed number of aggregate queries, whatever the number of establishments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts import access
from exercises.models import Exercise, Status
from organisations.models import Category, Department, Establishment, Ght, Region, Sector
from organisations.models import Status as LegalStatus
from steering.models import CampaignEntry, ExternalExercise

DIMENSIONS = {"region": "Région", "department": "Département", "category": "Catégorie", "ght": "GHT",
              "status": "Statut"}
FIRST_YEAR = 2021  # the first national exercise campaigns
UPCOMING = (Status.DRAFT, Status.PLANNED, Status.RUNNING, Status.PAUSED)


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


def _declared_or_planned(year: int) -> QuerySet:
    """Establishments with an exercise declared or planned that year: a handful of ids, one UNION query."""
    platform = (Exercise.objects.filter(scheduled_start__year=year, status__in=UPCOMING)
                .values_list("establishment_id").order_by())
    campaign = (CampaignEntry.objects.filter(campaign__year=year, planned_on__isnull=False)
                .values_list("establishment_id").order_by())
    return _declared(year).values_list("establishment_id").order_by().union(platform, campaign)


def with_planned_on(establishments: QuerySet, year: int) -> QuerySet:
    """The next planned date (platform exercise, else campaign entry): for a page of rows."""
    planned = (Exercise.objects.filter(establishment=OuterRef("pk"), scheduled_start__year=year, status__in=UPCOMING)
               .order_by("scheduled_start").values("scheduled_start__date")[:1])
    campaign = (CampaignEntry.objects.filter(establishment=OuterRef("pk"), campaign__year=year,
                                             planned_on__isnull=False).order_by("planned_on").values("planned_on")[:1])
    return establishments.annotate(planned_on=Coalesce(Subquery(planned), Subquery(campaign)))


def with_exercise_status(establishments: QuerySet, year: int) -> QuerySet:
    """Per-row flags and the next planned date: for a page of rows (the database evaluates them for those rows)."""
    ended = Exercise.objects.filter(establishment=OuterRef("pk"), status=Status.ENDED, scheduled_start__year=year)
    declared = ExternalExercise.objects.filter(establishment=OuterRef("pk"), held_on__year=year)
    return with_planned_on(establishments, year).annotate(has_run=Exists(ended), is_declared=Exists(declared))


GROUP_COLUMNS = {"category": "category_id", "ght": "ght_id", "status": "status"}


def department_rows(user, filters: Filters, dimension: str | None = None) -> list[dict]:
    """One aggregate query: per department and region (and per category, GHT or legal status when `dimension`
    is one of them), establishments and those that exercised; then those whose exercise was declared and those
    with a planned date, read from their handful of establishments. The summary and every breakdown derive
    from these rows."""
    year = filters.year
    keys = ["department_id", "region_id", *([GROUP_COLUMNS[dimension]] if dimension in GROUP_COLUMNS else [])]
    subject = subject_establishments(user, filters)
    rows = list(subject.values(*keys)  # grouped on keys; names looked up from the small reference tables
                .annotate(total=Count("pk"), done=Count("pk", filter=_done_q(year))).order_by())
    by_key = {tuple(row[key] for key in keys): row for row in rows}
    for row in rows:
        row["declared"] = row["planned"] = 0
    # driven from the small set (primary key lookups), flags evaluated for those rows only
    ended = Exercise.objects.filter(establishment=OuterRef("pk"), status=Status.ENDED, scheduled_start__year=year)
    declared = ExternalExercise.objects.filter(establishment=OuterRef("pk"), held_on__year=year)
    for *key, has_run, is_declared in (subject.filter(pk__in=_declared_or_planned(year))
                                       .annotate(has_run=Exists(ended), is_declared=Exists(declared))
                                       .values_list(*keys, "has_run", "is_declared").order_by()):
        if not has_run:  # declared, else (being in the set) planned
            by_key[tuple(key)]["declared" if is_declared else "planned"] += 1
    return sorted(rows, key=lambda r: r["department_id"] or "")


def _rate(done: int, total: int) -> float | None:
    return round(100 * done / total, 1) if total else None


def summary(user, filters: Filters, departments: list[dict] | None = None) -> dict:
    departments = department_rows(user, filters) if departments is None else departments
    totals = {key: sum(row[key] for row in departments) for key in ("total", "done", "declared", "planned")}
    totals["rate"] = _rate(totals["done"], totals["total"])
    return totals


def breakdown(user, filters: Filters, dimension: str, departments: list[dict] | None = None) -> list[dict]:
    """Establishments and those that exercised, grouped by one dimension, from the department rows (read again,
    grouped on the dimension's own column too, when the given rows lack it)."""
    column = f"{dimension}_id" if dimension in ("region", "department") else GROUP_COLUMNS[dimension]
    counts = departments
    if counts is None or (counts and column not in counts[0]):
        counts = department_rows(user, filters, dimension)
    labels = _labels(dimension)
    grouped: dict = {}
    for row in counts:
        key, name = labels.get(row[column], (row[column] or "", None))
        entry = grouped.setdefault(key, {"id": key, "label": name or "Non renseigné", "total": 0, "done": 0})
        entry["total"] += row["total"]
        entry["done"] += row["done"]
    result = sorted(grouped.values(), key=lambda r: r["label"])
    for entry in result:
        entry["rate"] = _rate(entry["done"], entry["total"])
    return result


def _labels(dimension: str) -> dict:
    """Column value → (group id, group label), from the small reference tables."""
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
    return {value: (value, label) for value, label in LegalStatus.choices}


def not_exercised(user, filters: Filters) -> QuerySet:
    """Alphabetical (the database computes the planned date only for the rows shown)."""
    return (with_planned_on(subject_establishments(user, filters).exclude(_done_q(filters.year)), filters.year)
            .select_related("region", "ght").only("name", "city", "department_id", "region__name", "ght__short_name")
            .order_by("name", "pk"))


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
