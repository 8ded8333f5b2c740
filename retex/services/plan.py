"""The establishment's improvement plan: actions with owner, due date, priority, status and evidence; overdue
ones seen by the establishment and its region; the criteria they follow highlighted at the next exercise."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import access
from retex.models import OPEN_STATUSES, Action, ActionStatus, Priority, Theme

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# extension → accepted leading bytes (the file is stored, never parsed; its type must match what it claims)
EVIDENCE_TYPES = {
    ".pdf": (b"%PDF-",), ".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",), ".odt": (b"PK\x03\x04",), ".ods": (b"PK\x03\x04",),
    ".txt": (b"",), ".csv": (b"",),
}


def visible_actions(user) -> QuerySet:
    return access.restrict(user, Action.objects.select_related("establishment", "exercise"))


def overdue_q(today: dt.date | None = None) -> Q:
    return Q(status__in=OPEN_STATUSES, due_date__lt=today or timezone.localdate())


def open_actions(establishment) -> QuerySet:
    return Action.objects.filter(establishment=establishment, status__in=OPEN_STATUSES).order_by("due_date", "pk")


def followed_criteria(establishment) -> dict[str, list[str]]:
    """Criterion → titles of the open actions that follow it (highlighted for observers at the next exercise)."""
    followed: dict[str, list[str]] = {}
    for title, criteria in open_actions(establishment).values_list("title", "criteria"):
        for criterion in criteria or []:
            followed.setdefault(criterion, []).append(title)
    return followed


def _require_editor(user, establishment) -> None:
    if not access.can_update_improvement_plan(user, establishment):
        raise PermissionDenied


def _clean(fields: dict) -> dict:
    errors = {}
    cleaned = {}
    if "title" in fields:
        cleaned["title"] = (fields["title"] or "").strip()[:200]
        if not cleaned["title"]:
            errors["title"] = "Intitulé obligatoire."
    for name in ("description", "owner", "evidence"):
        if name in fields:
            cleaned[name] = (fields[name] or "").strip()
    if "owner" in cleaned and len(cleaned["owner"]) > 200:
        errors["owner"] = "200 caractères au plus."
    if "status" in fields:
        if fields["status"] not in ActionStatus.values:
            errors["status"] = "État inconnu."
        cleaned["status"] = fields["status"]
    if "priority" in fields:
        if fields["priority"] not in Priority.values:
            errors["priority"] = "Priorité inconnue."
        cleaned["priority"] = fields["priority"]
    if "theme" in fields:
        if fields["theme"] not in Theme.values:
            errors["theme"] = "Thème inconnu."
        cleaned["theme"] = fields["theme"]
    if "due_date" in fields:
        value = fields["due_date"]
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value) if value else None
            except ValueError:
                errors["due_date"] = "Date invalide (AAAA-MM-JJ)."
        cleaned["due_date"] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def do_update_action(user, action: Action, **fields) -> Action:
    _require_editor(user, action.establishment)
    cleaned = _clean(fields)
    if cleaned.get("status") == ActionStatus.DONE and not (cleaned.get("evidence", action.evidence)
                                                            or action.evidence_file):
        raise ValidationError({"evidence": "Indiquez la preuve de réalisation (texte ou pièce jointe)."})
    for name, value in cleaned.items():
        setattr(action, name, value)
    if action.status == ActionStatus.DONE and action.done_at is None:
        action.done_at = timezone.localdate()
    elif action.status != ActionStatus.DONE:
        action.done_at = None
    action.save()
    return action


@transaction.atomic
def do_add_action(user, establishment, **fields) -> Action:
    _require_editor(user, establishment)
    cleaned = _clean({"title": "", **fields})
    return Action.objects.create(establishment=establishment, **cleaned)


def check_evidence_file(upload) -> str:
    """The original name, once the upload is known to be small enough and of the type it claims."""
    import os

    name = os.path.basename(upload.name or "")[:200]
    extension = os.path.splitext(name)[1].lower()
    if extension not in EVIDENCE_TYPES:
        raise ValidationError({"evidence_file": "Type de fichier refusé (PDF, image, bureautique, texte)."})
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence_file": "Fichier trop volumineux (10 Mo au plus)."})
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in EVIDENCE_TYPES[extension]):
        raise ValidationError({"evidence_file": "Le contenu du fichier ne correspond pas à son extension."})
    return name


@transaction.atomic
def do_attach_evidence(user, action: Action, upload) -> Action:
    _require_editor(user, action.establishment)
    name = check_evidence_file(upload)
    if action.evidence_file:
        action.evidence_file.delete(save=False)
    action.evidence_file.save(f"action-{action.pk}{name[name.rfind('.'):].lower()}", upload, save=False)
    action.evidence_name = name
    action.save()
    return action
