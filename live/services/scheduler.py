"""The scheduler loop: a separate process in production (`manage.py run_scheduler`, several may run), or a thread
inside the web process for the embedded default (CARE_INPROCESS_SCHEDULER=1, set by scripts/demo). Every pass of
any of them also publishes again what another (dead) scheduler committed as sent but never published
(delivery.republish_unpublished)."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time

from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)
TICK_SECONDS = 0.05
_started = False


def next_wait(tick: float) -> float:
    """Sleep until the next due stimulus, at most `tick` (a clock change by another process may bring one closer)."""
    from django.db.models import Min
    from django.utils import timezone

    from live.models import Delivery, DeliveryStatus
    from live.services.delivery import LEAD_SECONDS

    soonest = Delivery.objects.filter(status=DeliveryStatus.PENDING, manual=False, due_at__isnull=False).aggregate(
        soonest=Min("due_at"))["soonest"]
    if soonest is None:
        return tick
    lead = LEAD_SECONDS if connection.vendor == "postgresql" else 0.0  # PostgreSQL passes claim ahead of time
    return min(tick, max(0.0005, (soonest - timezone.now()).total_seconds() - lead))


def run_forever(stop: threading.Event | None = None, tick: float = TICK_SECONDS) -> None:
    from live.services import events
    from live.services.delivery import deliver_due

    events.use_persistent_loop()
    while stop is None or not stop.is_set():
        try:
            close_old_connections()
            sent = deliver_due()
            if not sent:
                time.sleep(next_wait(tick))
        except Exception:  # noqa: BLE001 - the loop must survive a database hiccup; the next pass retries
            logger.exception("passe du planificateur en échec")
            connection.close()
            time.sleep(1)


def maybe_start_in_process() -> None:
    global _started
    if _started or os.environ.get("CARE_INPROCESS_SCHEDULER") != "1":
        return
    if "runserver" in sys.argv and os.environ.get("RUN_MAIN") != "true" and "--noreload" not in sys.argv:
        return  # the autoreloader's parent process serves nothing
    if any(command in sys.argv for command in ("migrate", "seed_demo", "test", "makemigrations", "run_scheduler")):
        return
    _started = True
    threading.Thread(target=run_forever, name="care-scheduler", daemon=True).start()
