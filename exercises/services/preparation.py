"""Preparing an exercise: every write goes through a do_* function (permission check, audit, one transaction)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone

from accounts import access
from exercises.models import Exercise, ExerciseStimulus, Member, MemberRole, Status, hash_token
from kits.models import Kit
from kits.services.assembly import KitData
from kits.services.documents import default_values
from kits.services.library import assemble
from kits.services.stimuli import from_row, to_fields

EDITABLE_STATUSES = (Status.DRAFT, Status.PLANNED)


def _require_manager(user, exercise: Exercise) -> None:
    if not access.can_manage_exercise(user, exercise):
        raise PermissionDenied("Réservé à l'équipe d'animation de l'exercice.")


def _require_editable(exercise: Exercise) -> None:
    if exercise.status not in EDITABLE_STATUSES:
        raise ValidationError("L'exercice a commencé : sa préparation ne peut plus être modifiée.")


def default_variables(establishment, data: KitData, scheduled_start: dt.datetime, place: str) -> dict[str, str]:
    values = default_values(data.meta["variables"])
    local = timezone.localtime(scheduled_start)
    known = {
        "etablissement_nom": establishment.name,
        "etablissement_ville": establishment.city.title() if establishment.city else "",
        "etablissement_sigle": establishment.name,
        "ars_nom": establishment.region.ars_name if establishment.region else "",
        "ght_nom": establishment.ght.name if establishment.ght else "",
        "date_exercice": formats.date_format(local, "l j F Y"),
        "salle_cellule_crise": place,
    }
    for name, value in known.items():
        if name in values and value:
            values[name] = value
    return values


def exercise_kit(exercise: Exercise) -> KitData:
    """The kit as this exercise plays it: kit version + overlays of its contexts, with its own chronogramme."""
    data = assemble(exercise.kit_version, exercise.contexts)
    data.stimuli = [from_row(row) for row in exercise.stimuli.all()]
    return data


@transaction.atomic
def do_create_exercise(user, establishment, kit: Kit, *, contexts: list[str], scheduled_start: dt.datetime,
                       place: str, title: str = "", duration_minutes: int | None = None,
                       provider: str = "") -> Exercise:
    """Refused to someone under animator embargo for the kit or one of the overlays (accounts.access)."""
    from kits.models import KitContext

    if not access.can_prepare_exercise_for(user, establishment):
        raise PermissionDenied("Vous ne pouvez pas préparer d'exercice pour cet établissement.")
    embargo = access.animator_embargo(user)
    if kit.pk in embargo.kits:
        raise PermissionDenied(
            f"Vous participez comme joueur ou observateur à un exercice en cours sur le kit « {kit.title} » : "
            "vous ne pourrez préparer un exercice à partir de ce kit qu'une fois cet exercice terminé.")
    version = kit.current
    if version is None:
        raise ValidationError("Ce kit n'a pas de version publiée.")
    data = assemble(version, contexts)
    labels = dict(KitContext.choices)
    embargoed = [labels.get(o.get("context", "")) or o["slug"] for o in data.overlays
                 if o["slug"] in embargo.overlays]
    if embargoed:
        raise PermissionDenied(
            "Vous participez comme joueur ou observateur à un exercice en cours qui utilise la contextualisation "
            f"« {', '.join(embargoed)} » : retirez-la, ou attendez la fin de cet exercice.")
    exercise = Exercise(
        establishment=establishment, kit_version=version, contexts=contexts, overlays=data.overlays,
        title=title or f"Exercice de crise cyber {timezone.localtime(scheduled_start).year} – {establishment.name}",
        scheduled_start=scheduled_start, duration_minutes=duration_minutes or version.duration_minutes,
        place=place, provider=provider, created_by=user, status=Status.DRAFT,
        variables=default_variables(establishment, data, scheduled_start, place),
    )
    exercise.save()
    base_ids = {row.stimulus_id for row in version.stimuli.all()}
    overlay_label = ", ".join(o["slug"] for o in data.overlays)
    for stimulus in data.stimuli:
        source = "kit" if stimulus["id"] in base_ids else overlay_label
        ExerciseStimulus(exercise=exercise, source=source, **to_fields(stimulus)).save()
    Member(exercise=exercise, user=user, email=user.email, full_name=user.get_full_name() or user.email,
           role=MemberRole.ANIMATOR, is_lead=True, accepted_at=timezone.now()).save()
    return exercise


@transaction.atomic
def do_update_logistics(user, exercise: Exercise, *, title: str, scheduled_start: dt.datetime, place: str,
                        duration_minutes: int, provider: str) -> Exercise:
    _require_manager(user, exercise)
    _require_editable(exercise)
    exercise.title, exercise.scheduled_start, exercise.place = title, scheduled_start, place
    exercise.duration_minutes, exercise.provider = duration_minutes, provider
    exercise.save()
    return exercise


@transaction.atomic
def do_set_status(user, exercise: Exercise, status: str) -> Exercise:
    """Preparation states only (draft ⇄ planned, cancelled); the live engine owns running/paused/ended."""
    _require_manager(user, exercise)
    if status not in (Status.DRAFT, Status.PLANNED, Status.CANCELLED) or exercise.status not in EDITABLE_STATUSES:
        raise ValidationError("Changement d'état impossible.")
    exercise.status = status
    exercise.save()
    return exercise


@transaction.atomic
def do_update_variables(user, exercise: Exercise, values: dict[str, str]) -> Exercise:
    _require_manager(user, exercise)
    _require_editable(exercise)
    declared = {v["name"] for v in exercise_kit(exercise).meta["variables"]}
    too_long = [name for name, value in values.items() if len(value) > 300]
    if too_long:
        raise ValidationError({name: "300 caractères au plus." for name in too_long})
    exercise.variables = {name: values.get(name, "").strip() for name in sorted(declared)}
    exercise.save()
    return exercise


@transaction.atomic
def do_replace_chronogramme(user, exercise: Exercise, stimuli: list[dict], source: str) -> int:
    """Replaces the exercise's stimuli (after an XLSX import already validated them): all or nothing."""
    _require_manager(user, exercise)
    _require_editable(exercise)
    for row in list(exercise.stimuli.all()):
        row.delete()
    for stimulus in stimuli:
        ExerciseStimulus(exercise=exercise, source=source, **to_fields(stimulus)).save()
    return len(stimuli)


def _member_defaults(role: str, cell_role: str, data: KitData) -> str:
    if role != MemberRole.PLAYER:
        return ""
    roles = {r["id"] for r in data.meta["cell_roles"]}
    if cell_role not in roles:
        raise ValidationError({"cell_role": "Choisissez le rôle du joueur dans la cellule de crise."})
    return cell_role


@transaction.atomic
def do_add_member(user, exercise: Exercise, *, email: str, full_name: str, role: str,
                  cell_role: str = "") -> tuple[Member, str]:
    """Adds a person and returns the raw invitation token (sent by e-mail to the invitee only, never shown to the
    animator; only its hash is kept; it expires after CARE_INVITATION_DAYS)."""
    _require_manager(user, exercise)
    if role not in MemberRole.values:
        raise ValidationError({"role": "Rôle inconnu."})
    email = get_user_model().objects.normalize_email(email).lower()
    if exercise.members.filter(email=email).exists():
        raise ValidationError({"email": "Cette personne fait déjà partie de l'exercice."})
    cell_role = _member_defaults(role, cell_role, exercise_kit(exercise))
    member = Member(exercise=exercise, email=email, full_name=full_name.strip(), role=role, cell_role=cell_role)
    token = member.new_invitation()
    member.save()
    return member, token


@transaction.atomic
def do_renew_invitation(user, member: Member) -> str:
    _require_manager(user, member.exercise)
    token = member.new_invitation()
    member.save()
    return token


@transaction.atomic
def do_remove_member(user, member: Member) -> None:
    _require_manager(user, member.exercise)
    if member.is_lead and member.exercise.members.filter(is_lead=True).count() == 1:
        raise ValidationError("Le directeur d'exercice ne peut pas être retiré ; désignez-en d'abord un autre.")
    member.delete()


def invitation_expires_at(member: Member) -> dt.datetime | None:
    if member.invited_at is None:
        return None
    return member.invited_at + dt.timedelta(days=settings.CARE_INVITATION_DAYS)


def invitation_expired(member: Member) -> bool:
    """A pending invitation older than CARE_INVITATION_DAYS: its link no longer works (the animator renews it)."""
    expires = invitation_expires_at(member)
    return member.accepted_at is None and expires is not None and timezone.now() >= expires


def _member_by_token(token: str) -> Member | None:
    if not token:
        return None
    return (Member.objects.select_related("exercise", "user").filter(token_hash=hash_token(token))
            .exclude(token_hash="").first())


def member_for_token(token: str) -> Member | None:
    """The member a valid (known, unused, unexpired) invitation link belongs to."""
    member = _member_by_token(token)
    return None if member is None or invitation_expired(member) else member


def token_expired(token: str) -> bool:
    """The link was a real invitation, now expired (to tell the invitee to ask for a new one)."""
    member = _member_by_token(token)
    return member is not None and invitation_expired(member)


def _require_unexpired(member: Member) -> None:
    if invitation_expired(member):
        raise ValidationError("Cette invitation a expiré : demandez-en une nouvelle au directeur d'exercice.")


@transaction.atomic
def do_accept_invitation(member: Member, user) -> Member:
    """Binds the invitation to `user` (an existing account logged in, or one just created for the invitee)."""
    if user.email.lower() != member.email.lower():
        raise PermissionDenied("Cette invitation est adressée à une autre personne.")
    _require_unexpired(member)
    member.user = user
    member.accepted_at = timezone.now()
    member.token_hash = ""
    member.save()
    return member


@transaction.atomic
def do_create_invited_account(member: Member, full_name: str, password: str):
    _require_unexpired(member)
    User = get_user_model()
    if User.objects.filter(email__iexact=member.email).exists():
        raise ValidationError("Un compte existe déjà pour cette adresse : connectez-vous pour accepter l'invitation.")
    first, _, last = full_name.strip().partition(" ")
    user = User.objects.create_user(email=member.email, password=password, first_name=first, last_name=last)
    do_accept_invitation(member, user)
    return user
