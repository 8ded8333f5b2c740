"""Irreversible actions need an explicit confirmation: the page asks in a DSFR modal
(`core/includes/confirm_modal.html`) whose submit button carries `CONFIRM_FIELD=CONFIRM_VALUE`, and the
service or view refuses the action without it, so a stray or forged request cannot end an exercise."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError

CONFIRM_FIELD = "confirmation"
CONFIRM_VALUE = "oui"
REFUSAL = "Action irréversible : elle doit être confirmée."


def is_confirmed(data: Mapping) -> bool:
    return data.get(CONFIRM_FIELD) == CONFIRM_VALUE


def require_confirmation(data: Mapping) -> None:
    """Raises a ValidationError unless the request data holds the confirmation field."""
    if not is_confirmed(data):
        raise ValidationError(REFUSAL)
