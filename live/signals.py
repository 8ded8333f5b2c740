"""Open live sockets follow access changes: when a person's membership of an exercise ends or changes (member removed,
role or crisis-cell role changed, another account linked), when they log out, when their account is deactivated or
deleted, their sockets are told (events.publish_close, after commit) and close (live.consumers.LiveConsumer)."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save

from exercises.models import Member
from live.consumers import CLOSE_LOGGED_OUT, CLOSE_MEMBERSHIP_ENDED, REGROUP

logger = logging.getLogger(__name__)
_MEMBER_ACCESS = ("user_id", "role", "cell_role", "covers")  # what decides the groups of a member's socket


def _close_after_commit(user_id: int | None, code: int, *, exercise_id: int | None = None,
                        session_key: str | None = None) -> None:
    if user_id is None:
        return

    def publish() -> None:
        from live.services import events

        try:
            events.publish_close(user_id, code, exercise_id=exercise_id, session_key=session_key)
        except Exception:  # noqa: BLE001 - the change is committed; a socket left open re-checks at its next handshake
            logger.exception("fermeture des connexions en direct de l'utilisateur %s en échec", user_id)

    transaction.on_commit(publish)


def _remember(instance, fields: tuple[str, ...]) -> tuple:
    # read from __dict__: a deferred field must not cost a query for every instance loaded
    return tuple(instance.__dict__.get(name) for name in fields)


def member_loaded(sender, instance, **kwargs) -> None:
    instance._live_access = _remember(instance, _MEMBER_ACCESS)


def member_saved(sender, instance, created, raw=False, **kwargs) -> None:
    before = getattr(instance, "_live_access", None)
    instance._live_access = _remember(instance, _MEMBER_ACCESS)
    if created or raw or before is None or before == instance._live_access:
        return
    old_user = before[0]
    code = REGROUP if before[:3] == instance._live_access[:3] else CLOSE_MEMBERSHIP_ENDED
    _close_after_commit(old_user, code, exercise_id=instance.exercise_id)


def member_deleted(sender, instance, **kwargs) -> None:
    _close_after_commit(instance.user_id, CLOSE_MEMBERSHIP_ENDED, exercise_id=instance.exercise_id)


def logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    session = getattr(request, "session", None)
    _close_after_commit(user.pk, CLOSE_LOGGED_OUT, session_key=getattr(session, "session_key", None))


def user_loaded(sender, instance, **kwargs) -> None:
    instance._live_active = instance.__dict__.get("is_active")


def user_saved(sender, instance, created, raw=False, **kwargs) -> None:
    was_active = getattr(instance, "_live_active", None)
    instance._live_active = instance.is_active
    if not created and not raw and was_active and not instance.is_active:
        _close_after_commit(instance.pk, CLOSE_LOGGED_OUT)


def user_deleted(sender, instance, **kwargs) -> None:
    _close_after_commit(instance.pk, CLOSE_LOGGED_OUT)


def connect() -> None:
    user_model = get_user_model()
    post_init.connect(member_loaded, sender=Member, dispatch_uid="live-member-loaded")
    post_save.connect(member_saved, sender=Member, dispatch_uid="live-member-saved")
    post_delete.connect(member_deleted, sender=Member, dispatch_uid="live-member-deleted")
    user_logged_out.connect(logged_out, dispatch_uid="live-logged-out")
    post_init.connect(user_loaded, sender=user_model, dispatch_uid="live-user-loaded")
    post_save.connect(user_saved, sender=user_model, dispatch_uid="live-user-saved")
    post_delete.connect(user_deleted, sender=user_model, dispatch_uid="live-user-deleted")
