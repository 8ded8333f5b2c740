"""Steering: exercises held outside the platform (declared with proof, so the annual count is complete) and
regional campaigns that schedule the year's exercises across a region's establishments."""

from django.conf import settings
from django.db import models

from core.audit import AuditedModel


class ExternalExercise(AuditedModel):
    """A crisis exercise held outside the platform: on paper, with another provider, at GHT level…"""

    scope_path = "establishment"

    establishment = models.ForeignKey("organisations.Establishment", on_delete=models.CASCADE,
                                      related_name="external_exercises")
    held_on = models.DateField("date de l'exercice")
    kit = models.CharField("kit ou scénario", max_length=200)
    level = models.CharField("niveau", max_length=20, choices=[("debutant", "Débutant"),
                                                              ("intermediaire", "Intermédiaire"),
                                                              ("confirme", "Confirmé")])
    provider = models.CharField("prestataire ou animateur", max_length=200, blank=True)
    notes = models.TextField("remarques", blank=True)
    proof = models.FileField("preuve (compte rendu, RETEX)", upload_to="declarations/%Y/")
    proof_name = models.CharField(max_length=200)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "pk"]
        verbose_name = "exercice déclaré"

    def __str__(self) -> str:
        return f"{self.kit} ({self.held_on:%d/%m/%Y})"


class Campaign(AuditedModel):
    """A region's campaign: the year's exercises scheduled across its establishments, one provider."""


    region = models.ForeignKey("organisations.Region", on_delete=models.CASCADE, related_name="campaigns")
    year = models.PositiveSmallIntegerField()
    title = models.CharField("intitulé", max_length=200)
    provider = models.CharField("prestataire retenu", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "region"]
        verbose_name = "campagne régionale"

    def __str__(self) -> str:
        return self.title


class CampaignEntry(AuditedModel):
    scope_path = "establishment"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="entries")
    establishment = models.ForeignKey("organisations.Establishment", on_delete=models.CASCADE,
                                      related_name="campaign_entries")
    planned_on = models.DateField("date prévue", null=True, blank=True)

    class Meta:
        ordering = ["planned_on", "establishment__name"]
        constraints = [models.UniqueConstraint(fields=["campaign", "establishment"], name="campaign_entry_unique")]

    def __str__(self) -> str:
        return f"{self.campaign} – {self.establishment_id}"
