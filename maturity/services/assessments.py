"""Writes on self-assessments (every write goes through a do_* function) and the reads the pages need."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts import access
from maturity.models import Assessment, Grid, Level
from maturity.services.scoring import score


def current_year() -> int:
    return timezone.localdate().year


def _clean_answers(grid: Grid, answers: dict[str, str]) -> dict[str, str]:
    valid = {q["id"]: {a["id"] for a in q["answers"]} for q in grid.definition["questions"]}
    return {qid: aid for qid, aid in answers.items() if qid in valid and aid in valid[qid]}


def do_start_assessment(user, establishment, grid: Grid, year: int | None = None) -> Assessment:
    if not access.can_edit_assessment(user, establishment):
        raise PermissionDenied
    year = year or current_year()
    assessment, _ = Assessment.objects.get_or_create(
        establishment=establishment, grid=grid, year=year, defaults={"created_by": user})
    return assessment


def do_save_draft(user, assessment: Assessment, answers: dict[str, str]) -> Assessment:
    if not access.can_edit_assessment(user, assessment.establishment):
        raise PermissionDenied
    if assessment.is_submitted:
        raise ValidationError("Cette autoévaluation est déjà soumise : elle ne peut plus être modifiée.")
    assessment.answers = {**assessment.answers, **_clean_answers(assessment.grid, answers)}
    assessment.save()
    return assessment


@transaction.atomic
def do_submit(user, assessment: Assessment, answers: dict[str, str]) -> Assessment:
    """Saves the answers, then submits if every question is answered; otherwise the answers stay as a draft
    and a ValidationError lists the missing questions."""
    do_save_draft(user, assessment, answers)
    result = score(assessment.grid.definition, assessment.answers)
    if result.missing:
        raise ValidationError({"missing": result.missing})
    assessment.status = Assessment.Status.SUBMITTED
    assessment.percent = result.percent
    assessment.level = result.level
    assessment.theme_scores = [asdict(t) | {"percent": t.percent} for t in result.themes]
    assessment.gates_applied = result.gates_applied
    assessment.submitted_by = user
    assessment.submitted_at = timezone.now()
    assessment.save()
    return assessment


def latest_submitted(establishment) -> Assessment | None:
    return (Assessment.objects.filter(establishment=establishment, status=Assessment.Status.SUBMITTED)
            .select_related("grid").order_by("-year", "-submitted_at").first())


def with_latest_level(establishments: QuerySet) -> QuerySet:
    latest = (Assessment.objects.filter(establishment=OuterRef("pk"), status=Assessment.Status.SUBMITTED)
              .order_by("-year", "-submitted_at"))
    return establishments.annotate(
        latest_level=Subquery(latest.values("level")[:1]),
        latest_year=Subquery(latest.values("year")[:1]),
        latest_assessment_id=Subquery(latest.values("pk")[:1]),
    )


def level_distribution(user, year: int | None = None, region: str | None = None) -> dict:
    """Latest submitted level per establishment in the user's scope (sanitaire and ESSMS), counted."""
    from organisations.models import Establishment

    establishments = access.restrict(user, Establishment.objects.exclude(sector="autre"))
    if region:
        establishments = establishments.filter(region_id=region)
    assessments = access.restrict(user, Assessment.objects.filter(status=Assessment.Status.SUBMITTED))
    if region:
        assessments = assessments.filter(establishment__region_id=region)
    if year:
        assessments = assessments.filter(year=year)
    latest: dict[str, tuple[int, str]] = {}
    for establishment_id, assessment_year, level in assessments.order_by("year", "submitted_at").values_list(
        "establishment_id", "year", "level"
    ):
        latest[establishment_id] = (assessment_year, level)
    counts = Counter(level for _, level in latest.values())
    total = establishments.count()
    rows = [{"level": value, "label": label, "count": counts.get(value, 0)} for value, label in Level.choices]
    return {"rows": rows, "assessed": len(latest), "total": total, "not_assessed": max(total - len(latest), 0)}
