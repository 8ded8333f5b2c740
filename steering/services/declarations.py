"""Exercises held outside the platform, declared with a proof (stored, never parsed; type checked)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts import access
from retex.services.plan import check_evidence_file
from steering.models import ExternalExercise

LEVELS = ("debutant", "intermediaire", "confirme")


def declarable_establishments(user) -> QuerySet:
    return access.preparable_establishments(user).filter(sector="sanitaire")


@transaction.atomic
def do_declare(user, establishment, *, held_on: str, kit: str, level: str, provider: str = "", notes: str = "",
               proof=None) -> ExternalExercise:
    if not access.can_prepare_exercise_for(user, establishment):
        raise PermissionDenied
    errors = {}
    try:
        day = dt.date.fromisoformat(held_on)
        if day > timezone.localdate():
            errors["held_on"] = "Un exercice déclaré a déjà eu lieu : la date ne peut être future."
    except ValueError:
        day = None
        errors["held_on"] = "Date invalide."
    if not kit.strip():
        errors["kit"] = "Indiquez le kit ou le scénario joué."
    if level not in LEVELS:
        errors["level"] = "Niveau inconnu."
    if proof is None:
        errors["proof"] = "La preuve (compte rendu, RETEX, feuille d'émargement) est obligatoire."
    else:
        try:
            name = check_evidence_file(proof)
        except ValidationError as exc:
            errors["proof"] = " ".join(exc.messages)
    if errors:
        raise ValidationError(errors)
    row = ExternalExercise(establishment=establishment, held_on=day, kit=kit.strip()[:200], level=level,
                           provider=provider.strip()[:200], notes=notes.strip(), proof_name=name, declared_by=user)
    row.proof.save(f"declaration-{establishment.pk}-{day:%Y%m%d}{name[name.rfind('.'):].lower()}", proof, save=False)
    row.save()
    return row
