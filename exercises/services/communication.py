"""The communication kit of an exercise: messages with variables filled, calendar invitation, sending."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.utils import formats, timezone

from accounts import access
from exercises.models import Exercise, MessageDispatch
from kits.services.rendering import substitute

INVITING_KINDS = ("invitation", "reminder")
KIND_LABELS = {"announcement": "Annonce", "invitation": "Invitation", "poster": "Affiche", "reminder": "Rappel",
               "thanks": "Remerciements", "feedback_request": "Demande de retour"}


@dataclass
class Message:
    id: str
    kind: str
    audience: str
    send_on: dt.date
    subject: str
    body: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def with_calendar(self) -> bool:
        return self.kind in INVITING_KINDS


def values(exercise: Exercise) -> dict[str, str]:
    local = timezone.localtime(exercise.scheduled_start)
    return {**exercise.variables, "date_exercice": exercise.variables.get("date_exercice")
            or formats.date_format(local, "l j F Y"),
            "heure_exercice": local.strftime("%H h %M"), "lieu_exercice": exercise.place}


def messages(exercise: Exercise) -> list[Message]:
    filled = values(exercise)
    day = timezone.localtime(exercise.scheduled_start).date()
    found = []
    for item in exercise.kit_version.communication.get("messages", []):
        found.append(Message(item["id"], item["kind"], item["audience"],
                             day + dt.timedelta(days=item.get("send_offset_days", 0)),
                             substitute(item["subject"], filled), substitute(item["body"], filled)))
    return sorted(found, key=lambda m: m.send_on)


_ICS_CONTROLS = {c: None for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F]}  # CR is replaced first


def _ics_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT: backslash, semicolon and comma escaped; every line break (CRLF, a lone CR, a lone
    LF) becomes the two characters « \\n », so a value can never start a property line of its own; the other
    control characters (not allowed in TEXT) are dropped. Lines are folded by _fold."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").translate(_ICS_CONTROLS)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def subject_line(text: str) -> str:
    """An e-mail subject on one line: CR, LF and the other control characters become spaces (Django refuses a
    header with a line break: BadHeaderError), runs of spaces collapse."""
    return " ".join("".join(" " if (ord(c) < 0x20 or c in "\x7f\x85\u2028\u2029") else c for c in text).split())


def _fold(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, continued with a space."""
    data = line.encode()
    parts = []
    while len(data) > 75:
        cut = 75 if not parts else 74
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
    parts.append(data.decode())
    return "\r\n ".join(parts)


def ics(exercise: Exercise, description: str = "") -> str:
    start = exercise.scheduled_start.astimezone(dt.UTC)
    end = start + dt.timedelta(minutes=exercise.duration_minutes)
    stamp = timezone.now().astimezone(dt.UTC)
    fmt = "%Y%m%dT%H%M%SZ"
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Plateforme CaRE//Exercices de crise//FR", "METHOD:REQUEST",
        "CALSCALE:GREGORIAN", "BEGIN:VEVENT", f"UID:exercice-{exercise.pk}@{settings.CARE_MAIL_DOMAIN}",
        f"DTSTAMP:{stamp.strftime(fmt)}", f"DTSTART:{start.strftime(fmt)}", f"DTEND:{end.strftime(fmt)}",
        f"SUMMARY:{_ics_text(exercise.title)}", f"LOCATION:{_ics_text(exercise.place)}",
        f"DESCRIPTION:{_ics_text(description or 'Exercice de crise cyber – ' + exercise.establishment.name)}",
        "STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def recipients_for(exercise: Exercise, audience: str, extra: str) -> list[str]:
    members = exercise.members.all()
    if audience != "all":
        members = members.filter(role=audience)
    addresses = {m.email for m in members}
    for address in (a.strip() for a in extra.replace(";", ",").replace("\n", ",").split(",")):
        if address:
            try:
                validate_email(address)
            except ValidationError as exc:
                raise ValidationError(f"Adresse invalide : « {address} ».") from exc
            addresses.add(address.lower())
    return sorted(addresses)


def do_send_message(user, exercise: Exercise, message_id: str, audience: str, extra: str = "") -> MessageDispatch:
    if not access.can_manage_exercise(user, exercise):
        raise PermissionDenied("Réservé à l'équipe d'animation de l'exercice.")
    message = next((m for m in messages(exercise) if m.id == message_id), None)
    if message is None:
        raise ValidationError("Message inconnu.")
    addresses = recipients_for(exercise, audience, extra)
    if not addresses:
        raise ValidationError("Aucun destinataire : ajoutez des membres à l'exercice ou des adresses.")
    calendar = ics(exercise, message.body) if message.with_calendar else None
    for address in addresses:  # one e-mail per person: addresses are not disclosed to each other
        email = EmailMessage(subject_line(message.subject), message.body, settings.DEFAULT_FROM_EMAIL, [address])
        if calendar:
            email.attach("exercice.ics", calendar, "text/calendar; method=REQUEST; charset=UTF-8")
        email.send()
    dispatch = MessageDispatch(exercise=exercise, message_id=message.id, subject=message.subject,
                               recipients=addresses, sent_by=user)
    dispatch.save()
    return dispatch


def send_invitation(exercise: Exercise, member, link: str) -> None:
    local = timezone.localtime(exercise.scheduled_start)
    body = (f"Bonjour {member.full_name},\n\nVous êtes invité(e) à l'exercice de crise cyber « {exercise.title} » "
            f"({exercise.establishment.name}), le {formats.date_format(local, 'l j F Y')} à "
            f"{local.strftime('%H h %M')}, {exercise.place}, en tant que {member.get_role_display().lower()}.\n\n"
            f"Votre lien personnel (ne le transférez pas) :\n{link}\n\n"
            "Ce lien vous donne accès aux documents de préparation sur la plateforme CaRE.\n")
    email = EmailMessage(subject_line(f"Invitation : {exercise.title}"), body, settings.DEFAULT_FROM_EMAIL,
                         [member.email])
    email.attach("exercice.ics", ics(exercise, body), "text/calendar; method=REQUEST; charset=UTF-8")
    email.send()
