"""Audit log of every change of record.

Models that hold user data inherit `AuditedModel`: each save and delete writes an `AuditEntry`
with who (the actor of the current context), when, and the field-level changes. Bulk writes that
bypass `save()` (imports) must call `record()` themselves with a summary.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

_actor: contextvars.ContextVar[tuple[Any, str] | None] = contextvars.ContextVar("audit_actor", default=None)
# Fields never copied into the audit log: only the fact that they changed is kept.
SECRET_FIELDS = {"password", "key", "secret", "token"}
# Fields whose changes are bookkeeping, not a change of the record.
IGNORED_FIELDS = {"last_login"}


@contextmanager
def acting_as(user: Any = None, label: str = "") -> Iterator[None]:
    """Attribute every change made inside the block to `user` (or to a label such as a command)."""
    token = _actor.set((user, label or (str(user) if user else "système")))
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> tuple[Any, str]:
    value = _actor.get()
    if value is None:
        return None, "système"
    user, label = value
    if user is not None and not getattr(user, "is_authenticated", False):
        return None, "anonyme"
    return user, label


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def record(action: str, *, model_label: str, object_pk: str = "", object_repr: str = "",
           changes: dict | None = None) -> None:
    from core.models import AuditEntry

    user, label = current_actor()
    AuditEntry.objects.create(
        actor=user if user is not None and getattr(user, "pk", None) else None,
        actor_label=label[:200],
        action=action,
        model_label=model_label,
        object_pk=str(object_pk)[:64],
        object_repr=object_repr[:200],
        changes=changes or {},
    )


def _snapshot(instance: models.Model) -> dict[str, Any]:
    data = {}
    deferred = instance.get_deferred_fields()  # never load them (that would recurse through from_db)
    for field in instance._meta.concrete_fields:
        if field.name in IGNORED_FIELDS or field.attname in deferred:
            continue
        value = getattr(instance, field.attname)
        if field.name in SECRET_FIELDS:
            value = "••••" + hashlib.sha256(str(value).encode()).hexdigest()[:6] if value else ""
        data[field.attname] = _jsonable(value)
    return data


class AuditedModel(models.Model):
    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._audit_initial = _snapshot(instance)
        return instance

    def save(self, *args, **kwargs):  # noqa: DJ012 - from_db (the snapshot hook) reads best before save()
        creating = self._state.adding
        super().save(*args, **kwargs)
        after = _snapshot(self)
        if creating:
            changes = {k: [None, v] for k, v in after.items() if v not in (None, "", [], {})}
            action = "create"
        else:
            before = getattr(self, "_audit_initial", {})
            changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
            action = "update"
            if not changes:
                return
        self._audit_initial = after
        record(action, model_label=self._meta.label, object_pk=self.pk, object_repr=str(self), changes=changes)

    def delete(self, *args, **kwargs):
        pk, text, before = self.pk, str(self), _snapshot(self)
        result = super().delete(*args, **kwargs)
        record("delete", model_label=self._meta.label, object_pk=pk, object_repr=text,
               changes={k: [v, None] for k, v in before.items() if v not in (None, "")})
        return result
