"""What one person may see of a live exercise: their WebSocket groups and the catch-up snapshot."""

from __future__ import annotations

from accounts import access
from exercises.models import Exercise, Member, MemberRole
from live.models import LiveState, LogEntry, Message, Receipt
from live.services import clock, events, payloads
from live.services.cell import log_event, member_of, message_event, visible_deliveries
from live.services.delivery import event_of


def _viewer(user, exercise: Exercise) -> tuple[bool, Member | None]:
    """(animation team?, membership), looked up once per exercise object: a handshake asks for both twice."""
    cache = exercise.__dict__.setdefault("_care_viewer", {})
    if user.pk not in cache:
        cache[user.pk] = (access.can_manage_exercise(user, exercise), member_of(user, exercise))
    return cache[user.pk]


def groups_for(user, exercise: Exercise) -> list[str] | None:
    pk = exercise.pk
    team, member = _viewer(user, exercise)
    if team:
        return [events.group_team(pk)]
    if member and member.role == MemberRole.OBSERVER:
        return [events.group_observers(pk)]
    if member and member.role == MemberRole.PLAYER:
        # their own role, and those they cover (exercises.Member.played_roles, where the model has it)
        roles = getattr(member, "played_roles", None) or [member.cell_role]
        return [events.group_cell(pk), *[events.group_role(pk, role) for role in roles]]
    return None


def audience_for(user, exercise: Exercise) -> str | None:
    team, member = _viewer(user, exercise)
    if team:
        return payloads.TEAM
    if member is not None and member.role == MemberRole.OBSERVER:
        return payloads.OBSERVERS
    if member is not None and member.role == MemberRole.PLAYER:
        return payloads.PLAYERS
    return None


def snapshot_for(user, exercise: Exercise) -> list[dict] | None:
    """Everything this person may already see, each event cut to their audience's share (live.services.payloads),
    as the live events are."""
    team, member = _viewer(user, exercise)
    audience = audience_for(user, exercise)
    if audience is None:
        return None
    observer = audience == payloads.OBSERVERS
    found: list[dict] = []
    state = LiveState.objects.filter(exercise=exercise).select_related("exercise").first()
    if state:
        found.append(clock.snapshot(state))
    deliveries = [event_of(d) for d in visible_deliveries(exercise, member, team)]
    if audience == payloads.PLAYERS:  # what this player has opened (« lu »), so a reload keeps the unread counters
        opened = set(Receipt.objects.filter(member=member, read_at__isnull=False).values_list("delivery_id", flat=True))
        deliveries = [{**event, "read": event["id"] in opened} for event in deliveries]
    found += deliveries
    roles = set(member.played_roles) if member is not None else set()
    for message in Message.objects.filter(exercise=exercise).select_related("author"):
        if team or observer or (member.role == MemberRole.PLAYER and (
                roles & set(message.to_roles) or "cellule" in message.to_roles
                or (message.author is not None and message.author.cell_role in roles))):
            author = message.from_actor or (message.author.full_name if message.author else "")
            found.append(message_event(message, author))
    found += [log_event(e) for e in LogEntry.objects.filter(exercise=exercise).select_related("author")
              if not e.team or team]
    shared = (payloads.for_audience(audience, event) for event in found)
    return [event for event in shared if event is not None]
