"""An exercise prepared from a kit version: logistics, variables, its own chronogramme copy, its members.

The exercise keeps its own copy of the stimuli (the kit's chronogramme with the overlays of its contexts), so the
animation team can adapt it and the live engine plays exactly what was prepared.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.audit import AuditedModel
from kits.models import KitVersion, StimulusFields


class Status(models.TextChoices):
    DRAFT = "draft", "En préparation"
    PLANNED = "planned", "Planifié"
    RUNNING = "running", "En cours"
    PAUSED = "paused", "En pause"
    ENDED = "ended", "Terminé"
    CANCELLED = "cancelled", "Annulé"


class MemberRole(models.TextChoices):
    ANIMATOR = "animator", "Équipe d'animation"
    OBSERVER = "observer", "Observateur"
    PLAYER = "player", "Joueur (cellule de crise)"


class Exercise(AuditedModel):
    scope_path = "establishment"
    member_path = "members__user"

    establishment = models.ForeignKey("organisations.Establishment", on_delete=models.PROTECT,
                                      related_name="exercises")
    title = models.CharField("intitulé", max_length=200)
    kit_version = models.ForeignKey(KitVersion, on_delete=models.PROTECT, related_name="exercises")
    contexts = models.JSONField("contextes", default=list, blank=True)
    overlays = models.JSONField("surcouches appliquées", default=list, blank=True)
    scheduled_start = models.DateTimeField("début prévu")
    duration_minutes = models.PositiveIntegerField("durée (minutes)")
    place = models.CharField("lieu", max_length=250)
    provider = models.CharField("prestataire d'animation", max_length=200, blank=True,
                                help_text="Vide si l'exercice est animé en interne.")
    variables = models.JSONField("variables", default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_start"]
        verbose_name = "exercice"
        # establishment last: the annual obligation's « ended this year » set is read from the index alone
        indexes = [models.Index(fields=["status", "scheduled_start", "establishment"],
                                name="exercise_status_start_est")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_over(self) -> bool:
        return self.status == Status.ENDED

    @property
    def kit(self):
        return self.kit_version.kit


class ExerciseStimulus(StimulusFields, AuditedModel):
    # No scope_path on purpose: stimuli are animator material, reached only through the exercise after
    # accounts.access.can_read_animator_kit(); restrict() refuses this model.

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="stimuli")
    source = models.CharField(max_length=60, blank=True, help_text="kit, surcouche, import XLSX ou ajout.")

    class Meta(StimulusFields.Meta):
        constraints = [models.UniqueConstraint(fields=["exercise", "stimulus_id"], name="exercise_stimulus_unique")]
        verbose_name = "stimulus d'exercice"
        verbose_name_plural = "stimuli d'exercice"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Member(AuditedModel):
    """A person of the exercise: animation team, observer or player (with their crisis-cell role)."""

    scope_path = "exercise__establishment"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="exercise_memberships")
    email = models.EmailField("adresse électronique")
    full_name = models.CharField("nom", max_length=150)
    role = models.CharField("rôle", max_length=10, choices=MemberRole.choices)
    cell_role = models.CharField("rôle dans la cellule", max_length=40, blank=True)
    covers = models.JSONField("rôles tenus en suppléance", default=list, blank=True,
                              help_text="Rôles de la cellule sans joueur dont ce joueur reçoit aussi les stimuli.")
    is_lead = models.BooleanField("directeur d'exercice", default=False)
    token_hash = models.CharField(max_length=64, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["role", "full_name"]
        constraints = [models.UniqueConstraint(fields=["exercise", "email"], name="member_unique_email")]
        verbose_name = "membre d'exercice"

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_role_display()})"

    @property
    def played_roles(self) -> list[str]:
        """The cell roles whose stimuli this player receives: their own, and those they cover for nobody."""
        if self.role != MemberRole.PLAYER:
            return []
        return [self.cell_role, *[r for r in self.covers if r != self.cell_role]]

    def new_invitation(self) -> str:
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.invited_at = timezone.now()
        return token


class MessageDispatch(AuditedModel):
    """A communication-kit message sent through the platform."""

    scope_path = "exercise__establishment"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="dispatches")
    message_id = models.CharField(max_length=30)
    subject = models.CharField(max_length=300)
    recipients = models.JSONField(default=list)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = "envoi de message"
