"""The exercise day as the cell and the animators live it: closed writes outside the exercise, unplayed roles
flagged, re-routed and covered, irreversible actions confirmed, forwards inside the cell, observations shown back."""

import pytest
from django.core.exceptions import ValidationError

from exercises.models import Member, Status
from exercises.services import roles
from exercises.services.preparation import exercise_kit
from live.models import Delivery, DeliveryStatus, LogEntry, LogKind, Message
from live.services import cell, control, delivery
from live.services.snapshot import snapshot_for


@pytest.fixture
def quiet(monkeypatch):
    published = []
    monkeypatch.setattr(delivery.events, "publish_batch", lambda items: published.extend(items))
    return published


def _cell_roles(exercise):
    return exercise_kit(exercise).meta["cell_roles"]


def test_the_crisis_log_is_closed_before_debex_and_after_finex(exercise, rssi_nantes, player, quiet):
    with pytest.raises(ValidationError, match="pas commencé"):
        cell.do_log(player, exercise, text="Avant l'heure")
    control.do_start(rssi_nantes, exercise)
    exercise.refresh_from_db()
    entry = cell.do_log(player, exercise, text="Décision de couper Internet", kind=LogKind.ACTION)
    control.do_stop(rssi_nantes, exercise)
    exercise.refresh_from_db()
    with pytest.raises(ValidationError, match="terminé"):
        cell.do_log(player, exercise, text="Après la FINEX")
    with pytest.raises(ValidationError, match="terminé"):
        cell.do_set_action_status(player, exercise, entry.pk, "done")
    row = Delivery.objects.filter(exercise=exercise).first()
    with pytest.raises(ValidationError):
        cell.do_receipt(player, exercise, row.pk)
    assert LogEntry.objects.filter(exercise=exercise).count() == 1
    entry.refresh_from_db()
    assert entry.status == "todo"


def test_unplayed_roles_are_listed_with_what_they_would_miss(exercise):
    coverage = {line.id: line for line in roles.role_coverage(exercise, _cell_roles(exercise))}
    assert coverage["direction"].played and not coverage["direction"].missed
    unplayed = [line for line in coverage.values() if not line.played]
    assert unplayed, "the fixture has one player (direction): the other roles are unplayed"
    only_to_communication = [s.stimulus_id for s in exercise.stimuli.all()
                             if "cellule" not in s.recipients and "direction" not in s.recipients
                             and "communication" in s.recipients]
    assert only_to_communication
    assert {m["code"] for m in coverage["communication"].missed} >= set(only_to_communication)


def test_console_flags_a_stimulus_that_reached_nobody_and_rerouting_delivers_it(exercise, rssi_nantes, player,
                                                                                client, quiet,
                                                                                django_capture_on_commit_callbacks):
    control.do_start(rssi_nantes, exercise)
    exercise.refresh_from_db()
    lost = next(d for d in Delivery.objects.filter(exercise=exercise, manual=False)
                if "cellule" not in d.recipients and "direction" not in d.recipients)
    control.do_trigger(rssi_nantes, exercise, lost.pk)
    client.force_login(rssi_nantes)
    page = client.get(f"/exercices/{exercise.pk}/animation/").content.decode()
    assert f'data-testid="nobody-{lost.stimulus_code}"' in page and "n'a atteint personne" in page
    member = Member.objects.get(exercise=exercise, user=player)
    assert lost.pk not in {d.pk for d in cell.visible_deliveries(exercise, member, False)}
    quiet.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/exercices/{exercise.pk}/animation/commande/",
                               {"action": "reroute", "delivery": lost.pk, "roles": ["direction"]})
    assert response.status_code == 302
    lost.refresh_from_db()
    assert lost.recipients == ["direction"] and lost.payload["rerouted_from"]
    assert lost.pk in {d.pk for d in cell.visible_deliveries(exercise, member, False)}
    groups = [g for groups, event in quiet if event.get("id") == lost.pk for g in groups]
    assert f"live-{exercise.pk}-role-direction" in groups
    assert f'data-testid="nobody-{lost.stimulus_code}"' not in client.get(
        f"/exercices/{exercise.pk}/animation/").content.decode()


def test_a_player_covering_an_unplayed_role_receives_its_stimuli(exercise, rssi_nantes, player, client, quiet):
    member = Member.objects.get(exercise=exercise, user=player)
    client.force_login(rssi_nantes)
    response = client.post(f"/exercices/{exercise.pk}/roles/suppleance/",
                           {"member": member.pk, "covers": ["communication"]})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.covers == ["communication"] and member.played_roles == ["direction", "communication"]
    coverage = {line.id: line for line in roles.role_coverage(exercise, _cell_roles(exercise))}
    assert coverage["communication"].played and not coverage["communication"].missed
    control.do_start(rssi_nantes, exercise)
    exercise.refresh_from_db()
    for row in Delivery.objects.filter(exercise=exercise, manual=False):
        if row.recipients == ["communication"]:
            control.do_trigger(rssi_nantes, exercise, row.pk)
            break
    else:
        pytest.fail("no stimulus addressed to communication only")
    assert row.pk in {d.pk for d in cell.visible_deliveries(exercise, member, False)}
    with pytest.raises(ValidationError):
        roles.do_set_cover(rssi_nantes, exercise, member, ["inconnu"], _cell_roles(exercise))


def test_finex_and_phase_jump_need_confirmation(exercise, rssi_nantes, client, quiet,
                                               django_capture_on_commit_callbacks):
    control.do_start(rssi_nantes, exercise)
    client.force_login(rssi_nantes)
    url = f"/exercices/{exercise.pk}/animation/commande/"
    last_phase = exercise.stimuli.order_by("-offset_seconds").first().phase
    page = client.get(f"/exercices/{exercise.pk}/animation/").content.decode()
    assert f'data-testid="jump-skipped-{last_phase}"' in page and "seront marqués « non joué »" in page
    client.post(url, {"action": "jump", "phase": last_phase})
    client.post(url, {"action": "stop"})
    exercise.refresh_from_db()
    assert exercise.status == Status.RUNNING
    assert not Delivery.objects.filter(exercise=exercise, status=DeliveryStatus.SKIPPED).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "jump", "phase": last_phase, "confirmation": "oui"}, follow=True)
    skipped = Delivery.objects.filter(exercise=exercise, status=DeliveryStatus.SKIPPED)
    assert skipped.exists()
    assert "marqué(s) « non joué »" in response.content.decode()
    assert any(event.get("type") == "skipped" for _groups, event in quiet)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "stop", "confirmation": "oui"})
    exercise.refresh_from_db()
    assert exercise.status == Status.ENDED
    clock_events = [event for _groups, event in quiet if event.get("type") == "clock"]
    assert clock_events[-1]["ended"] is True and clock_events[-1]["running"] is False


def test_a_player_forwards_to_another_cell_role(exercise, rssi_nantes, player, make_user, quiet):
    from exercises.services import preparation

    colleague, _ = preparation.do_add_member(rssi_nantes, exercise, email="com@chu.example", full_name="Chargée Com",
                                             role="player", cell_role="communication")
    other = make_user("com@chu.example")
    preparation.do_accept_invitation(colleague, other)
    control.do_start(rssi_nantes, exercise)
    exercise.refresh_from_db()
    message = cell.do_reply(player, exercise, to_role="communication", subject="TR : point presse",
                            body="Peux-tu préparer un communiqué ?")
    assert message.to_roles == ["communication"] and not message.to_actor
    seen = [e for e in snapshot_for(other, exercise) if e["type"] == "message"]
    assert [e["subject"] for e in seen] == ["TR : point presse"]
    own = [e for e in snapshot_for(player, exercise) if e["type"] == "message"]
    assert own and own[0]["to_roles"] == ["communication"]
    with pytest.raises(ValidationError):
        cell.do_reply(player, exercise, to_role="inconnu", body="x")
    assert Message.objects.filter(exercise=exercise).count() == 1


def test_the_observer_grid_shows_back_saved_observations(exercise, rssi_nantes, observer, client, quiet):
    control.do_start(rssi_nantes, exercise)
    exercise.refresh_from_db()
    cell.do_observe(observer, exercise, text="La cellule n'a pas désigné de secrétaire.")
    client.force_login(observer)
    page = client.get(f"/exercices/{exercise.pk}/observation/").content.decode()
    assert "La cellule n&#x27;a pas désigné de secrétaire." in page
    response = client.post(f"/exercices/{exercise.pk}/direct/action/", {"action": "observe", "text": "Bon réflexe"})
    assert response.json()["observation"]["text"] == "Bon réflexe"


def test_every_member_page_says_the_exercise_is_over_with_the_debrief_link(exercise, rssi_nantes, player, observer,
                                                                           client, quiet):
    control.do_start(rssi_nantes, exercise)
    exercise.refresh_from_db()
    control.do_stop(rssi_nantes, exercise)
    for user, path in ((player, "cellule"), (observer, "observation")):
        client.force_login(user)
        page = client.get(f"/exercices/{exercise.pk}/{path}/").content.decode()
        assert 'data-testid="ended-notice" >' in page  # shown, not `hidden`
        assert f"/exercices/{exercise.pk}/retex/a-chaud/" in page
    clock_event = next(e for e in snapshot_for(player, exercise) if e["type"] == "clock")
    assert clock_event["ended"] is True


def test_a_stimulus_added_live_keeps_the_story_clock(exercise, rssi_nantes, quiet):
    control.do_start(rssi_nantes, exercise)
    exercise.refresh_from_db()
    points = list(exercise.stimuli.order_by("offset_seconds").values_list("offset_seconds", "story_time"))
    (at, label), (next_at, _next_label) = points[0], next(p for p in points if p[0] > points[0][0])
    middle = (at + next_at) / 2
    assert control.story_time_at(exercise, at) == label
    hours, minutes = map(int, label.split()[-1].split(":"))
    next_hours, next_minutes = map(int, _next_label.split()[-1].split(":"))
    expected = hours * 60 + minutes + int((middle - at) // 60)
    if _next_label.split()[0] == label.split()[0]:
        expected = min(expected, next_hours * 60 + next_minutes)
    assert control.story_time_at(exercise, middle) == f"{label.split()[0]} {expected // 60:02d}:{expected % 60:02d}"
    row = control.do_add_stimulus(rssi_nantes, exercise, sender="ars", recipients=["cellule"], channel="broadcast",
                                  title="Flash de la radio locale", content="La radio évoque une panne.")
    assert row.stimulus.story_time == control.story_time_at(exercise, row.due_offset) != "J 00:00"
    assert row.payload["channel_label"] == "Reportage télévisé ou radio"


def test_the_api_chronogramme_with_a_format_suffix_answers_404_to_a_player_not_500(exercise, player, rssi_nantes,
                                                                                  client):
    client.force_login(player)
    assert client.get(f"/api/v1/exercices/{exercise.pk}/chronogramme.json").status_code == 404
    client.force_login(rssi_nantes)
    response = client.get(f"/api/v1/exercices/{exercise.pk}/chronogramme.json")
    assert response.status_code == 200 and response.json()


def test_a_reloaded_cell_knows_what_the_player_already_opened(exercise, rssi_nantes, player, quiet):
    control.do_start(rssi_nantes, exercise)
    exercise.refresh_from_db()
    rows = [d for d in Delivery.objects.filter(exercise=exercise, manual=False)
            if "cellule" in d.recipients or "direction" in d.recipients][:2]
    for row in rows:
        control.do_trigger(rssi_nantes, exercise, row.pk)
    cell.do_receipt(player, exercise, rows[0].pk)
    read = {e["id"]: e["read"] for e in snapshot_for(player, exercise) if e["type"] == "stimulus"}
    assert read == {rows[0].pk: True, rows[1].pk: False}
    assert all("read" not in e for e in snapshot_for(rssi_nantes, exercise) if e["type"] == "stimulus")


@pytest.mark.django_db(transaction=True)
def test_covering_a_role_live_regroups_the_open_socket_without_closing_it(exercise, rssi_nantes, player):
    from asgiref.sync import async_to_sync, sync_to_async
    from channels.testing import WebsocketCommunicator

    from live.consumers import LiveConsumer

    control.do_start(rssi_nantes, exercise)
    exercise.refresh_from_db()
    for_communication = [d for d in Delivery.objects.filter(exercise=exercise, manual=False).order_by("due_offset")
                         if d.recipients == ["communication"]][:2]
    control.do_trigger(rssi_nantes, exercise, for_communication[0].pk)
    member = Member.objects.get(exercise=exercise, user=player)

    async def scenario():
        socket = WebsocketCommunicator(LiveConsumer.as_asgi(), f"/ws/exercices/{exercise.pk}/")
        socket.scope["user"] = player
        socket.scope["url_route"] = {"kwargs": {"pk": exercise.pk}}
        connected, _ = await socket.connect()
        assert connected
        first = await socket.receive_json_from(timeout=5)
        assert for_communication[0].pk not in {e.get("id") for e in first["events"] if e["type"] == "stimulus"}
        await sync_to_async(control.do_set_cover)(rssi_nantes, exercise, member.pk, ["communication"])
        again = await socket.receive_json_from(timeout=5)  # re-grouped, not closed: a fresh snapshot
        assert again["type"] == "snapshot"
        assert for_communication[0].pk in {e.get("id") for e in again["events"] if e["type"] == "stimulus"}
        await sync_to_async(control.do_trigger)(rssi_nantes, exercise, for_communication[1].pk)
        while True:
            event = await socket.receive_json_from(timeout=5)
            if event["type"] == "stimulus":
                break
        assert event["id"] == for_communication[1].pk and "script_html" not in event
        await socket.disconnect()

    async_to_sync(scenario)()
