"""Production shape: two ASGI worker processes and scheduler processes on PostgreSQL and Redis.

1. A player connected to worker A receives a stimulus delivered by the scheduler process, replies, the animator
   connected to worker B sees the reply and answers as a simulated actor, the player receives the answer.
2. The scheduler and worker A are killed with SIGKILL mid-exercise and restarted: every stimulus reaches the
   player exactly once (the ones due during the outage arrive late, in order).
3. A scheduler dies between committing its claim and publishing it: another scheduler publishes those stimuli, and
   the players and observers who stayed connected receive every stimulus exactly once."""

import asyncio
import contextlib
import os
import time

import pytest
import websockets
from django.db import connection

from conftest import IN_CI
from live.cluster import Cluster, connect, database_url, decode, post, session_cookie
from live.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cluster():
    if connection.vendor != "postgresql":
        pytest.skip("processus multiples : sur PostgreSQL (deuxième passe de scripts/test)")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        if IN_CI:
            pytest.fail("TEST_REDIS_URL manquant : Redis est requis quand CI=true")
        pytest.skip("Redis absent")
    running = Cluster(database_url(connection.settings_dict), redis_url)
    yield running
    running.stop()


def _closing_connection(function):
    """For a call in a worker thread: its own database connection is closed afterwards (left open, it would keep
    the test database from being dropped)."""
    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()
    return call


def _compress(exercise, spacing: float) -> None:
    """The chronogramme squeezed into a few seconds: stimulus i due at 2 + i × spacing seconds of exercise time."""
    for index, stimulus in enumerate(exercise.stimuli.order_by("offset_seconds", "order")):
        stimulus.offset_seconds = int(2 + index * spacing)
        stimulus.contingency = False
        stimulus.save()


async def _next(socket, kind: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        event = decode(await asyncio.wait_for(socket.recv(), timeout=max(0.1, deadline - time.monotonic())))
        if event.get("type") == kind:
            return event


def test_two_workers_and_a_scheduler_deliver_and_relay_answers(cluster, exercise, rssi_nantes, player):
    _compress(exercise, 30)
    port_a = cluster.start_web("web-a")
    port_b = cluster.start_web("web-b")
    cluster.start_scheduler("scheduler")
    player_sid, animator_sid = session_cookie(player), session_cookie(rssi_nantes)
    codes = set(exercise.stimuli.values_list("stimulus_id", flat=True))

    async def scenario():
        player_ws = await connect(port_a, exercise.pk, player_sid)
        team_ws = await connect(port_b, exercise.pk, animator_sid)
        assert (await _next(player_ws, "snapshot"))["events"] == []
        await _next(team_ws, "snapshot")
        status = await asyncio.to_thread(post, port_b, f"/exercices/{exercise.pk}/animation/commande/",
                                         animator_sid, {"action": "start", "speed": "10"})
        assert status == 302
        stimulus = await _next(player_ws, "stimulus")
        assert stimulus["code"] in codes and stimulus["sent_ms"]
        assert "due_ms" not in stimulus and "script_html" not in stimulus  # the animator's share only
        status = await asyncio.to_thread(post, port_a, f"/exercices/{exercise.pk}/direct/action/", player_sid,
                                         {"action": "reply", "delivery": stimulus["id"],
                                          "body": "Cellule activée, nous rappelons."})
        assert status == 200
        reply = await _next(team_ws, "message")
        assert reply["body"] == "Cellule activée, nous rappelons." and reply["to_actor"] == stimulus["sender"]
        status = await asyncio.to_thread(post, port_b, f"/exercices/{exercise.pk}/animation/commande/",
                                         animator_sid, {"action": "answer", "actor": "ARS", "to_roles": "direction",
                                                        "subject": "Point ARS", "body": "Rappelez-nous à 10 h."})
        assert status == 302
        answer = await _next(player_ws, "message")
        if not answer["from_actor"]:  # first, the cell's own reply (its outbox is shared by the role)
            answer = await _next(player_ws, "message")
        assert (answer["from_actor"], answer["body"]) == ("ARS", "Rappelez-nous à 10 h.")
        await player_ws.close()
        await team_ws.close()

    asyncio.run(scenario())


def test_sigkill_of_scheduler_and_worker_loses_and_repeats_nothing(cluster, exercise, rssi_nantes, player):
    from live.services import control

    player_role_codes = {s.stimulus_id for s in exercise.stimuli.all()
                         if "direction" in s.recipients or "cellule" in s.recipients}
    _compress(exercise, 4)  # ×10: one stimulus every 0.4 s of wall time
    port_a = cluster.start_web("web-a")
    port_b = cluster.start_web("web-b")
    cluster.start_scheduler("scheduler-1")
    cluster.start_scheduler("scheduler-2")
    player_sid = session_cookie(player)
    live_codes: list[str] = []
    snapshot_codes: set[str] = set()

    async def collect(socket, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline and not player_role_codes <= set(live_codes) | snapshot_codes:
                event = decode(await asyncio.wait_for(socket.recv(), timeout=max(0.05, deadline - time.monotonic())))
                if event["type"] == "stimulus":
                    live_codes.append(event["code"])
                elif event["type"] == "snapshot":
                    snapshot_codes.update(e["code"] for e in event["events"] if e["type"] == "stimulus")
        except (TimeoutError, OSError, websockets.ConnectionClosed):
            pass  # the end of the window, or the worker was killed

    async def scenario():
        socket = await connect(port_a, exercise.pk, player_sid)
        await asyncio.to_thread(_closing_connection(control.do_start), rssi_nantes, exercise, speed=10.0)
        await collect(socket, 4)
        cluster.kill("scheduler-1")
        cluster.kill("scheduler-2")
        cluster.kill("web-a")  # the player's worker
        await collect(socket, 0.5)
        await asyncio.sleep(3)  # outage: stimuli fall due with nobody to send them
        cluster.start_scheduler("scheduler-3")
        again = await connect(port_b, exercise.pk, player_sid)  # the browser reconnects (to the other worker)
        await collect(again, 120)  # until everything has arrived
        await again.close()

    asyncio.run(scenario())
    sent = Delivery.objects.filter(exercise=exercise, status=DeliveryStatus.SENT)
    deadline = time.monotonic() + 90
    while sent.count() < exercise.stimuli.count() and time.monotonic() < deadline:
        time.sleep(0.5)  # the other roles' last stimuli
    assert sent.count() == exercise.stimuli.count()  # all delivered once the scheduler is back
    assert sent.filter(late=True).exists()  # those due during the outage are marked late
    received = live_codes + [c for c in snapshot_codes if c not in live_codes]
    assert len(live_codes) == len(set(live_codes)), "un stimulus est arrivé deux fois"
    assert sorted(received) == sorted(player_role_codes)
    late = list(sent.filter(late=True).order_by("sent_at", "pk").values_list("due_offset", flat=True))
    assert late == sorted(late)  # in order


def test_a_scheduler_dead_between_claim_and_publication_loses_nothing_for_connected_players(
        cluster, exercise, rssi_nantes, player, observer):
    from live.services import control

    player_role_codes = {s.stimulus_id for s in exercise.stimuli.all()
                         if "direction" in s.recipients or "cellule" in s.recipients}
    all_codes = set(exercise.stimuli.values_list("stimulus_id", flat=True))
    _compress(exercise, 4)  # ×10: one stimulus every 0.4 s of wall time
    port = cluster.start_web("web-a")
    doomed = cluster.start_scheduler("scheduler-doomed", env={"CARE_TEST_EXIT_AFTER_CLAIM": "3"})
    sessions = {"player": session_cookie(player), "observer": session_cookie(observer)}
    received: dict[str, list[str]] = {"player": [], "observer": []}
    in_limbo: list[str] = []

    async def listen(name: str, socket, expected: set[str], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with contextlib.suppress(TimeoutError):
            while time.monotonic() < deadline and not expected <= set(received[name]):
                event = decode(await asyncio.wait_for(socket.recv(), timeout=max(0.05, deadline - time.monotonic())))
                if event["type"] == "stimulus":
                    received[name].append(event["code"])

    async def scenario():
        sockets = {name: await connect(port, exercise.pk, sid) for name, sid in sessions.items()}
        for socket in sockets.values():
            assert (await _next(socket, "snapshot"))["events"] == []
        await asyncio.to_thread(_closing_connection(control.do_start), rssi_nantes, exercise, speed=10.0)
        assert await asyncio.to_thread(doomed.wait, 60) == 17  # died after its third claim, before publishing

        def unpublished():
            return list(Delivery.objects.filter(exercise=exercise, status=DeliveryStatus.SENT,
                                                published_at__isnull=True).values_list("stimulus_code", flat=True))

        in_limbo.extend(await asyncio.to_thread(_closing_connection(unpublished)))
        cluster.start_scheduler("scheduler-2")
        await asyncio.gather(listen("player", sockets["player"], player_role_codes, 120),
                             listen("observer", sockets["observer"], all_codes, 120))
        for socket in sockets.values():
            await socket.close()

    asyncio.run(scenario())
    assert in_limbo, "le planificateur devait mourir avec des stimulus réservés mais non diffusés"
    assert set(in_limbo) <= set(received["observer"])  # published again by the other scheduler…
    for name, expected in (("player", player_role_codes), ("observer", all_codes)):
        assert sorted(received[name]) == sorted(expected), name  # …to those who stayed connected, exactly once
    assert not Delivery.objects.filter(exercise=exercise, status=DeliveryStatus.SENT, published_at=None).exists()
