"""The animator's controls. Every write: permission check, one transaction, audit, then live events."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import access
from exercises.models import Exercise, ExerciseStimulus, Status
from kits.services.stimuli import parse_offset
from live.models import Delivery, DeliveryStatus, LatePolicy, LiveState
from live.services import clock, events
from live.services.delivery import actor_labels, prerender, send_now

AD_HOC = "ajout en direct"


def _require_team(user, exercise: Exercise) -> None:
    if not access.can_manage_exercise(user, exercise):
        raise PermissionDenied("Réservé à l'équipe d'animation.")


def _locked_state(exercise: Exercise) -> LiveState:
    return LiveState.objects.select_for_update().select_related("exercise").get(exercise=exercise)


def _publish_clock(state: LiveState) -> None:
    event = clock.snapshot(state)
    eid = state.exercise_id
    transaction.on_commit(lambda: events.publish(
        [events.group_cell(eid), events.group_team(eid), events.group_observers(eid)]
        + [events.group_role(eid, r) for r in _roles(state.exercise)], event))


def _roles(exercise: Exercise) -> list[str]:
    return sorted(set(exercise.members.exclude(cell_role="").values_list("cell_role", flat=True)))


@transaction.atomic
def do_start(user, exercise: Exercise, *, speed: float = 1.0, late_policy: str = LatePolicy.DELIVER) -> LiveState:
    _require_team(user, exercise)
    if exercise.status not in (Status.DRAFT, Status.PLANNED):
        raise ValidationError("L'exercice a déjà été lancé.")
    now = timezone.now()
    state, _ = LiveState.objects.get_or_create(exercise=exercise)
    state.base_offset, state.base_wall, state.running, state.started_at = 0.0, now, True, now
    state.speed = min(max(float(speed), clock.MIN_SPEED), clock.MAX_SPEED)
    state.late_policy = late_policy
    state.actors = actor_labels(exercise)
    state.save()
    Delivery.objects.filter(exercise=exercise).delete()
    rows = [Delivery(exercise=exercise, stimulus=s, stimulus_code=s.stimulus_id, due_offset=s.offset_seconds,
                     manual=s.contingency, recipients=s.recipients) for s in exercise.stimuli.all()]
    prerender(exercise, rows, state.actors)
    Delivery.objects.bulk_create(rows)
    clock.reschedule(state)
    exercise.status = Status.RUNNING
    exercise.save()
    _publish_clock(state)
    return state


@transaction.atomic
def do_pause(user, exercise: Exercise) -> LiveState:
    _require_team(user, exercise)
    state = _locked_state(exercise)
    if not state.running:
        return state
    clock.rebase(state, timezone.now())
    state.running = False
    state.save()
    clock.reschedule(state)
    exercise.status = Status.PAUSED
    exercise.save()
    _publish_clock(state)
    return state


@transaction.atomic
def do_resume(user, exercise: Exercise) -> LiveState:
    _require_team(user, exercise)
    state = _locked_state(exercise)
    if state.running or exercise.status != Status.PAUSED:
        return state
    state.base_wall, state.running = timezone.now(), True
    state.save()
    clock.reschedule(state)
    exercise.status = Status.RUNNING
    exercise.save()
    _publish_clock(state)
    return state


@transaction.atomic
def do_set_speed(user, exercise: Exercise, speed: float) -> LiveState:
    _require_team(user, exercise)
    if not clock.MIN_SPEED <= speed <= clock.MAX_SPEED:
        raise ValidationError("Vitesse entre ×1 et ×10.")
    state = _locked_state(exercise)
    clock.rebase(state, timezone.now())
    state.speed = speed
    state.save()
    clock.reschedule(state)
    _publish_clock(state)
    return state


def phase_starts(exercise: Exercise) -> dict[str, float]:
    """Exercise offset at which each phase starts (its first stimulus of the chronogramme)."""
    starts: dict[str, float] = {}
    for phase, offset in exercise.stimuli.exclude(source=AD_HOC).order_by("offset_seconds").values_list(
            "phase", "offset_seconds"):
        starts.setdefault(phase, float(offset))
    return starts


def _skipped(deliveries, target: float, now_offset: float) -> list[Delivery]:
    """What a jump forward to `target` would mark « non joué »: automatic stimuli not yet sent before it."""
    if target <= now_offset:
        return []
    return [d for d in deliveries if d.status == DeliveryStatus.PENDING and not d.manual and d.due_offset < target]


def jump_previews(exercise: Exercise, state: LiveState, deliveries: list[Delivery]) -> dict[str, list[Delivery]]:
    """For each phase the console may jump to, the stimuli the jump would skip (asked before, said after)."""
    now_offset = clock.offset_at(state)
    ordered = sorted(deliveries, key=lambda d: (d.due_offset, d.pk))
    return {phase: _skipped(ordered, target, now_offset) for phase, target in phase_starts(exercise).items()}


@transaction.atomic
def do_jump(user, exercise: Exercise, phase: str) -> list[Delivery]:
    """Jumps to the start of a phase; returns the stimuli of earlier phases not yet sent, now marked « non joué »
    (the console asks before, and says which after)."""
    _require_team(user, exercise)
    if exercise.status not in (Status.RUNNING, Status.PAUSED):
        raise ValidationError("L'exercice n'est pas en cours.")
    state = _locked_state(exercise)
    target = phase_starts(exercise).get(phase)
    if target is None:
        raise ValidationError("Phase inconnue.")
    now = timezone.now()
    pending = Delivery.objects.filter(exercise=exercise, status=DeliveryStatus.PENDING, manual=False,
                                      due_offset__lt=target).order_by("due_offset", "pk")
    skipped = _skipped(list(pending), target, clock.offset_at(state, now))
    Delivery.objects.filter(pk__in=[d.pk for d in skipped]).update(status=DeliveryStatus.SKIPPED, due_at=None)
    state.base_offset, state.base_wall = target, now
    state.save()
    clock.reschedule(state)
    _publish_clock(state)
    eid = exercise.pk
    codes = [d.stimulus_code for d in skipped]
    transaction.on_commit(lambda: events.publish([events.group_team(eid)], {
        "type": "skipped", "ids": [d.pk for d in skipped], "codes": codes}))
    return skipped


@transaction.atomic
def do_stop(user, exercise: Exercise) -> LiveState:
    """FINEX: the clock stops for good; every member's page says the exercise is over (clock event `ended`)."""
    _require_team(user, exercise)
    if exercise.status not in (Status.RUNNING, Status.PAUSED):
        raise ValidationError("L'exercice n'est pas en cours.")
    state = _locked_state(exercise)
    clock.rebase(state, timezone.now())
    state.running = False
    state.save()
    Delivery.objects.filter(exercise=exercise, status__in=[DeliveryStatus.PENDING, DeliveryStatus.HELD]).update(
        due_at=None)
    exercise.status, exercise.ended_at = Status.ENDED, timezone.now()
    exercise.save()
    state.exercise.status = Status.ENDED  # the clock event says « terminé », not « en pause »
    _publish_clock(state)
    return state


def do_trigger(user, exercise: Exercise, delivery_id: int) -> Delivery:
    _require_team(user, exercise)
    if exercise.status not in (Status.RUNNING, Status.PAUSED):
        raise ValidationError("L'exercice n'est pas en cours.")
    row = send_now(delivery_id) if Delivery.objects.filter(pk=delivery_id, exercise=exercise).exists() else None
    if row is None:
        raise ValidationError("Ce stimulus a déjà été envoyé ou n'est plus jouable.")
    return row


@transaction.atomic
def do_skip(user, exercise: Exercise, delivery_id: int) -> None:
    _require_team(user, exercise)
    updated = Delivery.objects.filter(pk=delivery_id, exercise=exercise, status__in=[
        DeliveryStatus.PENDING, DeliveryStatus.HELD]).update(status=DeliveryStatus.SKIPPED, due_at=None)
    if not updated:
        raise ValidationError("Ce stimulus a déjà été envoyé.")


@transaction.atomic
def do_postpone(user, exercise: Exercise, delivery_id: int, seconds: int) -> Delivery:
    _require_team(user, exercise)
    row = Delivery.objects.select_for_update().filter(pk=delivery_id, exercise=exercise,
                                                      status=DeliveryStatus.PENDING).first()
    if row is None:
        raise ValidationError("Ce stimulus a déjà été envoyé.")
    state = LiveState.objects.get(exercise=exercise)
    row.due_offset = max(row.due_offset, clock.offset_at(state)) + seconds
    row.due_at = None if row.manual else clock.due_at(state, row.due_offset)
    row.save()
    return row


@transaction.atomic
def do_edit_stimulus(user, exercise: Exercise, delivery_id: int, *, title: str, content: str) -> ExerciseStimulus:
    _require_team(user, exercise)
    row = Delivery.objects.select_for_update(of=("self",)).select_related("stimulus").filter(
        pk=delivery_id, exercise=exercise, status__in=[DeliveryStatus.PENDING, DeliveryStatus.HELD]).first()
    if row is None:
        raise ValidationError("Un stimulus envoyé ne se modifie plus.")
    if not title.strip() or not content.strip():
        raise ValidationError("Titre et contenu sont obligatoires.")
    stimulus = row.stimulus
    stimulus.title, stimulus.content = title.strip(), content
    stimulus.save()
    state = LiveState.objects.select_related("exercise").get(exercise=exercise)
    prerender(exercise, [row], state.actors or actor_labels(exercise))
    row.save(update_fields=["payload", "recipients"])
    return stimulus


_STORY = re.compile(r"^(.*?)(\d{1,2}):(\d{2})$")


def story_time_at(exercise: Exercise, offset: float) -> str:
    """The simulated time at an exercise offset: the latest story point of the chronogramme before it, plus the time
    elapsed since (never past the next point of the same day), as the players' clock shows it (static/live/live.js)."""
    points = list(exercise.stimuli.exclude(source=AD_HOC).order_by("offset_seconds").values_list(
        "offset_seconds", "story_time"))
    before = [p for p in points if p[0] <= offset]
    if not before:
        return points[0][1] if points else "J 00:00"
    at, label = before[-1]
    match = _STORY.match(label)
    if not match:
        return label
    minutes = int(match[2]) * 60 + int(match[3]) + int((offset - at) // 60)
    after = next((p for p in points if p[0] > offset), None)
    following = _STORY.match(after[1]) if after else None
    if following and following[1] == match[1]:
        minutes = min(minutes, int(following[2]) * 60 + int(following[3]))
    minutes = min(minutes, 23 * 60 + 59)
    return f"{match[1]}{minutes // 60:02d}:{minutes % 60:02d}"


@transaction.atomic
def do_add_stimulus(user, exercise: Exercise, *, sender: str, recipients: list[str], channel: str, title: str,
                    content: str, offset: str = "") -> Delivery:
    """An ad-hoc stimulus: sent now, or scheduled at an exercise offset (HH:MM:SS)."""
    _require_team(user, exercise)
    state = LiveState.objects.get(exercise=exercise)
    now_offset = clock.offset_at(state)
    due = float(parse_offset(offset)) if offset else now_offset
    count = exercise.stimuli.filter(stimulus_id__startswith="ADH-").count()
    stimulus = ExerciseStimulus(
        exercise=exercise, source=AD_HOC, stimulus_id=f"ADH-{count + 1:03d}", order=9000 + count,
        phase=exercise.stimuli.filter(offset_seconds__lte=due).order_by("-offset_seconds").values_list(
            "phase", flat=True).first() or "P1",
        offset_seconds=int(due), story_time=story_time_at(exercise, due), sender=sender, recipients=recipients,
        channel=channel,
        title=title, content=content, expected_reactions=[], criteria=[], hints=[], depends_on=[])
    stimulus.save()
    row = Delivery(exercise=exercise, stimulus=stimulus, stimulus_code=stimulus.stimulus_id,
                   due_offset=due, manual=not offset, recipients=recipients,
                   due_at=clock.due_at(state, due) if offset else None)
    prerender(exercise, [row], state.actors or actor_labels(exercise))  # never rendered in the scheduler's pass
    row.save()
    if not offset:
        transaction.on_commit(lambda: send_now(row.pk))
    return row


@transaction.atomic
def do_reroute(user, exercise: Exercise, delivery_id: int, roles: list[str]) -> Delivery:
    """Sends a stimulus to other cell roles: one that reached nobody (its role is not played) goes now to a role
    that is; one still to come will go there at its time. The original recipients are kept in the payload."""
    from exercises.services.preparation import exercise_kit

    _require_team(user, exercise)
    if exercise.status not in (Status.RUNNING, Status.PAUSED):
        raise ValidationError("L'exercice n'est pas en cours.")
    known = {r["id"] for r in exercise_kit(exercise).meta["cell_roles"]} | {events.ALL_CELL}
    roles = [r for r in dict.fromkeys(roles) if r]
    if not roles or any(r not in known for r in roles):
        raise ValidationError("Choisissez un ou plusieurs rôles de la cellule.")
    row = Delivery.objects.select_for_update(of=("self",)).filter(
        pk=delivery_id, exercise=exercise, status__in=[DeliveryStatus.PENDING, DeliveryStatus.HELD,
                                                       DeliveryStatus.SENT]).first()
    if row is None:
        raise ValidationError("Ce stimulus n'est plus jouable.")
    before = list(row.recipients)
    row.recipients = roles
    row.payload = {**row.payload, "recipients": roles, "rerouted_from": before}
    row.save(update_fields=["recipients", "payload"])
    eid = exercise.pk
    transaction.on_commit(lambda: events.publish([events.group_team(eid)], {
        "type": "rerouted", "id": row.pk, "recipients": roles}))
    if row.status == DeliveryStatus.SENT:
        from live.services.delivery import publish_sent

        transaction.on_commit(lambda: publish_sent([row]))
    return row


def do_set_cover(user, exercise: Exercise, member_id: int, roles: list[str]):
    """A player also receives the stimuli of unplayed roles; their open sockets re-join their groups at once
    (live.signals: a change of `covers` re-groups, it does not close)."""
    from exercises.models import Member
    from exercises.services.preparation import exercise_kit
    from exercises.services.roles import do_set_cover as set_cover

    member = Member.objects.filter(pk=member_id, exercise=exercise).first()
    if member is None:
        raise ValidationError("Joueur inconnu.")
    return set_cover(user, exercise, member, roles, exercise_kit(exercise).meta["cell_roles"])
