"""The RETEX from draft to validation, by the animation team once the exercise is over. Every write is a do_*
function: ability check, then the write (audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import access
from exercises.models import Exercise
from live.models import LogEntry
from retex.models import (
    OPEN_STATUSES,
    PRIORITY_ORDER,
    Action,
    ActionRenewal,
    EvaluationScore,
    Recommendation,
    Retex,
    RetexStatus,
)
from retex.services import content
from retex.services.analysis import NUMERIC, criteria_of, milestones_for, ratings_by_criterion, suggest_milestones
from retex.services.recommendations import matching_rules

VALUES = ("NO", *NUMERIC)


def _require_team(user, exercise: Exercise) -> None:
    if not access.can_manage_exercise(user, exercise):
        raise PermissionDenied
    if not exercise.is_over:
        raise ValidationError("Le RETEX se prépare une fois l'exercice terminé.")


def _require_draft(retex: Retex) -> None:
    if retex.is_validated:
        raise ValidationError("Le RETEX est validé ; rouvrez-le pour le modifier.")


def crisis_log(exercise: Exercise) -> list[LogEntry]:
    return list(exercise.log_entries.filter(team=False).select_related("author").order_by("offset", "pk"))


def workbench(retex: Retex) -> dict:
    """What the animation team's RETEX page shows: observers' ratings with the consolidated value, milestones,
    crisis-log entries to pick from, recommendations, the hot debrief."""
    from exercises.models import MemberRole
    from retex.models import Priority
    from retex.services import debrief, plan
    from retex.services.analysis import milestone_delays
    from retex.services.recommendations import themes
    from retex.services.report import clock

    exercise = retex.exercise
    entries = crisis_log(exercise)
    followed = plan.followed_criteria(exercise.establishment)
    return {
        "consolidation": [{
            "id": row.criterion["id"], "title": row.criterion["title"],
            "objective": row.criterion["objective_title"], "expected": row.criterion["expected_value"],
            "ratings": row.ratings, "disagreement": row.disagreement,
            "current": retex.consolidated.get(row.criterion["id"], ""),
            "comment": retex.comments.get(row.criterion["id"], ""), "followed": row.criterion["id"] in followed,
        } for row in ratings_by_criterion(exercise)],
        "scale": [(str(s["value"]), s["label"]) for s in exercise.kit_version.grid.scale],
        "milestones": [{**row, "at": clock(row["offset"])} for row in milestone_delays(
            exercise, retex.milestones, entries)],
        "entries": [{"pk": e.pk, "label": f"{clock(e.offset)} — {e.text[:90]}"} for e in entries],
        "recommendations": list(retex.recommendations.all()), "themes": themes(),
        "priorities": Priority.choices, "debrief_summary": debrief.summary(exercise),
        "responses": list(exercise.debrief_responses.all()), "roles": MemberRole.choices,
        # a paper questionnaire may answer any question; the role chosen keeps those meant for it
        "paper_questions": content.debrief()["questions"],
    }


@transaction.atomic
def do_open(user, exercise: Exercise) -> Retex:
    """The RETEX draft, created at first visit with the observers' ratings suggested (median) and the milestones
    guessed from the crisis log."""
    _require_team(user, exercise)
    retex = Retex.objects.select_for_update().filter(exercise=exercise).first()
    if retex is not None:
        return retex
    suggested = {row.criterion["id"]: row.suggested for row in ratings_by_criterion(exercise) if row.suggested}
    guesses = suggest_milestones(exercise, crisis_log(exercise))
    objectives = "\n".join(f"- {o['title']}" for o in exercise.kit_version.objectives)
    return Retex.objects.create(
        exercise=exercise, consolidated=suggested,
        milestones={key: {"log_entry": entry.pk, "offset": entry.offset} for key, entry in guesses.items()},
        context=_default_context(exercise, objectives))


def _default_context(exercise: Exercise, objectives: str) -> str:
    kit = exercise.kit
    day = timezone.localtime(exercise.scheduled_start)
    text = (f"Exercice de crise cyber « {exercise.title} » joué le {day:%d/%m/%Y} ({exercise.place}), "
            f"à partir du kit « {kit.title} » (niveau {kit.get_level_display().lower()}).")
    if objectives:
        text += "\n\nObjectifs de l'exercice :\n" + objectives
    return text


@transaction.atomic
def do_save_consolidation(user, retex: Retex, values: dict[str, str], comments: dict[str, str]) -> Retex:
    _require_team(user, retex.exercise)
    _require_draft(retex)
    known = {c["id"] for c in criteria_of(retex.exercise)}
    wrong = [k for k, v in values.items() if k in known and v not in VALUES and v != ""]
    if wrong:
        raise ValidationError(f"Valeur invalide pour {', '.join(sorted(wrong))}.")
    retex.consolidated = {k: v for k, v in values.items() if k in known and v}
    retex.comments = {k: v.strip()[:2000] for k, v in comments.items() if k in known and v.strip()}
    retex.save()
    return retex


@transaction.atomic
def do_save_milestones(user, retex: Retex, choices: dict[str, str]) -> Retex:
    """choices: milestone → "entry:<pk>", "min:<minutes>" or "" (not reached)."""
    _require_team(user, retex.exercise)
    _require_draft(retex)
    entries = {e.pk: e for e in crisis_log(retex.exercise)}
    result = {}
    for milestone in milestones_for(retex.exercise):
        choice = (choices.get(milestone["id"]) or "").strip()
        if choice.startswith("entry:") and choice[6:].isdigit() and int(choice[6:]) in entries:
            entry = entries[int(choice[6:])]
            result[milestone["id"]] = {"log_entry": entry.pk, "offset": entry.offset}
        elif choice.startswith("min:"):
            try:
                minutes = float(choice[4:].replace(",", "."))
            except ValueError as exc:
                raise ValidationError(f"{milestone['label']} : durée invalide.") from exc
            if not 0 <= minutes <= 24 * 60:
                raise ValidationError(f"{milestone['label']} : durée invalide.")
            result[milestone["id"]] = {"offset": minutes * 60}
        elif choice:
            raise ValidationError(f"{milestone['label']} : choix invalide.")
    retex.milestones = result
    retex.save()
    return retex


@transaction.atomic
def do_save_texts(user, retex: Retex, *, context: str, strengths: str, improvements: str) -> Retex:
    _require_team(user, retex.exercise)
    _require_draft(retex)
    for label, value in (("contexte", context), ("points forts", strengths), ("axes d'amélioration", improvements)):
        if len(value) > 20000:
            raise ValidationError(f"{label} : 20 000 caractères au plus.")
    retex.context, retex.strengths, retex.improvements = context.strip(), strengths.strip(), improvements.strip()
    retex.save()
    return retex


@transaction.atomic
def do_generate_recommendations(user, retex: Retex) -> list[Recommendation]:
    """Applies the rules base to the consolidated ratings. Recommendations added by hand stay; rule-based ones are
    recomputed, keeping the team's choices (kept or not, priority) for rules that still apply."""
    _require_team(user, retex.exercise)
    _require_draft(retex)
    previous = {r.rule: r for r in retex.recommendations.exclude(rule="")}
    rules = matching_rules(retex.exercise, retex.consolidated)
    keep = {rule["id"] for rule in rules}
    for rule_id, rec in previous.items():
        if rule_id not in keep and not hasattr(rec, "action") and not hasattr(rec, "renewal"):
            rec.delete()
    created = []
    for rule in rules:
        if rule["id"] in previous:
            continue
        created.append(Recommendation.objects.create(
            retex=retex, rule=rule["id"], criterion=rule["criterion"], title=rule["title"], text=rule["text"].strip(),
            priority=rule["priority"], theme=rule["theme"], suggested_owner=rule.get("suggested_owner", ""),
            suggested_delay_days=rule.get("suggested_delay_days", 180), evidence=rule.get("evidence", "")))
    retex.rules_version = content.rules()["_ref"]
    retex.save()
    return created


@transaction.atomic
def do_update_recommendation(user, recommendation: Recommendation, *, selected: bool, priority: str) -> Recommendation:
    _require_team(user, recommendation.retex.exercise)
    _require_draft(recommendation.retex)
    if priority not in ("haute", "moyenne", "basse"):
        raise ValidationError("Priorité inconnue.")
    recommendation.selected, recommendation.priority = selected, priority
    recommendation.save()
    return recommendation


@transaction.atomic
def do_add_recommendation(user, retex: Retex, *, title: str, text: str, priority: str, theme: str,
                          criterion: str = "") -> Recommendation:
    _require_team(user, retex.exercise)
    _require_draft(retex)
    errors = {}
    if not title.strip():
        errors["title"] = "Intitulé obligatoire."
    if priority not in ("haute", "moyenne", "basse"):
        errors["priority"] = "Priorité inconnue."
    if theme not in {t["id"] for t in content.rules()["themes"]}:
        errors["theme"] = "Thème inconnu."
    if criterion and criterion not in {c["id"] for c in criteria_of(retex.exercise)}:
        errors["criterion"] = "Critère inconnu."
    if errors:
        raise ValidationError(errors)
    return Recommendation.objects.create(retex=retex, title=title.strip()[:200], text=text.strip(), priority=priority,
                                         theme=theme, criterion=criterion)


@dataclass
class Validation:
    """What a validation did to the improvement plan: actions created, and open actions renewed (re-dated)."""

    created: list[Action] = field(default_factory=list)
    renewed: list[Action] = field(default_factory=list)


def renewal_note(exercise: Exercise) -> str:
    day = timezone.localtime(exercise.scheduled_start)
    return f"Constat renouvelé lors de l'exercice {exercise.title} du {day:%d/%m/%Y}"


def _open_twins(establishment, recommendations: list[Recommendation]) -> dict[tuple[str, str], Action]:
    """(rule, criterion) → the open action of the plan that already answers it (the oldest when several do)."""
    rules = {rec.rule for rec in recommendations if rec.rule}
    twins: dict[tuple[str, str], Action] = {}
    if not rules:
        return twins
    for action in (Action.objects.select_for_update().filter(establishment=establishment, status__in=OPEN_STATUSES,
                                                              rule__in=rules).order_by("created_at", "pk")):
        for criterion in action.criteria or [""]:
            twins.setdefault((action.rule, criterion), action)
    return twins


@transaction.atomic
def do_validate(user, retex: Retex) -> Validation:
    """Validates the RETEX: every criterion of the grid must be consolidated (a value or « non observé »); each
    kept recommendation becomes an action of the establishment's improvement plan, unless an action still open
    there has the same rule and criterion: that one is renewed (new due date, priority raised if need be, a dated
    note linking this RETEX) instead of getting a twin. Done or abandoned actions are never reused."""
    _require_team(user, retex.exercise)
    _require_draft(retex)
    missing = [c["id"] for c in criteria_of(retex.exercise) if retex.consolidated.get(c["id"]) not in VALUES]
    if missing:
        raise ValidationError(f"Consolidez d'abord tous les critères ({', '.join(missing)}).")
    if not retex.rules_version:
        raise ValidationError("Générez d'abord les préconisations.")
    exercise = retex.exercise
    today = timezone.localdate()
    result = Validation()
    pending = list(retex.recommendations.filter(selected=True, action__isnull=True, renewal__isnull=True))
    twins = _open_twins(exercise.establishment, pending)
    for rec in pending:
        due_date = today + dt.timedelta(days=rec.suggested_delay_days)
        twin = twins.get((rec.rule, rec.criterion)) if rec.rule else None
        if twin is not None:
            ActionRenewal.objects.create(action=twin, retex=retex, recommendation=rec, note=renewal_note(exercise),
                                         previous_due_date=twin.due_date, due_date=due_date)
            twin.due_date = due_date
            if PRIORITY_ORDER.get(rec.priority, 9) < PRIORITY_ORDER.get(twin.priority, 9):
                twin.priority = rec.priority
            twin.save()
            if twin not in result.renewed:
                result.renewed.append(twin)
            continue
        action = Action.objects.create(
            establishment=exercise.establishment, recommendation=rec, exercise=exercise, rule=rec.rule,
            title=rec.title, description=rec.text, criteria=[rec.criterion] if rec.criterion else [],
            theme=rec.theme, owner=rec.suggested_owner, priority=rec.priority,
            due_date=due_date, evidence_expected=rec.evidence)
        result.created.append(action)
    retex.status, retex.validated_at, retex.validated_by = RetexStatus.VALIDATED, timezone.now(), user
    retex.save()
    EvaluationScore.objects.filter(retex=retex).delete()
    EvaluationScore.objects.bulk_create([  # derived rows (the RETEX itself is audited), for steering statistics
        EvaluationScore(retex=retex, establishment_id=exercise.establishment_id,
                        year=timezone.localtime(exercise.scheduled_start).year, grid=exercise.kit_version.grid.slug,
                        level=exercise.kit.level, criterion=criterion, value=int(value))
        for criterion, value in sorted(retex.consolidated.items()) if value in NUMERIC])
    return result


def plan_outcome(retex: Retex) -> dict:
    """How many actions of the plan this RETEX created and renewed (shown once it is validated)."""
    return {"created": Action.objects.filter(recommendation__retex=retex).count(),
            "renewed": ActionRenewal.objects.filter(retex=retex).values("action").distinct().count()}


@transaction.atomic
def do_reopen(user, retex: Retex) -> Retex:
    """Back to draft to correct it; actions already in the plan (created or renewed) stay: a new validation handles
    the new recommendations only."""
    _require_team(user, retex.exercise)
    retex.status, retex.validated_at, retex.validated_by = RetexStatus.DRAFT, None, None
    retex.save()
    EvaluationScore.objects.filter(retex=retex).delete()
    return retex
