"""The embedded default (SQLite, one file) holds a crisis cell of ~30 players writing at once: read receipts and
crisis-log entries queue for the write lock (WAL, BEGIN IMMEDIATE, busy timeout) instead of failing with
« database is locked »."""

import threading

import pytest
from django.db import OperationalError, close_old_connections, connection, transaction

from accounts.models import User
from core.db import retry_if_locked
from exercises.models import Exercise, Member, MemberRole
from live.models import Delivery, LogEntry, Receipt
from live.services import cell, control, events

PLAYERS = 30


@pytest.mark.django_db(transaction=True)
def test_thirty_players_write_receipts_and_the_crisis_log_at_once(exercise, rssi_nantes, monkeypatch):
    if connection.vendor != "sqlite" or not connection.settings_dict["TEST"].get("NAME"):
        pytest.skip("SQLite en fichier seulement (le défaut embarqué ; voir config/settings_test.py)")
    monkeypatch.setattr(events, "send_messages", lambda messages: None)  # the database only
    control.do_start(rssi_nantes, exercise)
    for delivery in Delivery.objects.filter(exercise=exercise, manual=False).order_by("due_offset", "pk"):
        if "cellule" in delivery.recipients:
            control.do_trigger(rssi_nantes, exercise, delivery.pk)
    visible = list(Delivery.objects.filter(exercise=exercise, status="sent").values_list("pk", flat=True))[:3]
    assert visible
    players = []
    for index in range(PLAYERS):
        user = User.objects.create_user(email=f"joueur{index}@cellule.example", password="Mot-de-passe-solide-2026")
        Member.objects.create(exercise=exercise, user=user, email=user.email, full_name=f"Joueur {index}",
                              role=MemberRole.PLAYER, cell_role="direction")
        players.append(user)

    start = threading.Barrier(PLAYERS)
    errors: list[BaseException] = []

    def play(user) -> None:
        try:
            mine = Exercise.objects.get(pk=exercise.pk)
            start.wait(timeout=30)
            for delivery_id in visible:
                cell.do_receipt(user, mine, delivery_id)
                cell.do_log(user, mine, text=f"{user.email} a lu {delivery_id}")
                cell.do_receipt(user, mine, delivery_id, acknowledge=True)
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=play, args=(user,)) for user in players]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, f"{len(errors)} erreurs, dont {errors[0]!r}"
    receipts = Receipt.objects.filter(delivery__exercise=exercise, member__user__in=players)
    assert receipts.count() == PLAYERS * len(visible)
    assert not receipts.filter(acknowledged_at=None).exists()
    assert LogEntry.objects.filter(exercise=exercise, author__user__in=players).count() == PLAYERS * len(visible)


@pytest.mark.django_db
def test_sqlite_connections_use_wal_and_immediate_transactions():
    if connection.vendor != "sqlite" or not connection.settings_dict["TEST"].get("NAME"):
        pytest.skip("SQLite en fichier seulement")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    assert connection.transaction_mode == "IMMEDIATE"


def test_retry_if_locked_tries_again_only_a_lock_and_only_outside_a_transaction(monkeypatch):
    monkeypatch.setattr("core.db.time.sleep", lambda seconds: None)
    calls = []

    @retry_if_locked(attempts=4)
    def flaky(error: str, fails: int):
        calls.append(error)
        if len(calls) <= fails:
            raise OperationalError(error)
        return "ok"

    assert flaky("database is locked", 2) == "ok" and len(calls) == 3
    calls.clear()
    with pytest.raises(OperationalError):
        flaky("database is locked", 10)
    assert len(calls) == 4  # bounded
    calls.clear()
    with pytest.raises(OperationalError):
        flaky("no such table: x", 1)
    assert len(calls) == 1


@pytest.mark.django_db
def test_retry_if_locked_does_not_retry_inside_a_callers_transaction():
    calls = []

    @retry_if_locked()
    def locked():
        calls.append(1)
        raise OperationalError("database is locked")

    with pytest.raises(OperationalError), transaction.atomic():
        locked()
    assert calls == [1]
