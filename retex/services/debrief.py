"""The hot debrief (RETEX à chaud): questions by audience, answered by members after the end or entered by the
animation team from a paper round. Every write through a do_* function."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import access
from exercises.models import Exercise, Member, MemberRole
from retex.models import DebriefResponse
from retex.services import content

MAX_ANSWER = 4000


def questions_for(role: str) -> list[dict]:
    return [q for q in content.debrief()["questions"] if role in q["audience"]]


def form_items(role: str, values: dict, errors: dict) -> list[dict]:
    """The questions of a role, ready for a form: current value, errors, scale options with their end labels."""
    items = []
    for question in questions_for(role):
        item = {"question": question, "value": values.get(question["id"], ""), "errors": errors.get(question["id"], [])}
        if question["kind"] == "scale":
            scale = question["scale"]
            item["options"] = [(str(n), scale["min_label"] if n == scale["min"] else
                                scale["max_label"] if n == scale["max"] else "")
                               for n in range(scale["min"], scale["max"] + 1)]
        items.append(item)
    return items


def clean_answers(role: str, raw: dict[str, str], *, require: bool = True) -> dict[str, str]:
    answers, errors = {}, {}
    for question in questions_for(role):
        value = (raw.get(question["id"]) or "").strip()
        if question["kind"] == "scale" and value:
            scale = question["scale"]
            if not value.isdigit() or not scale["min"] <= int(value) <= scale["max"]:
                errors[question["id"]] = f"Choisissez une valeur de {scale['min']} à {scale['max']}."
        if len(value) > MAX_ANSWER:
            errors[question["id"]] = f"{MAX_ANSWER} caractères au plus."
        if require and question.get("required") and not value:
            errors[question["id"]] = "Réponse attendue."
        if value:
            answers[question["id"]] = value
    if errors:
        raise ValidationError(errors)
    return answers


def _member(user, exercise: Exercise) -> Member | None:
    return exercise.members.filter(user=user).first() if user.is_authenticated else None


def can_answer(user, exercise: Exercise) -> bool:
    return exercise.is_over and _member(user, exercise) is not None


def own_response(user, exercise: Exercise) -> DebriefResponse | None:
    member = _member(user, exercise)
    return DebriefResponse.objects.filter(exercise=exercise, member=member).first() if member else None


@transaction.atomic
def do_answer(user, exercise: Exercise, raw: dict[str, str]) -> DebriefResponse:
    member = _member(user, exercise)
    if member is None:
        raise PermissionDenied
    if not exercise.is_over:
        raise ValidationError("Le RETEX à chaud s'ouvre à la fin de l'exercice.")
    if hasattr(exercise, "retex") and exercise.retex.is_validated:
        raise ValidationError("Le RETEX est validé : le questionnaire est clos.")
    answers = clean_answers(member.role, raw)
    response = DebriefResponse.objects.filter(exercise=exercise, member=member).first() or DebriefResponse(
        exercise=exercise, member=member, respondent=member.full_name or member.email, role=member.role)
    response.answers, response.entered_by = answers, user
    response.questionnaire = content.debrief()["_ref"]
    response.save()
    return response


@transaction.atomic
def do_enter_paper(user, exercise: Exercise, *, respondent: str, role: str, raw: dict[str, str]) -> DebriefResponse:
    """A paper questionnaire typed in by the animation team (questions not answered on paper stay empty)."""
    if not access.can_manage_exercise(user, exercise):
        raise PermissionDenied
    if not exercise.is_over:
        raise ValidationError("Le RETEX à chaud s'ouvre à la fin de l'exercice.")
    if role not in MemberRole.values:
        raise ValidationError({"role": "Rôle inconnu."})
    answers = clean_answers(role, raw, require=False)
    if not answers:
        raise ValidationError("Aucune réponse saisie.")
    return DebriefResponse.objects.create(exercise=exercise, respondent=respondent.strip()[:150] or "Anonyme",
                                          role=role, answers=answers, on_paper=True, entered_by=user,
                                          questionnaire=content.debrief()["_ref"])


def summary(exercise: Exercise) -> list[dict]:
    """Per question: the open answers listed, the scale answers averaged (for the team and the report)."""
    responses = list(DebriefResponse.objects.filter(exercise=exercise))
    rows = []
    for question in content.debrief()["questions"]:
        values = [(r, r.answers.get(question["id"])) for r in responses if r.answers.get(question["id"])]
        row = {"question": question, "count": len(values)}
        if question["kind"] == "scale":
            numbers = [int(v) for _, v in values]
            row["average"] = round(sum(numbers) / len(numbers), 1) if numbers else None
            row["distribution"] = [(n, numbers.count(n)) for n in range(question["scale"]["min"],
                                                                         question["scale"]["max"] + 1)]
        else:
            row["answers"] = [(r.get_role_display(), v) for r, v in values]
        rows.append(row)
    return rows
