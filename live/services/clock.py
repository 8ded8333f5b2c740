"""The exercise clock, from persistent state only (see live.models)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from live.models import Delivery, DeliveryStatus, LiveState

MIN_SPEED, MAX_SPEED = 1.0, 10.0


def offset_at(state: LiveState, now: dt.datetime | None = None) -> float:
    if not state.running or state.base_wall is None:
        return state.base_offset
    now = now or timezone.now()
    return state.base_offset + max(0.0, (now - state.base_wall).total_seconds()) * state.speed


def rebase(state: LiveState, now: dt.datetime) -> None:
    state.base_offset = offset_at(state, now)
    state.base_wall = now


def due_at(state: LiveState, due_offset: float) -> dt.datetime | None:
    if not state.running or state.base_wall is None:
        return None
    return state.base_wall + dt.timedelta(seconds=(due_offset - state.base_offset) / state.speed)


def reschedule(state: LiveState) -> int:
    """Recomputes the wall-clock due time of every pending automatic delivery of the exercise."""
    rows = list(Delivery.objects.filter(exercise_id=state.exercise_id, status=DeliveryStatus.PENDING, manual=False))
    for row in rows:
        row.due_at = due_at(state, row.due_offset)
    Delivery.objects.bulk_update(rows, ["due_at"])
    return len(rows)


def snapshot(state: LiveState, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    return {"type": "clock", "running": state.running, "offset": offset_at(state, now), "speed": state.speed,
            "server_ms": int(now.timestamp() * 1000), "ended": state.exercise.status == "ended"}
