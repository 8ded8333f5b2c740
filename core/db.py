"""Database helpers shared by the apps."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable

from django.db import OperationalError, connection

logger = logging.getLogger(__name__)


def is_locked(error: BaseException) -> bool:
    return isinstance(error, OperationalError) and "database is locked" in str(error)


def retry_if_locked(attempts: int = 4, delay: float = 0.05) -> Callable:
    """SQLite (the embedded default): runs the function again, a few times with a growing random pause, when it
    failed with « database is locked ». The settings already make writers wait for the lock (WAL, BEGIN IMMEDIATE,
    busy timeout), so this is for what is left. Put it ABOVE @transaction.atomic, so that each attempt is a whole
    new transaction; inside a caller's transaction it does not retry (that transaction is broken either way)."""

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def call(*args, **kwargs):
            for attempt in range(attempts):
                try:
                    return function(*args, **kwargs)
                except OperationalError as error:
                    if not is_locked(error) or connection.in_atomic_block or attempt == attempts - 1:
                        raise
                    logger.warning("base verrouillée, nouvel essai %d/%d de %s", attempt + 2, attempts,
                                   function.__qualname__)
                    time.sleep(delay * 2**attempt * (0.5 + random.random()))  # noqa: S311 - jitter, not secrets
            raise AssertionError("unreachable")

        return call

    return decorate
