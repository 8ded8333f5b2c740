"""The live channel gives each audience its share only, and follows access changes.

- Over the WebSocket events, the catch-up snapshot and the polling feed, a player and an observer never receive the
  animator's telephone script of a stimulus (nor its due time); the animation team does.
- A player removed from the exercise, moved to another role, logged out or deactivated has their open socket closed
  (4403 / 4401, « do not reconnect ») and receives nothing more; a reconnection is refused.
"""

import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from exercises.models import Member, MemberRole
from live.consumers import LiveConsumer
from live.models import Delivery
from live.services import control

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = "Si la cellule demande un délai, répondre : « rappel du directeur à 10 h 40, code ZEPHYR-7731 »."
SECRET = "ZEPHYR-7731"


def _scripted(exercise, rssi_nantes) -> tuple[Delivery, Delivery]:
    """Starts the exercise with a script on a stimulus for the whole cell (the player's) and one on a stimulus for
    another role; returns their deliveries."""
    stimuli = list(exercise.stimuli.filter(contingency=False).order_by("offset_seconds", "order"))
    mine = next(s for s in stimuli if "cellule" in s.recipients or "direction" in s.recipients)
    other = next(s for s in stimuli if "cellule" not in s.recipients and "direction" not in s.recipients)
    for stimulus in (mine, other):
        stimulus.script = SCRIPT
        stimulus.save()
    control.do_start(rssi_nantes, exercise)
    return (Delivery.objects.get(exercise=exercise, stimulus=mine),
            Delivery.objects.get(exercise=exercise, stimulus=other))


async def _connect(user, exercise_id, session_key: str | None = None):
    communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), f"/ws/exercices/{exercise_id}/")
    communicator.scope["user"] = user
    communicator.scope["url_route"] = {"kwargs": {"pk": exercise_id}}
    if session_key:
        communicator.scope["session"] = SessionStore(session_key)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def _stimuli(communicator, count: int) -> list[dict]:
    found = []
    while len(found) < count:
        event = await communicator.receive_json_from(timeout=5)
        if event["type"] == "stimulus":
            found.append(event)
    return found


def _assert_no_script(events: list[dict]) -> None:
    text = json.dumps(events, ensure_ascii=False)
    assert SECRET not in text and "Si la cellule demande un délai" not in text
    for event in events:
        if event["type"] == "stimulus":
            assert "script_html" not in event and "due_ms" not in event
            assert set(event) <= {"type", "id", "code", "channel", "channel_label", "sender", "sender_label",
                                  "recipients", "story_time", "title", "html", "attachments", "offset", "late",
                                  "sent_ms", "read"}


def test_players_and_observers_never_get_the_animator_script_live_or_on_catch_up(exercise, rssi_nantes, player,
                                                                                  observer, client):
    mine, other = _scripted(exercise, rssi_nantes)

    async def scenario():
        sockets = {}
        for name, user in (("player", player), ("observer", observer), ("team", rssi_nantes)):
            communicator, connected, _ = await _connect(user, exercise.pk)
            assert connected
            await communicator.receive_json_from(timeout=5)  # snapshot
            sockets[name] = communicator
        await sync_to_async(control.do_trigger)(rssi_nantes, exercise, mine.pk)
        await sync_to_async(control.do_trigger)(rssi_nantes, exercise, other.pk)
        live = {"player": await _stimuli(sockets["player"], 1), "observer": await _stimuli(sockets["observer"], 2),
                "team": await _stimuli(sockets["team"], 2)}
        for communicator in sockets.values():
            await communicator.disconnect()
        snapshots = {}
        for name, user in (("player", player), ("observer", observer), ("team", rssi_nantes)):
            communicator, connected, _ = await _connect(user, exercise.pk)
            snapshots[name] = (await communicator.receive_json_from(timeout=5))["events"]
            await communicator.disconnect()
        return live, snapshots

    live, snapshots = async_to_sync(scenario)()
    assert [e["code"] for e in live["player"]] == [mine.stimulus_code]
    for audience in ("player", "observer"):
        _assert_no_script(live[audience])
        _assert_no_script(snapshots[audience])
        assert {e["code"] for e in snapshots[audience] if e["type"] == "stimulus"} >= {mine.stimulus_code}
    for events in (live["team"], [e for e in snapshots["team"] if e["type"] == "stimulus"]):
        assert len(events) == 2
        assert all(SECRET in e["script_html"] and "due_ms" in e for e in events)  # (none: triggered by hand)

    feed = reverse("live:feed", args=[exercise.pk])
    for user in (player, observer):
        client.force_login(user)
        response = client.get(feed)
        assert response.status_code == 200 and SECRET not in response.content.decode()
        _assert_no_script(response.json()["events"])
    client.force_login(rssi_nantes)
    team_feed = client.get(feed).json()["events"]
    assert sum(SECRET in e.get("script_html", "") for e in team_feed if e["type"] == "stimulus") == 2


def _closed_with(output: dict, code: int) -> bool:
    return output == {"type": "websocket.close", "code": code}


def test_a_removed_player_is_disconnected_and_receives_nothing_more(exercise, rssi_nantes, player, observer):
    mine, _ = _scripted(exercise, rssi_nantes)
    later = next(d for d in Delivery.objects.filter(exercise=exercise, manual=False).exclude(pk=mine.pk)
                 if "cellule" in d.recipients or "direction" in d.recipients)

    async def scenario():
        removed, connected, _ = await _connect(player, exercise.pk)
        assert connected
        await removed.receive_json_from(timeout=5)
        watching, connected, _ = await _connect(observer, exercise.pk)
        await watching.receive_json_from(timeout=5)
        await sync_to_async(control.do_trigger)(rssi_nantes, exercise, mine.pk)
        assert (await _stimuli(removed, 1))[0]["id"] == mine.pk
        await sync_to_async(lambda: Member.objects.get(exercise=exercise, user=player).delete())()
        assert _closed_with(await removed.receive_output(timeout=5), 4403)
        await sync_to_async(control.do_trigger)(rssi_nantes, exercise, later.pk)
        assert await removed.receive_nothing(timeout=0.5)
        assert [e["id"] for e in await _stimuli(watching, 2)] == [mine.pk, later.pk]  # the others carry on
        await watching.disconnect()
        again, connected, code = await _connect(player, exercise.pk)
        assert not connected and code == 4404

    async_to_sync(scenario)()


def test_a_player_moved_to_another_role_is_disconnected(exercise, rssi_nantes, player):
    _scripted(exercise, rssi_nantes)

    async def scenario():
        socket, connected, _ = await _connect(player, exercise.pk)
        await socket.receive_json_from(timeout=5)

        def move():
            member = Member.objects.get(exercise=exercise, user=player)
            member.full_name = "Joueur renommé"
            member.save()  # nothing that changes what they may see: the socket stays
            member = Member.objects.get(pk=member.pk)
            member.cell_role = "communication"
            member.save()

        await sync_to_async(move)()
        assert _closed_with(await socket.receive_output(timeout=5), 4403)

    async_to_sync(scenario)()


def test_a_logged_out_player_is_disconnected_and_receives_nothing_more(exercise, rssi_nantes, player, client):
    mine, _ = _scripted(exercise, rssi_nantes)
    client.force_login(player)
    session_key = client.session.session_key
    other_session = SessionStore()
    other_session.create()  # the same person on another device: not logged out there

    async def scenario():
        socket, connected, _ = await _connect(player, exercise.pk, session_key)
        assert connected
        await socket.receive_json_from(timeout=5)
        elsewhere, connected, _ = await _connect(player, exercise.pk, other_session.session_key)
        await elsewhere.receive_json_from(timeout=5)
        response = await sync_to_async(client.post)(reverse("accounts:logout"))
        assert response.status_code == 302
        assert _closed_with(await socket.receive_output(timeout=5), 4401)
        await sync_to_async(control.do_trigger)(rssi_nantes, exercise, mine.pk)
        assert await socket.receive_nothing(timeout=0.5)
        assert (await _stimuli(elsewhere, 1))[0]["id"] == mine.pk
        await elsewhere.disconnect()

    async_to_sync(scenario)()


def test_a_deactivated_account_is_disconnected(exercise, rssi_nantes, player):
    _scripted(exercise, rssi_nantes)

    async def scenario():
        socket, connected, _ = await _connect(player, exercise.pk)
        await socket.receive_json_from(timeout=5)

        def deactivate():
            player.is_active = False
            player.save()

        await sync_to_async(deactivate)()
        assert _closed_with(await socket.receive_output(timeout=5), 4401)

    async_to_sync(scenario)()


def test_an_observer_keeps_their_socket_when_another_member_changes(exercise, rssi_nantes, observer, player):
    _scripted(exercise, rssi_nantes)

    async def scenario():
        socket, connected, _ = await _connect(observer, exercise.pk)
        await socket.receive_json_from(timeout=5)
        await sync_to_async(lambda: Member.objects.filter(exercise=exercise, user=player).get().delete())()
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()

    async_to_sync(scenario)()
    assert Member.objects.filter(exercise=exercise, user=observer, role=MemberRole.OBSERVER).exists()
