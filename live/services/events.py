"""Live events: what is sent to which WebSocket group. Payloads are built once and fanned out by the channel layer
(no query per message and per subscriber)."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

ALL_CELL = "cellule"


def group_cell(exercise_id: int) -> str:
    return f"live-{exercise_id}-cell"


def group_role(exercise_id: int, role: str) -> str:
    return f"live-{exercise_id}-role-{role}"


def group_team(exercise_id: int) -> str:
    return f"live-{exercise_id}-team"


def group_observers(exercise_id: int) -> str:
    return f"live-{exercise_id}-observers"


def groups_for_recipients(exercise_id: int, recipients: list[str]) -> list[str]:
    if ALL_CELL in recipients:
        return [group_cell(exercise_id)]
    return [group_role(exercise_id, role) for role in recipients]


def publish(groups: list[str], event: dict) -> None:
    layer = get_channel_layer()
    send = async_to_sync(layer.group_send)
    for group in groups:
        send(group, {"type": "live.event", "event": event})
