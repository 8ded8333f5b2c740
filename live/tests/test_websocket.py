"""The WebSocket: a snapshot on (re)connection so nothing is missed, live events for the person's role only."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from live.consumers import LiveConsumer
from live.models import Delivery
from live.services import control


async def _connect(user, exercise_id):
    communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), f"/ws/exercices/{exercise_id}/")
    communicator.scope["user"] = user
    communicator.scope["url_route"] = {"kwargs": {"pk": exercise_id}}
    connected, code = await communicator.connect()
    return communicator, connected, code


@pytest.mark.django_db(transaction=True)
def test_player_receives_own_stimuli_live_and_catches_up_on_reconnect(exercise, rssi_nantes, player, make_user):
    control.do_start(rssi_nantes, exercise)
    mine = next(d for d in Delivery.objects.filter(exercise=exercise, manual=False)
                if "direction" in d.recipients or "cellule" in d.recipients)
    other = next(d for d in Delivery.objects.filter(exercise=exercise, manual=False)
                 if "direction" not in d.recipients and "cellule" not in d.recipients)

    async def scenario():
        communicator, connected, _ = await _connect(player, exercise.pk)
        assert connected
        snapshot = await communicator.receive_json_from(timeout=5)
        assert snapshot["type"] == "snapshot" and snapshot["events"][0]["type"] == "clock"
        await sync_to_async(control.do_trigger)(rssi_nantes, exercise, other.pk)
        await sync_to_async(control.do_trigger)(rssi_nantes, exercise, mine.pk)
        event = await communicator.receive_json_from(timeout=5)
        assert (event["type"], event["code"]) == ("stimulus", mine.stimulus_code)  # not the other role's
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        again, connected, _ = await _connect(player, exercise.pk)
        snapshot = await again.receive_json_from(timeout=5)
        codes = [e["code"] for e in snapshot["events"] if e["type"] == "stimulus"]
        assert codes == [mine.stimulus_code]
        await again.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_people_outside_the_exercise_are_refused(exercise, make_user):
    from accounts.roles import Role
    from conftest import CHU_NANTES

    staff = make_user("agent@chu.example", Role.MEMBER, establishment_id=CHU_NANTES)

    async def scenario():
        communicator, connected, code = await _connect(staff, exercise.pk)
        assert not connected and code == 4404

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_forwarding_events_never_waits_for_the_database_thread(exercise, rssi_nantes, player, monkeypatch):
    """Channels' own dispatch hops to the single synchronous thread for every message and every socket; the live
    consumer must not (with thousands of sockets those hops queue and delay every delivery)."""
    import channels.consumer

    hops = []

    async def counted():
        hops.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
    control.do_start(rssi_nantes, exercise)
    mine = [d for d in Delivery.objects.filter(exercise=exercise, manual=False)
            if "direction" in d.recipients or "cellule" in d.recipients][:3]

    async def scenario():
        communicator, connected, _ = await _connect(player, exercise.pk)
        assert connected
        await communicator.receive_json_from(timeout=5)
        for delivery in mine:
            await sync_to_async(control.do_trigger)(rssi_nantes, exercise, delivery.pk)
        received = [await communicator.receive_json_from(timeout=5) for _ in mine]
        assert [e["code"] for e in received] == [d.stimulus_code for d in mine]
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
        await communicator.disconnect()

    async_to_sync(scenario)()
    assert hops == []
