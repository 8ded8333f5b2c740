"""Throttling of failed logins, per login and per client address, stored in the database so that
every web process shares it.

An attempt is *reserved* before the (slow) password hash is evaluated: the check and the increment happen in one
short transaction serialised per account (a PostgreSQL advisory lock on the login and on the address; on SQLite the
transaction starts with BEGIN IMMEDIATE and the row is written first, so it holds the database write lock). Hence
100 simultaneous wrong passwords for one account cannot all be evaluated: at most LOGIN_MAX_FAILURES are. A
successful attempt then releases its reservation (or clears the account's failures)."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import FailedLogin
from core import audit


def _window_start():
    return timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def is_locked(username: str, ip: str | None) -> bool:
    since = _window_start()
    username = username.lower().strip()
    by_user = FailedLogin.objects.filter(username=username, at__gte=since).count()
    by_ip = FailedLogin.objects.filter(ip_address=ip, at__gte=since).count() if ip else 0
    return by_user >= settings.LOGIN_MAX_FAILURES or by_ip >= settings.LOGIN_MAX_FAILURES * 4


def _lock_key(kind: str, value: str) -> int:
    return int.from_bytes(hashlib.sha256(f"care-login:{kind}:{value}".encode()).digest()[:8], "big", signed=True)


def _serialise(username: str, ip: str | None) -> None:
    """Inside the current transaction, wait for the other attempts on this login (and this address)."""
    if connection.vendor != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE / the first INSERT holds the database write lock until the commit
    keys = sorted({_lock_key("user", username)} | ({_lock_key("ip", ip)} if ip else set()))
    with connection.cursor() as cursor:
        for key in keys:  # always in the same order: no deadlock between two attempts
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def reserve_attempt(username: str, ip: str | None) -> int | None:
    """Atomically check the limits and count this attempt as a failure. Returns the reservation's id when the
    attempt may be evaluated, None when the login (or the address) is locked — the refused attempt stays counted.
    Call it before checking the password; on success call release() (or clear_failures())."""
    username = username.lower().strip()
    since = _window_start()
    with transaction.atomic():
        _serialise(username, ip)
        attempt = FailedLogin.objects.create(username=username, ip_address=ip)  # written first: takes the lock
        by_user = FailedLogin.objects.filter(username=username, at__gte=since).count()
        by_ip = FailedLogin.objects.filter(ip_address=ip, at__gte=since).count() if ip else 0
    if by_user > settings.LOGIN_MAX_FAILURES or by_ip > settings.LOGIN_MAX_FAILURES * 4:
        return None
    return attempt.pk


def release(reservation: int | None) -> None:
    """The reserved attempt succeeded: it is no failure."""
    if reservation is not None:
        FailedLogin.objects.filter(pk=reservation).delete()


def record_failure(username: str, ip: str | None, reason: str, *, reserved: bool = False) -> None:
    """Audit a failure; counts it too unless it was already counted by reserve_attempt()."""
    username = username.lower().strip()
    if not reserved:
        FailedLogin.objects.create(username=username, ip_address=ip)
    audit.record("login_failed", model_label="accounts.User", object_repr=username[:200],
                 changes={"motif": reason, "ip": ip})


def clear_failures(username: str) -> None:
    FailedLogin.objects.filter(username=username.lower().strip()).delete()


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
