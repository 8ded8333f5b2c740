"""Live events: what is sent to which WebSocket group. Payloads are built once and fanned out by the channel layer
(no query per message and per subscriber)."""

from __future__ import annotations

import asyncio
import json
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from live.services import payloads

ALL_CELL = "cellule"


def group_cell(exercise_id: int) -> str:
    return f"live-{exercise_id}-cell"


def group_role(exercise_id: int, role: str) -> str:
    return f"live-{exercise_id}-role-{role}"


def group_team(exercise_id: int) -> str:
    return f"live-{exercise_id}-team"


def group_observers(exercise_id: int) -> str:
    return f"live-{exercise_id}-observers"


def group_user(user_id: int) -> str:
    """Every live socket of one person (whatever the exercise): told to close when their access ends."""
    return f"live-user-{user_id}"


def audience_of(group: str) -> str:
    """Who listens to an exercise group: the team, the observers, or players (any other group: players' share)."""
    _, _, rest = group.partition("-")
    _, _, kind = rest.partition("-")  # after "live-<exercise id>-"
    if kind == "team":
        return payloads.TEAM
    if kind == "observers":
        return payloads.OBSERVERS
    return payloads.PLAYERS


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


_redis_by_loop: dict = {}


async def _publish_pipelined(layer: RedisPubSubChannelLayer, messages: list[tuple[list[str], dict]]) -> None:
    """The pub/sub layer's group_send, but every PUBLISH of a pass in one pipeline (one round trip instead of one
    per group, which the layer serialises behind a lock). Same channel names and encoding as group_send."""
    import redis.asyncio

    loop = asyncio.get_running_loop()
    client = _redis_by_loop.get(loop)
    if client is None:
        client = _redis_by_loop[loop] = redis.asyncio.Redis.from_url(settings.REDIS_URL)
    naming = layer._get_layer()  # noqa: SLF001 - the group channel names of the installed channels_redis
    pipe = client.pipeline(transaction=False)
    for groups, message in messages:
        payload = layer.serialize(message)
        for group in groups:
            pipe.publish(naming._get_group_channel_name(group), payload)  # noqa: SLF001
    await pipe.execute()


_sync_redis = None


def _publish_pipelined_sync(layer: RedisPubSubChannelLayer, messages: list[tuple[list[str], dict]]) -> None:
    """The same pipeline from synchronous code (the scheduler, views): no hop to an event loop thread."""
    global _sync_redis
    from types import SimpleNamespace

    import redis
    from channels_redis.pubsub import RedisPubSubLoopLayer

    if _sync_redis is None:
        _sync_redis = redis.Redis.from_url(settings.REDIS_URL)
    # the layer's own naming method, on its prefix (its per-loop object needs a running loop)
    naming = SimpleNamespace(prefix=layer._kwargs.get("prefix", "asgi"))  # noqa: SLF001
    naming._get_group_channel_name = lambda group: RedisPubSubLoopLayer._get_group_channel_name(naming, group)  # noqa: SLF001
    pipe = _sync_redis.pipeline(transaction=False)
    for groups, message in messages:
        payload = layer.serialize(message)
        for group in groups:
            pipe.publish(naming._get_group_channel_name(group), payload)  # noqa: SLF001
    pipe.execute()


def publish_batch(items: list[tuple[list[str], dict]]) -> None:
    """Every (groups, event) of a scheduler pass at once: sends in parallel on one connection. Each group gets its
    audience's share of the event (live.services.payloads), encoded once per audience and event."""
    messages = []
    for groups, event in items:
        by_audience: dict[str, list[str]] = {}
        for group in groups:
            by_audience.setdefault(audience_of(group), []).append(group)
        shares: list[tuple[dict, list[str]]] = []  # the players' and the observers' shares are often the same
        for audience, audience_groups in by_audience.items():
            shared = payloads.for_audience(audience, event)
            if shared is None:
                continue
            same = next((share for share in shares if share[0] == shared), None)
            if same is None:
                shares.append((shared, list(audience_groups)))
            else:
                same[1].extend(audience_groups)
        # encoded once here, not once per subscriber by each consumer
        messages += [(share_groups, {"type": "live.event", "text": json.dumps(shared, cls=DjangoJSONEncoder)})
                     for shared, share_groups in shares]
    send_messages(messages)


def publish_close(user_id: int, code: int, *, exercise_id: int | None = None, session_key: str | None = None) -> None:
    """Tells the sockets of a person to re-check their access (exercise_id: that exercise's only; session_key: that
    session's only) and close with `code` if it has ended."""
    send_messages([([group_user(user_id)], {"type": "live.close", "code": code, "exercise": exercise_id,
                                            "session": session_key})])


def send_messages(messages: list[tuple[list[str], dict]]) -> None:
    if not messages:
        return
    layer = get_channel_layer()
    if isinstance(layer, RedisPubSubChannelLayer):
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # synchronous caller: publish on this thread
            _publish_pipelined_sync(layer, messages)
            return

    async def send_all() -> None:
        if isinstance(layer, RedisPubSubChannelLayer):
            await _publish_pipelined(layer, messages)
            return
        await asyncio.gather(*(layer.group_send(group, message) for groups, message in messages for group in groups))

    if _loop is not None:
        asyncio.run_coroutine_threadsafe(send_all(), _loop).result(timeout=30)
    else:
        async_to_sync(send_all)()
