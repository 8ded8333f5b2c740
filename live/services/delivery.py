"""Delivering stimuli: exactly once (row locks, `skip_locked` so several schedulers share the work), in order,
late ones marked or held for the animator by the exercise's setting."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time

from django.db import connection, transaction
from django.utils import timezone

from exercises.models import Exercise
from kits.services.documents import CHANNEL_LABELS
from kits.services.rendering import markdown, substitute
from live.models import Delivery, DeliveryStatus, LatePolicy, LiveState
from live.services import clock, events

logger = logging.getLogger(__name__)
LATE_AFTER_MS = 2000  # a delivery later than this (scheduler down, restart) is « late »
BATCH = 500
# A row sent this long ago and still not recorded as published (its publisher died between commit and publish, or
# Redis failed) is published again by the next scheduler pass that looks; clients deduplicate by id.
REPUBLISH_GRACE = dt.timedelta(seconds=2)
REPUBLISH_CHECK_SECONDS = 0.5  # how often a scheduler looks for them (one cheap query on a partial index)


def render_payload(delivery: Delivery, exercise: Exercise, actors: dict[str, str]) -> dict:
    stimulus = delivery.stimulus
    values = exercise.variables
    fill = lambda text: substitute(text or "", values, missing="[{name}]")  # noqa: E731
    return {
        "type": "stimulus", "id": delivery.pk, "code": delivery.stimulus_code, "channel": stimulus.channel,
        "channel_label": CHANNEL_LABELS.get(stimulus.channel, stimulus.channel),
        "sender": stimulus.sender, "sender_label": fill(actors.get(stimulus.sender, stimulus.sender)),
        "recipients": stimulus.recipients, "story_time": stimulus.story_time, "title": fill(stimulus.title),
        "html": str(markdown(fill(stimulus.content), keep_breaks=True)),
        "script_html": str(markdown(fill(stimulus.script), keep_breaks=True)) if stimulus.script else "",
        "attachments": [{"name": a["name"], "content": fill(a["content"])} for a in stimulus.attachments],
        "offset": delivery.sent_offset, "late": delivery.late,
        "due_ms": int(delivery.due_at.timestamp() * 1000) if delivery.due_at else None,
        "sent_ms": int(delivery.sent_at.timestamp() * 1000) if delivery.sent_at else None,
    }


def actor_labels(exercise: Exercise) -> dict[str, str]:
    from exercises.services.preparation import exercise_kit

    return {a["id"]: a["label"] for a in exercise_kit(exercise).meta["actors"]}


def _actors(state: LiveState) -> dict[str, str]:
    return state.actors or actor_labels(state.exercise)


def prerender(exercise: Exercise, deliveries: list[Delivery], actors: dict[str, str]) -> None:
    """Payloads are rendered when the exercise starts (and again when a stimulus is edited), not in the hot path."""
    for delivery in deliveries:
        delivery.payload = render_payload(delivery, exercise, actors)
        delivery.recipients = delivery.stimulus.recipients


def _mark_sent(delivery: Delivery, state: LiveState, now: dt.datetime, actors: dict[str, str]) -> None:
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = now
    delivery.sent_offset = clock.offset_at(state, now)
    if delivery.due_at is not None:
        delivery.lateness_ms = int((now - delivery.due_at).total_seconds() * 1000)
        delivery.late = delivery.lateness_ms > LATE_AFTER_MS
    if not delivery.payload:
        prerender(state.exercise, [delivery], actors)
        delivery.fields_to_save = SENT_FIELDS + ["payload", "recipients"]


SENT_FIELDS = ["status", "sent_at", "sent_offset", "lateness_ms", "late"]


def event_of(delivery: Delivery) -> dict:
    """The event as players receive it: the payload rendered at start, and when and how it was sent."""
    return {**delivery.payload, "id": delivery.pk, "offset": delivery.sent_offset, "late": delivery.late,
            "sent_ms": int(delivery.sent_at.timestamp() * 1000) if delivery.sent_at else None,
            "due_ms": int(delivery.due_at.timestamp() * 1000) if delivery.due_at else None}


def publish_sent(deliveries: list[Delivery]) -> None:
    """Each delivery to its recipients' groups, the team and the observers. events.publish_batch gives each group
    its audience's share only (live.services.payloads): the team the whole event, with the animator's script and the
    due time; the crisis cell and the observers what the cell page shows."""
    items = []
    for delivery in deliveries:
        groups = events.groups_for_recipients(delivery.exercise_id, delivery.recipients)
        groups += [events.group_team(delivery.exercise_id), events.group_observers(delivery.exercise_id)]
        items.append((groups, event_of(delivery)))
    events.publish_batch(items)


def _mark_published(deliveries: list[Delivery]) -> None:
    """One UPDATE for the deliveries of a pass once their publication pipeline has succeeded."""
    if deliveries:
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries], published_at__isnull=True).update(
            published_at=timezone.now())


def publish_and_record(deliveries: list[Delivery]) -> None:
    publish_sent(deliveries)
    _mark_published(deliveries)


def _exit_after_claim_hook() -> None:
    """Tests only (CARE_TEST_EXIT_AFTER_CLAIM=n): the process dies right after its n-th claim is committed, before
    publishing, as a scheduler killed at the worst moment."""
    global _claims_before_exit
    if _claims_before_exit is None:
        return
    _claims_before_exit -= 1
    if _claims_before_exit <= 0:
        logger.warning("CARE_TEST_EXIT_AFTER_CLAIM : arrêt brutal après la réservation, avant la diffusion")
        os._exit(17)


_claims_before_exit: int | None = int(os.environ["CARE_TEST_EXIT_AFTER_CLAIM"]) if os.environ.get(
    "CARE_TEST_EXIT_AFTER_CLAIM") else None
_last_check = 0.0


def republish_unpublished(now: dt.datetime | None = None, *, force: bool = False) -> list[Delivery]:
    """Deliveries committed as sent whose publication was never recorded (their publisher died or Redis failed),
    sent more than REPUBLISH_GRACE ago: published again. Row locks (SKIP LOCKED) held through the publication, so two
    schedulers do not both take them; looked for at most every REPUBLISH_CHECK_SECONDS by each scheduler."""
    global _last_check
    if not force and time.monotonic() - _last_check < REPUBLISH_CHECK_SECONDS:
        return []
    _last_check = time.monotonic()
    now = now or timezone.now()
    stale = Delivery.objects.filter(status=DeliveryStatus.SENT, published_at__isnull=True,
                                    sent_at__lt=now - REPUBLISH_GRACE)
    if not stale.exists():  # the usual case: one query on a partial index of (almost) nothing
        return []
    with transaction.atomic():
        rows = list(stale.select_for_update(skip_locked=True, of=("self",)).order_by("sent_at", "pk")[:BATCH])
        if rows:
            logger.warning("rediffusion de %d stimulus envoyés mais jamais diffusés : %s", len(rows),
                           ", ".join(f"{d.pk} ({d.stimulus_code})" for d in rows))
            publish_and_record(rows)  # under the row locks: committed with the publication recorded
    return rows


def _update_columns(rows: list[Delivery], fields: list[str]) -> None:
    """One parameterised UPDATE per row sent in a single executemany (one round trip with psycopg 3): Django's
    bulk_update builds a CASE per column and per row, which cost most of a scheduler pass."""
    if not rows:
        return
    meta, quote = Delivery._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    # identifiers come from the model's own metadata, never from input; values are parameters
    sql = (f"UPDATE {quote(meta.db_table)} SET " + ", ".join(f"{quote(c.column)} = %s" for c in columns)  # noqa: S608
           + f" WHERE {quote(meta.pk.column)} = %s")
    params = [[c.get_db_prep_save(getattr(row, c.attname), connection) for c in columns] + [row.pk] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


# PostgreSQL: one statement claims the rows due within the next LEAD_SECONDS (row locks, SKIP LOCKED), marks them
# sent (or held) at the moment they will be published, and returns them: one round trip per pass, in autocommit.
# The pass then waits for that moment and publishes. On a busy machine every round trip waits for the CPU twice
# (this process, then the server's); with the five round trips of the ORM pass (begin, claim, clock states, update,
# commit) done after the due time, they were most of the lateness. As before, a row is committed as sent before it
# is published, so it is never sent twice; once its publication pipeline has succeeded, published_at is recorded (one
# UPDATE per pass). A scheduler killed in between (now up to LEAD_SECONDS) leaves it in every snapshot, and any
# scheduler's pass publishes it again after REPUBLISH_GRACE (republish_unpublished), so connected players get it
# too. The clock arithmetic is clock.offset_at's; identifiers come from the models' metadata, values are parameters.
LEAD_SECONDS = 0.025
_CLAIM_SQL = """
WITH due AS (
    SELECT d.id FROM {delivery} d JOIN {state} s ON s.exercise_id = d.exercise_id AND s.running
    WHERE d.status = %(pending)s AND NOT d.manual AND d.due_at <= %(until)s
    ORDER BY d.due_at, d.id LIMIT %(batch)s FOR UPDATE OF d SKIP LOCKED
), timed AS (
    SELECT due.id, GREATEST(d.due_at, %(now)s) AS at,
           EXTRACT(EPOCH FROM (GREATEST(d.due_at, %(now)s) - d.due_at)) * 1000 AS lateness
    FROM due JOIN {delivery} d ON d.id = due.id
), decided AS (
    SELECT timed.id, timed.at, timed.lateness, (s.late_policy = %(hold)s AND timed.lateness > %(late_ms)s) AS hold,
           CASE WHEN s.base_wall IS NULL THEN s.base_offset
                ELSE s.base_offset + GREATEST(0, EXTRACT(EPOCH FROM (timed.at - s.base_wall))) * s.speed END AS offset
    FROM timed JOIN {delivery} d ON d.id = timed.id JOIN {state} s ON s.exercise_id = d.exercise_id
)
UPDATE {delivery} d SET
    status = CASE WHEN decided.hold THEN %(held)s ELSE %(sent)s END,
    sent_at = CASE WHEN decided.hold THEN d.sent_at ELSE decided.at END,
    sent_offset = CASE WHEN decided.hold THEN d.sent_offset ELSE decided.offset END,
    lateness_ms = CASE WHEN decided.hold THEN d.lateness_ms ELSE decided.lateness::integer END,
    late = CASE WHEN decided.hold THEN d.late ELSE decided.lateness > %(late_ms)s END
FROM decided WHERE d.id = decided.id
RETURNING d.id, d.exercise_id, d.stimulus_code, d.status, d.recipients, d.payload, d.sent_at, d.sent_offset,
          d.lateness_ms, d.late, d.due_at, d.due_offset, d.stimulus_id
"""


def _claim_sql() -> str:
    quote = connection.ops.quote_name
    return _CLAIM_SQL.format(delivery=quote(Delivery._meta.db_table), state=quote(LiveState._meta.db_table))


def _deliver_due_postgresql(now: dt.datetime) -> list[Delivery]:
    import json

    params = {"pending": DeliveryStatus.PENDING, "held": DeliveryStatus.HELD, "sent": DeliveryStatus.SENT,
              "hold": LatePolicy.HOLD, "now": now, "until": now + dt.timedelta(seconds=LEAD_SECONDS),
              "batch": BATCH, "late_ms": LATE_AFTER_MS}
    with connection.cursor() as cursor:
        cursor.execute(_claim_sql(), params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    if not rows:
        return []
    for row in rows:  # psycopg returns jsonb decoded; be tolerant of a driver that does not
        for key in ("payload", "recipients"):
            if isinstance(row[key], str):
                row[key] = json.loads(row[key])
    claimed = sorted((Delivery(**row) for row in rows), key=lambda d: (d.due_at, d.pk))
    sent = [d for d in claimed if d.status == DeliveryStatus.SENT]
    held = [d for d in claimed if d.status == DeliveryStatus.HELD]
    unrendered = [d for d in sent if not d.payload]
    if unrendered:  # a delivery created without its payload (none is, since ad-hoc ones are rendered at creation)
        with transaction.atomic():
            for delivery in Delivery.objects.filter(pk__in=[d.pk for d in unrendered]).select_related(
                    "stimulus", "exercise__live"):
                rendered = next(d for d in unrendered if d.pk == delivery.pk)
                prerender(delivery.exercise, [delivery], _actors(delivery.exercise.live))
                rendered.payload, rendered.recipients = delivery.payload, delivery.recipients
                _update_columns([delivery], ["payload", "recipients"])
    _exit_after_claim_hook()
    _publish_held(held)
    _publish_on_time(sent)
    _mark_published(sent)
    return sent


def _publish_on_time(sent: list[Delivery]) -> None:
    """Publishes each delivery at its sent time (at most LEAD_SECONDS from now), those of the same moment together."""
    from itertools import groupby

    for moment, group in groupby(sorted(sent, key=lambda d: (d.sent_at, d.pk)), key=lambda d: d.sent_at):
        wait = (moment - timezone.now()).total_seconds()
        if wait > 0:
            time.sleep(min(wait, LEAD_SECONDS))
        publish_sent(list(group))


def _publish_held(held: list[Delivery]) -> None:
    if held:
        events.publish_batch([([events.group_team(d.exercise_id)], {"type": "held", "id": d.pk,
                                                                     "code": d.stimulus_code}) for d in held])


def deliver_due(now: dt.datetime | None = None) -> list[Delivery]:
    """One scheduler pass: every automatic delivery due before `now`, claimed under a row lock; and, every
    REPUBLISH_CHECK_SECONDS, the deliveries sent but never published (their publisher died) published again."""
    republished = republish_unpublished(now)
    now = now or timezone.now()
    if connection.vendor == "postgresql" and connection.get_autocommit():
        return republished + _deliver_due_postgresql(now)
    return republished + _deliver_due_orm(now)


def _after_commit_publish(sent: list[Delivery]) -> None:
    _exit_after_claim_hook()
    publish_and_record(sent)


def _deliver_due_orm(now: dt.datetime) -> list[Delivery]:
    sent: list[Delivery] = []
    held: list[Delivery] = []
    due = Delivery.objects.filter(status=DeliveryStatus.PENDING, manual=False, due_at__lte=now)
    if not due.exists():  # SQLite's transactions take the write lock (BEGIN IMMEDIATE): only when there is work
        return []
    with transaction.atomic():
        rows = list(due.select_for_update(skip_locked=True, of=("self",)).order_by("due_at", "pk")[:BATCH])
        if not rows:
            return []
        states = {s.exercise_id: s for s in LiveState.objects.select_related("exercise").filter(
            exercise_id__in={r.exercise_id for r in rows})}
        actors_by_exercise: dict[int, dict] = {}
        for row in rows:
            state = states[row.exercise_id]
            if not state.running:
                continue
            late_ms = (now - row.due_at).total_seconds() * 1000
            if late_ms > LATE_AFTER_MS and state.late_policy == LatePolicy.HOLD:
                row.status = DeliveryStatus.HELD
                held.append(row)
                continue
            if row.exercise_id not in actors_by_exercise:
                actors_by_exercise[row.exercise_id] = _actors(state)
            _mark_sent(row, state, now, actors_by_exercise[row.exercise_id])
            sent.append(row)
        # small columns only: the payload was written at start (except for an ad-hoc stimulus, saved whole)
        whole = [d for d in sent if getattr(d, "fields_to_save", None)]
        _update_columns([d for d in sent + held if d not in whole], SENT_FIELDS)
        _update_columns(whole, SENT_FIELDS + ["payload", "recipients"])
        if sent:
            transaction.on_commit(lambda: _after_commit_publish(sent))
        transaction.on_commit(lambda: _publish_held(held))
    return sent


def send_now(delivery_id: int, now: dt.datetime | None = None) -> Delivery | None:
    """Trigger now (animator): pending, held or manual; never twice."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (Delivery.objects.select_for_update(of=("self",)).select_related("stimulus")
               .filter(pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.HELD]).first())
        if row is None:
            return None
        state = LiveState.objects.select_related("exercise").get(exercise_id=row.exercise_id)
        row.due_at = None
        _mark_sent(row, state, now, _actors(state))
        row.late = False
        row.save()
        transaction.on_commit(lambda: _publish_now(row))
    return row


def _publish_now(row: Delivery) -> None:
    """The animator's trigger is committed: if publishing fails now, the next scheduler pass publishes it again."""
    try:
        publish_and_record([row])
    except Exception:  # noqa: BLE001 - recorded as unpublished: republished by the scheduler after REPUBLISH_GRACE
        logger.exception("diffusion de %s en échec ; rediffusion par le planificateur", row.stimulus_code)
