"""A (re)connection's catch-up and the polling fallback read a fixed number of queries, however much has happened:
thousands of players reconnect after a worker restart, and a browser without WebSocket polls every 5 s."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from live.consumers import LiveConsumer
from live.models import Delivery
from live.services import cell, control, events
from live.services.delivery import actor_labels


@pytest.mark.django_db
def test_catch_up_costs_the_same_queries_however_much_happened(exercise, rssi_nantes, player, observer, client,
                                                                monkeypatch):
    monkeypatch.setattr(events, "publish_batch", lambda items: None)  # no subscriber here: only the reads count
    control.do_start(rssi_nantes, exercise)
    automatic = list(Delivery.objects.filter(exercise=exercise, manual=False).order_by("pk"))
    actor = next(iter(actor_labels(exercise)))

    def happen(round_: int) -> None:
        for delivery in automatic[round_ * 3:(round_ + 1) * 3]:
            control.do_trigger(rssi_nantes, exercise, delivery.pk)
        cell.do_log(player, exercise, text=f"Point de situation n° {round_}")
        cell.do_log(rssi_nantes, exercise, text=f"Note d'animation n° {round_}", team=True)
        cell.do_answer_as_actor(rssi_nantes, exercise, actor=actor, to_roles=["cellule"],
                                subject=f"Demande n° {round_}", body="Merci de nous rappeler.")
        cell.do_reply(player, exercise, to_actor=actor, subject=f"Réponse n° {round_}", body="Nous rappelons à 10 h.")

    def cost(user) -> tuple[int, int]:
        user = type(user).objects.get(pk=user.pk)  # as a new connection gets it: nothing cached on the object
        with CaptureQueriesContext(connection) as queries:
            groups, snapshot = LiveConsumer()._setup(user, exercise.pk)
        assert groups and snapshot
        return len(queries.captured_queries), len(snapshot)

    def polled(user) -> int:  # the fallback: the same snapshot over HTTP
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("live:feed", args=[exercise.pk]))
        assert response.status_code == 200 and response.json()["events"]
        return len(queries.captured_queries)

    happen(0)
    few = {user.email: cost(user) for user in (player, observer, rssi_nantes)}
    few_polls = [polled(user) for user in (player, observer, rssi_nantes)]
    for round_ in range(1, 5):
        happen(round_)
    many = {user.email: cost(user) for user in (player, observer, rssi_nantes)}
    assert [polled(user) for user in (player, observer, rssi_nantes)] == few_polls
    for email in few:
        assert many[email][1] > few[email][1]  # more to catch up on…
        assert many[email][0] == few[email][0] <= 10  # …for the same queries
