"""Maturity levels, homogeneous evaluation (shared grid criteria) and improvement plans across a scope.
Ratings are small integers (0..3), so quartiles come exactly from value counts: one GROUP BY per page."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone

from accounts import access
from maturity.models import Assessment, Level
from organisations.models import Establishment
from retex.models import OPEN_STATUSES, Action, ActionStatus, EvaluationScore, Theme
from steering.services.obligation import Filters

SHARED_GRID = "grille-cyber-v1"


def _in_scope(user, queryset, filters: Filters):
    """Rows of a model with an `establishment` key, for the establishments the user may see (access.restrict on
    the directory) and the dashboard filters. Nothing is added for the national scope without filters, so the
    database can answer from a covering index."""
    scope = access.scope_of(user)
    establishments = filters.apply(access.restrict(user, Establishment.objects.all()))
    if scope.national and establishments.query.where == Establishment.objects.all().query.where:
        return queryset
    return queryset.filter(establishment__in=establishments.values("pk"))


def maturity_distribution(user, filters: Filters, years: int = 5) -> dict:
    """Submitted self-assessments by year and level (one per establishment and year: the reference grid)."""
    first = filters.year - years + 1
    rows = (_in_scope(user, Assessment.objects.filter(
        status=Assessment.Status.SUBMITTED, grid__is_default=True, year__gte=first, year__lte=filters.year), filters)
            .values("year", "level").annotate(n=Count("pk")))  # one per establishment, grid and year (constraint)
    table = {year: dict.fromkeys(Level.values, 0) for year in range(first, filters.year + 1)}
    for row in rows:
        if row["level"] in Level.values:
            table[row["year"]][row["level"]] = row["n"]
    series = []
    for year, counts in table.items():
        total = sum(counts.values())
        series.append({"year": year, "total": total, "counts": [
            {"level": level, "label": label, "n": counts[level],
             "percent": round(100 * counts[level] / total) if total else 0} for level, label in Level.choices]})
    return {"levels": Level.choices, "series": series}


def quartiles(counts: dict[int, int]) -> dict:
    """Median and quartiles of a discrete 0..3 distribution given as value → count."""
    total = sum(counts.values())
    if not total:
        return {"n": 0, "q1": None, "median": None, "q3": None, "mean": None}

    def at(fraction: float) -> int:
        rank, seen = fraction * (total - 1), 0
        for value in sorted(counts):
            seen += counts[value]
            if seen > rank:
                return value
        return max(counts)

    mean = sum(v * n for v, n in counts.items()) / total
    return {"n": total, "q1": at(0.25), "median": at(0.5), "q3": at(0.75), "mean": round(mean, 2)}


def _score_counts(scores) -> dict[str, dict[int, int]]:
    counts: dict[str, dict[int, int]] = defaultdict(lambda: dict.fromkeys(range(4), 0))
    for row in scores.values("criterion", "value").annotate(n=Count("*")):  # index-only scan on the covering index
        counts[row["criterion"]][row["value"]] = row["n"]
    return counts


def _grid_criteria() -> list[dict]:
    from kits.models import EvaluationGrid

    grid = EvaluationGrid.objects.filter(slug=SHARED_GRID).order_by("-loaded_at").first()
    return grid.criteria() if grid else []


def evaluation_distribution(user, filters: Filters) -> list[dict]:
    """For each shared criterion: how many validated RETEX rated it 0, 1, 2, 3 across the scope, with quartiles."""
    scores = _in_scope(user, EvaluationScore.objects.filter(grid=SHARED_GRID, year=filters.year), filters)
    counts = _score_counts(scores)
    rows = []
    for criterion in _grid_criteria():
        distribution = counts.get(criterion["id"], dict.fromkeys(range(4), 0))
        total = sum(distribution.values())
        rows.append({"id": criterion["id"], "title": criterion["title"], "objective": criterion["objective_title"],
                     "counts": [distribution[v] for v in range(4)],
                     "percents": [round(100 * distribution[v] / total) if total else 0 for v in range(4)],
                     **quartiles(distribution)})
    return rows


def peer_comparison(establishment: Establishment, year: int) -> list[dict]:
    """An establishment's own ratings against the regional and national peers of its category (same aggregate
    category): median and quartiles only, never another establishment's name or figures."""
    own = dict(EvaluationScore.objects.filter(establishment=establishment, grid=SHARED_GRID, year=year)
               .order_by("retex_id").values_list("criterion", "value"))
    peers = EvaluationScore.objects.filter(grid=SHARED_GRID, year=year).exclude(establishment=establishment)
    if establishment.category_id:
        peers = peers.filter(establishment__category__aggregate_code=establishment.category.aggregate_code)
    national = _score_counts(peers)
    regional = _score_counts(peers.filter(establishment__region_id=establishment.region_id))
    rows = []
    for criterion in _grid_criteria():
        rows.append({"id": criterion["id"], "title": criterion["title"], "own": own.get(criterion["id"]),
                     "regional": quartiles(regional.get(criterion["id"], {})),
                     "national": quartiles(national.get(criterion["id"], {}))})
    return rows


def plan_progress(user, filters: Filters) -> list[dict]:
    today = timezone.localdate()
    actions = _in_scope(user, Action.objects.all(), filters)
    rows = {row["theme"]: row for row in actions.values("theme").annotate(  # covered by (theme, status, due_date)
        total=Count("theme"), open=Count("theme", filter=Q(status__in=OPEN_STATUSES)),
        done=Count("theme", filter=Q(status=ActionStatus.DONE)),
        overdue=Count("theme", filter=Q(status__in=OPEN_STATUSES, due_date__lt=today)))}
    return [{"theme": value, "label": label, **{k: rows.get(value, {}).get(k, 0)
                                                 for k in ("total", "open", "done", "overdue")}}
            for value, label in Theme.choices]
