"""What the crisis cell and the observers do live: receipts, replies, the crisis log, ratings and observations."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import access
from core.db import retry_if_locked
from exercises.models import Exercise, Member, MemberRole, Status
from live.models import (
    Delivery,
    DeliveryStatus,
    LiveState,
    LogEntry,
    LogKind,
    LogStatus,
    Message,
    Observation,
    Rating,
    Receipt,
)
from live.services import clock, events

RATING_VALUES = ("NO", "0", "1", "2", "3")


def member_of(user, exercise: Exercise) -> Member | None:
    return exercise.members.filter(user=user).first() if user.is_authenticated else None


def _offset(exercise: Exercise) -> float:
    state = LiveState.objects.filter(exercise=exercise).first()
    return clock.offset_at(state) if state else 0.0


def _require_live(exercise: Exercise) -> None:
    """The crisis cell writes only while the exercise runs or is paused: not before DEBEX, not after FINEX."""
    if exercise.status not in (Status.RUNNING, Status.PAUSED):
        if exercise.status == Status.ENDED:
            raise ValidationError("L'exercice est terminé : la main courante et la messagerie sont closes.")
        raise ValidationError("L'exercice n'a pas commencé.")


def _require_started(exercise: Exercise) -> None:
    """Observers rate and note from DEBEX on, and may finish their grid after FINEX."""
    if exercise.status not in (Status.RUNNING, Status.PAUSED, Status.ENDED):
        raise ValidationError("L'exercice n'a pas commencé.")


def visible_deliveries(exercise: Exercise, member: Member | None, team: bool):
    sent = exercise.deliveries.filter(status=DeliveryStatus.SENT).order_by("sent_at", "pk")
    if team or (member and member.role == MemberRole.OBSERVER):
        return list(sent)
    if member is None or member.role != MemberRole.PLAYER:
        return []
    roles = set(member.played_roles)
    return [d for d in sent if "cellule" in d.recipients or roles & set(d.recipients)]


def _player(user, exercise: Exercise) -> Member:
    member = member_of(user, exercise)
    if member is None or member.role != MemberRole.PLAYER:
        raise PermissionDenied("Réservé aux joueurs de la cellule.")
    return member


@retry_if_locked()
@transaction.atomic
def do_receipt(user, exercise: Exercise, delivery_id: int, *, acknowledge: bool = False) -> Receipt:
    """« lu » is recorded when the player opens the message, « reçu » when they acknowledge it."""
    _require_live(exercise)
    member = _player(user, exercise)
    delivery = next((d for d in visible_deliveries(exercise, member, False) if d.pk == delivery_id), None)
    if delivery is None:
        raise PermissionDenied
    receipt, _ = Receipt.objects.get_or_create(delivery=delivery, member=member)
    now = timezone.now()
    receipt.read_at = receipt.read_at or now
    if acknowledge:
        receipt.acknowledged_at = receipt.acknowledged_at or now
    receipt.save()
    transaction.on_commit(lambda: events.publish([events.group_team(exercise.pk)], {
        "type": "receipt", "id": delivery.pk, "member": member.full_name, "read": True, "ack": bool(
            receipt.acknowledged_at)}))
    return receipt


@retry_if_locked()
@transaction.atomic
def do_reply(user, exercise: Exercise, *, body: str, delivery_id: int | None = None, to_actor: str = "",
             to_role: str = "", subject: str = "") -> Message:
    """A player's mail: to a simulated actor (reply, forward, new mail) or to another role of the cell (forward)."""
    _require_live(exercise)
    member = _player(user, exercise)
    if to_actor and to_role:
        raise ValidationError("Choisissez un seul destinataire : un acteur simulé ou un rôle de la cellule.")
    if to_role:
        from exercises.services.preparation import exercise_kit

        if to_role not in {r["id"] for r in exercise_kit(exercise).meta["cell_roles"]}:
            raise ValidationError("Rôle de la cellule inconnu.")
    delivery = None
    if delivery_id:
        delivery = next((d for d in visible_deliveries(exercise, member, False) if d.pk == delivery_id), None)
        if delivery is None:
            raise PermissionDenied
        if not to_role:
            to_actor = to_actor or delivery.payload.get("sender", "")
        subject = subject or f"RE : {delivery.payload.get('title', '')}"
    if not body.strip() or not (to_actor or to_role):
        raise ValidationError("Destinataire et message sont obligatoires.")
    message = Message.objects.create(exercise=exercise, delivery=delivery, author=member, to_actor=to_actor,
                                     to_roles=[to_role] if to_role else [], subject=subject[:300] or "(sans objet)",
                                     body=body, offset=_offset(exercise))
    if delivery:
        Receipt.objects.update_or_create(delivery=delivery, member=member, defaults={"read_at": timezone.now()})
    event = message_event(message, member.full_name)
    groups = [events.group_team(exercise.pk), events.group_observers(exercise.pk),
              events.group_role(exercise.pk, member.cell_role)]
    if to_role and to_role != member.cell_role:
        groups.append(events.group_role(exercise.pk, to_role))
    transaction.on_commit(lambda: events.publish(groups, event))
    return message


@transaction.atomic
def do_answer_as_actor(user, exercise: Exercise, *, actor: str, to_roles: list[str], subject: str, body: str,
                       channel: str = "email", delivery_id: int | None = None) -> Message:
    """The animation team writes (or logs a phone call) as a simulated actor."""
    if not access.can_manage_exercise(user, exercise):
        raise PermissionDenied
    _require_live(exercise)
    if not body.strip() or not to_roles:
        raise ValidationError("Destinataires et message sont obligatoires.")
    message = Message.objects.create(exercise=exercise, from_actor=actor, to_roles=to_roles, channel=channel,
                                     subject=subject[:300] or "(sans objet)", body=body, offset=_offset(exercise),
                                     delivery_id=delivery_id, author=member_of(user, exercise))
    event = message_event(message, actor)
    transaction.on_commit(lambda: events.publish(
        events.groups_for_recipients(exercise.pk, to_roles) + [events.group_team(exercise.pk),
                                                               events.group_observers(exercise.pk)], event))
    return message


def message_event(message: Message, author_label: str) -> dict:
    return {"type": "message", "id": message.pk, "from_actor": message.from_actor, "to_actor": message.to_actor,
            "to_roles": message.to_roles, "author": author_label, "subject": message.subject, "body": message.body,
            "channel": message.channel, "offset": message.offset, "reply_to": message.delivery_id}


@retry_if_locked()
@transaction.atomic
def do_log(user, exercise: Exercise, *, text: str, kind: str = LogKind.ENTRY, owner: str = "", rationale: str = "",
           status: str = "", team: bool = False) -> LogEntry:
    member = member_of(user, exercise)
    if team:
        if not access.can_manage_exercise(user, exercise):
            raise PermissionDenied
    elif member is None or member.role != MemberRole.PLAYER:
        raise PermissionDenied("La main courante est tenue par la cellule.")
    else:
        _require_live(exercise)
    if not text.strip() or kind not in LogKind.values:
        raise ValidationError("Texte obligatoire.")
    if kind == LogKind.ACTION and not status:
        status = LogStatus.TODO
    entry = LogEntry.objects.create(exercise=exercise, team=team, author=member, kind=kind, text=text.strip(),
                                    owner=owner.strip(), rationale=rationale.strip(), status=status,
                                    offset=_offset(exercise))
    event = log_event(entry)
    groups = _log_groups(exercise, team)
    transaction.on_commit(lambda: events.publish(groups, event))
    return entry


def _log_groups(exercise: Exercise, team: bool) -> list[str]:
    if team:
        return [events.group_team(exercise.pk)]
    return [events.group_cell(exercise.pk), events.group_team(exercise.pk), events.group_observers(exercise.pk)]


@retry_if_locked()
@transaction.atomic
def do_set_action_status(user, exercise: Exercise, entry_id: int, status: str) -> LogEntry:
    _player(user, exercise)
    _require_live(exercise)
    entry = LogEntry.objects.filter(pk=entry_id, exercise=exercise, team=False, kind=LogKind.ACTION).first()
    if entry is None or status not in LogStatus.values:
        raise ValidationError("Action inconnue.")
    entry.status = status
    entry.save()
    event = {**log_event(entry), "update": True}
    groups = _log_groups(exercise, False)
    transaction.on_commit(lambda: events.publish(groups, event))
    return entry


def log_event(entry: LogEntry) -> dict:
    return {"type": "log", "id": entry.pk, "team": entry.team, "kind": entry.kind, "text": entry.text,
            "owner": entry.owner, "rationale": entry.rationale, "status": entry.status, "offset": entry.offset,
            "author": entry.author.full_name if entry.author else ""}


def _observer(user, exercise: Exercise) -> Member:
    member = member_of(user, exercise)
    if member is None or member.role != MemberRole.OBSERVER:
        raise PermissionDenied("Réservé aux observateurs.")
    return member


@retry_if_locked()
@transaction.atomic
def do_rate(user, exercise: Exercise, criterion: str, value: str) -> Rating:
    member = _observer(user, exercise)
    _require_started(exercise)
    if criterion not in {c["id"] for c in exercise.kit_version.grid.criteria()} or value not in RATING_VALUES:
        raise ValidationError("Critère ou note inconnus.")
    rating, _ = Rating.objects.select_for_update().get_or_create(
        exercise=exercise, observer=member, criterion=criterion, defaults={"value": value})
    if rating.value != value:
        rating.value = value
        rating.save()
    return rating


@retry_if_locked()
@transaction.atomic
def do_observe(user, exercise: Exercise, *, text: str, criterion: str = "", delivery_id: int | None = None,
               log_entry_id: int | None = None) -> Observation:
    member = _observer(user, exercise)
    _require_started(exercise)
    if not text.strip():
        raise ValidationError("Observation vide.")
    if criterion and criterion not in {c["id"] for c in exercise.kit_version.grid.criteria()}:
        raise ValidationError("Critère inconnu.")
    delivery = Delivery.objects.filter(pk=delivery_id, exercise=exercise).first() if delivery_id else None
    entry = LogEntry.objects.filter(pk=log_entry_id, exercise=exercise, team=False).first() if log_entry_id else None
    return Observation.objects.create(exercise=exercise, observer=member, criterion=criterion, delivery=delivery,
                                      log_entry=entry, text=text.strip(), offset=_offset(exercise))
