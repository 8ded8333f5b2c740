"""Live events: what is sent to which WebSocket group. Payloads are built once and fanned out by the channel layer
(no query per message and per subscriber)."""

from __future__ import annotations

import asyncio
import threading

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
    publish_batch([(groups, event)])


_loop: asyncio.AbstractEventLoop | None = None


def use_persistent_loop() -> None:
    """For a long-running sync process (the scheduler): one event loop in a thread, so the channel layer keeps its
    Redis connections between passes instead of opening them again for every publication."""
    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
        threading.Thread(target=_loop.run_forever, name="care-publisher", daemon=True).start()


def publish_batch(items: list[tuple[list[str], dict]]) -> None:
    """Every (groups, event) of a scheduler pass at once: sends in parallel on one connection."""
    if not items:
        return
    layer = get_channel_layer()

    async def send_all() -> None:
        await asyncio.gather(*(layer.group_send(group, {"type": "live.event", "event": event})
                               for groups, event in items for group in groups))

    if _loop is not None:
        asyncio.run_coroutine_threadsafe(send_all(), _loop).result(timeout=30)
    else:
        async_to_sync(send_all)()
