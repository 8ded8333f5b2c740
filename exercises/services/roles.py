"""Who plays which crisis-cell role, and what an unplayed role would miss.

A stimulus addressed to a role that no player holds (nor covers) reaches nobody. Before the start the preparation
page lists those roles and the stimuli they would miss; live, the console flags a stimulus that reached nobody and
the animator re-routes it or asks a player to cover the role."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import access
from exercises.models import Exercise, Member, MemberRole

ALL_CELL = "cellule"


@dataclass
class RoleCoverage:
    id: str
    label: str
    players: list[str] = field(default_factory=list)
    covered_by: list[str] = field(default_factory=list)
    missed: list[dict] = field(default_factory=list)  # stimuli that would reach nobody: code, title, offset

    @property
    def played(self) -> bool:
        return bool(self.players or self.covered_by)


def played_roles(members: Iterable[Member]) -> set[str]:
    """Every cell role held or covered by a player."""
    return {role for m in members if m.role == MemberRole.PLAYER for role in m.played_roles if role}


def reaches_nobody(recipients: list[str], played: set[str]) -> bool:
    return ALL_CELL not in recipients and not (set(recipients) & played)


def role_coverage(exercise: Exercise, cell_roles: list[dict], members: list[Member] | None = None
                  ) -> list[RoleCoverage]:
    """One line per cell role of the kit, with its players, its substitutes and, for an unplayed role, the stimuli
    addressed only to unplayed roles (they would reach nobody)."""
    members = list(exercise.members.all()) if members is None else members
    played = played_roles(members)
    lines = {r["id"]: RoleCoverage(r["id"], r["label"]) for r in cell_roles}
    for member in members:
        if member.role != MemberRole.PLAYER:
            continue
        if member.cell_role in lines:
            lines[member.cell_role].players.append(member.full_name)
        for role in member.covers:
            if role in lines and role != member.cell_role:
                lines[role].covered_by.append(member.full_name)
    for stimulus in exercise.stimuli.order_by("offset_seconds", "order").only(
            "stimulus_id", "title", "offset_seconds", "recipients"):
        if not reaches_nobody(stimulus.recipients, played):
            continue
        for role in stimulus.recipients:
            if role in lines:
                lines[role].missed.append({"code": stimulus.stimulus_id, "title": stimulus.title,
                                           "offset": stimulus.offset})
    return list(lines.values())


@transaction.atomic
def do_set_cover(user, exercise: Exercise, member: Member, roles: list[str], cell_roles: list[dict]) -> Member:
    """Lets a player also receive the stimuli of roles nobody plays (a director covering communication, say)."""
    if not access.can_manage_exercise(user, exercise):
        raise PermissionDenied("Réservé à l'équipe d'animation de l'exercice.")
    if member.exercise_id != exercise.pk or member.role != MemberRole.PLAYER:
        raise ValidationError("Seul un joueur de la cellule peut tenir un autre rôle.")
    known = {r["id"] for r in cell_roles}
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise ValidationError("Rôle inconnu : " + ", ".join(unknown))
    member.covers = sorted({r for r in roles if r != member.cell_role})
    member.save()
    return member
