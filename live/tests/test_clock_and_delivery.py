"""Exercise time from persistent state; due stimuli delivered exactly once, in order, late ones marked or held."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from exercises.models import Status
from live.models import Delivery, DeliveryStatus, LatePolicy, LiveState
from live.services import clock, control, delivery

T0 = dt.datetime(2027, 3, 9, 9, 0, tzinfo=dt.UTC)


@given(st.lists(st.tuples(st.sampled_from(["pause", "resume", "speed"]), st.floats(0.1, 600),
                          st.sampled_from([1.0, 2.0, 5.0, 10.0])), max_size=12))
@settings(max_examples=200, deadline=None)
def test_clock_matches_a_step_by_step_reference(operations):
    state = LiveState(base_offset=0.0, base_wall=T0, speed=1.0, running=True)
    now, expected, running, speed = T0, 0.0, True, 1.0
    for operation, wait, new_speed in operations:
        now += dt.timedelta(seconds=wait)
        expected += wait * speed if running else 0
        assert clock.offset_at(state, now) == pytest.approx(expected, abs=1e-3)
        clock.rebase(state, now)
        if operation == "pause":
            state.running = running = False
        elif operation == "resume":
            state.running = running = True
        else:
            state.speed = speed = new_speed
    assert clock.offset_at(state, now + dt.timedelta(seconds=60)) == pytest.approx(
        expected + (60 * speed if running else 0), abs=1e-3)


def _rewind(exercise, seconds: float) -> None:
    """Pretend the exercise started `seconds` ago (as if the platform had been down)."""
    state = LiveState.objects.get(exercise=exercise)
    state.base_wall = timezone.now() - dt.timedelta(seconds=seconds)
    state.save()
    clock.reschedule(state)


def test_start_schedules_every_stimulus_and_contingencies_wait(started):
    deliveries = Delivery.objects.filter(exercise=started)
    assert deliveries.count() == started.stimuli.count()
    manual = deliveries.filter(manual=True)
    assert set(manual.values_list("stimulus_code", flat=True)) == set(
        started.stimuli.filter(contingency=True).values_list("stimulus_id", flat=True))
    assert not manual.exclude(due_at=None).exists()
    assert not deliveries.filter(manual=False, due_at=None).exists()
    assert started.status == Status.RUNNING


def test_due_stimuli_are_sent_once_in_order_and_late_ones_marked(started, monkeypatch):
    published = []
    monkeypatch.setattr(delivery.events, "publish_batch",
                        lambda items: published.extend(event["code"] for _, event in items))
    _rewind(started, 600)
    sent = delivery.deliver_due()
    expected = list(Delivery.objects.filter(exercise=started, manual=False, due_offset__lte=600)
                    .order_by("due_offset", "pk").values_list("stimulus_code", flat=True))
    assert [d.stimulus_code for d in sent] == expected
    assert delivery.deliver_due() == []
    assert Delivery.objects.filter(exercise=started, status=DeliveryStatus.SENT).count() == len(expected)
    first = Delivery.objects.get(exercise=started, stimulus_code=expected[0])
    assert first.late and first.lateness_ms > 500_000 and first.payload["title"]
    assert "{{" not in first.payload["html"]


def test_hold_policy_keeps_late_stimuli_for_the_animator(started, rssi_nantes, monkeypatch):
    monkeypatch.setattr(delivery.events, "publish_batch", lambda items: None)
    LiveState.objects.filter(exercise=started).update(late_policy=LatePolicy.HOLD)
    _rewind(started, 900)
    assert delivery.deliver_due() == []
    held = Delivery.objects.filter(exercise=started, status=DeliveryStatus.HELD)
    assert held.exists()
    control.do_trigger(rssi_nantes, started, held.first().pk)
    assert Delivery.objects.filter(exercise=started, status=DeliveryStatus.SENT).count() == 1


def test_pause_freezes_and_resume_reschedules(started, rssi_nantes):
    control.do_pause(rssi_nantes, started)
    assert not Delivery.objects.filter(exercise=started, status=DeliveryStatus.PENDING).exclude(due_at=None).exists()
    assert delivery.deliver_due(timezone.now() + dt.timedelta(hours=3)) == []
    started.refresh_from_db()
    control.do_resume(rssi_nantes, started)
    control.do_set_speed(rssi_nantes, started, 10)
    row = Delivery.objects.filter(exercise=started, manual=False).order_by("-due_offset").first()
    state = LiveState.objects.get(exercise=started)
    expected = state.base_wall + dt.timedelta(seconds=(row.due_offset - state.base_offset) / 10)
    assert abs((row.due_at - expected).total_seconds()) < 0.01


def test_animator_controls(started, rssi_nantes, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(delivery.events, "publish_batch", lambda items: None)
    rows = list(Delivery.objects.filter(exercise=started, manual=False).order_by("due_offset", "pk"))
    control.do_skip(rssi_nantes, started, rows[0].pk)
    postponed = control.do_postpone(rssi_nantes, started, rows[1].pk, 600)
    assert postponed.due_offset >= 600
    control.do_edit_stimulus(rssi_nantes, started, rows[2].pk, title="Titre adapté", content="Nouveau texte")
    sent = control.do_trigger(rssi_nantes, started, rows[2].pk)
    assert sent.payload["title"] == "Titre adapté"
    with pytest.raises(Exception, match="déjà été envoyé"):
        control.do_trigger(rssi_nantes, started, rows[2].pk)
    with pytest.raises(Exception, match="ne se modifie plus"):
        control.do_edit_stimulus(rssi_nantes, started, rows[2].pk, title="x", content="y")
    with django_capture_on_commit_callbacks(execute=True):
        added = control.do_add_stimulus(rssi_nantes, started, sender="ars", recipients=["direction"],
                                        channel="email", title="Point ARS", content="Merci de nous rappeler.")
    added.refresh_from_db()
    assert added.status == DeliveryStatus.SENT and added.payload["title"] == "Point ARS"
    phase = started.stimuli.order_by("-offset_seconds").first().phase
    control.do_jump(rssi_nantes, started, phase)
    assert Delivery.objects.filter(exercise=started, status=DeliveryStatus.SKIPPED).count() > 1
    control.do_stop(rssi_nantes, started)
    started.refresh_from_db()
    assert started.status == Status.ENDED and started.ended_at


def test_players_cannot_drive_the_exercise(started, player):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        control.do_pause(player, started)
    row = Delivery.objects.filter(exercise=started, manual=False).first()
    with pytest.raises(PermissionDenied):
        control.do_trigger(player, started, row.pk)


@pytest.mark.django_db(transaction=True)
def test_concurrent_schedulers_deliver_each_stimulus_exactly_once(directory, kits, rssi_nantes, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("verrous de ligne (SKIP LOCKED) : vérifié sur PostgreSQL, lancé par scripts/test")
    from conftest import CHU_NANTES
    from exercises.services import preparation
    from kits.models import Kit
    from organisations.models import Establishment

    created = preparation.do_create_exercise(
        rssi_nantes, Establishment.objects.get(pk=CHU_NANTES), Kit.objects.get(slug="mco-confirme"), contexts=[],
        scheduled_start=timezone.now(), place="Salle")
    control.do_start(rssi_nantes, created)
    published = []
    lock = threading.Lock()

    def record(items):
        with lock:
            published.extend(event["code"] for _, event in items)

    monkeypatch.setattr(delivery.events, "publish_batch", record)
    _rewind(created, 36000)

    def worker():
        for _ in range(20):
            delivery.deliver_due()
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    automatic = Delivery.objects.filter(exercise=created, manual=False).count()
    assert len(published) == automatic
    assert len(set(published)) == automatic


def test_payloads_are_prerendered_and_carry_their_own_identity(started, monkeypatch):
    monkeypatch.setattr(delivery.events, "publish_batch", lambda items: None)
    rows = Delivery.objects.filter(exercise=started)
    assert all(row.payload.get("title") for row in rows)  # rendered at start, not in the scheduler's hot path
    _rewind(started, 300)
    sent = delivery.deliver_due()
    events = [delivery.event_of(d) for d in sent]
    assert len({e["id"] for e in events}) == len(sent) and None not in {e["id"] for e in events}
    assert all(e["due_ms"] and e["sent_ms"] >= e["due_ms"] for e in events)
    stored = Delivery.objects.get(pk=sent[0].pk)
    assert delivery.event_of(stored) == events[0]  # what a reconnecting client gets is what was published


@pytest.mark.django_db(transaction=True)
def test_postgresql_pass_claims_ahead_and_publishes_each_stimulus_at_its_due_time(directory, kits, rssi_nantes,
                                                                                   monkeypatch):
    """The one-statement pass (PostgreSQL, autocommit): rows due within LEAD_SECONDS are claimed and marked sent at
    their due time, published no earlier than that, once; late ones keep their lateness; offsets follow the clock."""
    if connection.vendor != "postgresql":
        pytest.skip("passe en une requête : PostgreSQL, lancé par scripts/test")
    import time

    from conftest import CHU_NANTES
    from exercises.services import preparation
    from kits.models import Kit
    from organisations.models import Establishment

    created = preparation.do_create_exercise(
        rssi_nantes, Establishment.objects.get(pk=CHU_NANTES), Kit.objects.get(slug="mco-debutant"), contexts=[],
        scheduled_start=timezone.now(), place="Salle")
    control.do_start(rssi_nantes, created)
    _rewind(created, 300)
    upcoming = Delivery.objects.filter(exercise=created, manual=False, status=DeliveryStatus.PENDING,
                                       due_offset__gt=300).order_by("due_offset").first()
    soon = timezone.now() + dt.timedelta(seconds=delivery.LEAD_SECONDS / 2)
    Delivery.objects.filter(pk=upcoming.pk).update(due_at=soon)
    published: list[tuple[str, float, dict]] = []
    monkeypatch.setattr(delivery.events, "publish_batch",
                        lambda items: published.extend((e["code"], time.time(), e) for _, e in items))
    sent = delivery.deliver_due()
    late = list(Delivery.objects.filter(exercise=created, manual=False, due_offset__lte=300)
                .values_list("stimulus_code", flat=True))
    assert sorted(d.stimulus_code for d in sent) == sorted([*late, upcoming.stimulus_code])
    assert [code for code, _, _ in published].count(upcoming.stimulus_code) == 1
    when = next(t for code, t, _ in published if code == upcoming.stimulus_code)
    assert when >= soon.timestamp() - 0.001  # never before it is due
    state = LiveState.objects.get(exercise=created)
    for row in Delivery.objects.filter(exercise=created, status=DeliveryStatus.SENT):
        assert row.sent_at >= row.due_at
        assert row.lateness_ms == pytest.approx((row.sent_at - row.due_at).total_seconds() * 1000, abs=1)
        assert row.late == (row.lateness_ms > delivery.LATE_AFTER_MS)
        assert row.sent_offset == pytest.approx(clock.offset_at(state, row.sent_at), abs=1e-3)
    event = next(e for code, _, e in published if code == upcoming.stimulus_code)
    assert event["sent_ms"] == event["due_ms"] and event["title"]
    again = delivery.deliver_due()  # only what fell due since, never a row twice
    assert not {d.pk for d in again} & {d.pk for d in sent}
    LiveState.objects.filter(exercise=created).update(late_policy=LatePolicy.HOLD)
    _rewind(created, 900)
    assert all(not d.late for d in delivery.deliver_due())  # late ones are held for the animator, not sent
    assert Delivery.objects.filter(exercise=created, status=DeliveryStatus.HELD).exists()
