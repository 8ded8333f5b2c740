"""A stimulus committed as sent but never published (its publisher died between commit and publish, or Redis failed)
is published again by the next scheduler pass that looks, once: connected players do not miss it."""

import datetime as dt

import pytest
from django.utils import timezone

from live.models import Delivery, DeliveryStatus, LiveState
from live.services import clock, control, delivery

pytestmark = pytest.mark.django_db


def _recorder(monkeypatch) -> list[tuple[list[str], dict]]:
    published: list[tuple[list[str], dict]] = []
    monkeypatch.setattr(delivery.events, "publish_batch", published.extend)
    return published


def test_a_pass_records_what_it_published(started, monkeypatch, django_capture_on_commit_callbacks):
    _recorder(monkeypatch)
    state = LiveState.objects.get(exercise=started)
    state.base_wall = timezone.now() - dt.timedelta(seconds=600)
    state.save()
    clock.reschedule(state)
    with django_capture_on_commit_callbacks(execute=True):
        sent = delivery.deliver_due()
    assert sent
    assert not Delivery.objects.filter(exercise=started, status=DeliveryStatus.SENT, published_at=None).exists()


def test_a_trigger_whose_publication_failed_is_published_again_once(started, rssi_nantes, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    row = Delivery.objects.filter(exercise=started, manual=False).order_by("due_offset", "pk").first()

    def redis_down(items):
        raise ConnectionError("Redis injoignable")

    monkeypatch.setattr(delivery.events, "publish_batch", redis_down)
    with django_capture_on_commit_callbacks(execute=True):
        control.do_trigger(rssi_nantes, started, row.pk)  # committed; the failure is logged, not raised
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.published_at is None

    published = _recorder(monkeypatch)
    assert delivery.republish_unpublished(force=True) == []  # within the grace period: its publisher may be at it
    later = timezone.now() + delivery.REPUBLISH_GRACE + dt.timedelta(seconds=1)
    again = delivery.republish_unpublished(later, force=True)
    assert [d.pk for d in again] == [row.pk]
    stimulus_events = [event for _, event in published if event["type"] == "stimulus"]
    assert [e["id"] for e in stimulus_events] == [row.pk]
    row.refresh_from_db()
    assert row.published_at is not None
    assert delivery.republish_unpublished(later, force=True) == []  # once
    assert len(published) == 1


def test_rows_sent_before_the_migration_are_not_published_again(started, monkeypatch):
    published = _recorder(monkeypatch)
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Delivery.objects.filter(exercise=started, manual=False).update(status=DeliveryStatus.SENT, sent_at=long_ago,
                                                                   published_at=long_ago)
    assert delivery.republish_unpublished(force=True) == [] and published == []
