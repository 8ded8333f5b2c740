"""Throttling of failed logins, per login and per client address, stored in the database so that
every web process shares it."""

from datetime import timedelta

from django.conf import settings
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


def record_failure(username: str, ip: str | None, reason: str) -> None:
    username = username.lower().strip()
    FailedLogin.objects.create(username=username, ip_address=ip)
    audit.record("login_failed", model_label="accounts.User", object_repr=username[:200],
                 changes={"motif": reason, "ip": ip})


def clear_failures(username: str) -> None:
    FailedLogin.objects.filter(username=username.lower().strip()).delete()


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
