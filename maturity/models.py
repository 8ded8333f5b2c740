from django.conf import settings
from django.db import models

from core.audit import AuditedModel


class Level(models.TextChoices):
    DEBUTANT = "debutant", "Débutant"
    INTERMEDIAIRE = "intermediaire", "Intermédiaire"
    CONFIRME = "confirme", "Confirmé"


LEVEL_ORDER = [Level.DEBUTANT, Level.INTERMEDIAIRE, Level.CONFIRME]


class Grid(AuditedModel):
    """A versioned self-assessment grid, loaded from a data file (content/maturity or a CISO Assistant library)."""

    slug = models.SlugField(max_length=120)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=250)
    source = models.CharField(max_length=250, blank=True)
    definition = models.JSONField()
    is_default = models.BooleanField("grille CaRE de référence", default=False)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "title"]
        verbose_name = "grille d'autoévaluation"
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="unique_grid_version")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class Assessment(AuditedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Brouillon"
        SUBMITTED = "submitted", "Soumise"

    scope_path = "establishment"

    establishment = models.ForeignKey("organisations.Establishment", on_delete=models.CASCADE,
                                      related_name="assessments")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="assessments")
    year = models.PositiveSmallIntegerField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    percent = models.FloatField(null=True, blank=True)
    level = models.CharField(max_length=15, choices=Level.choices, blank=True, db_index=True)
    theme_scores = models.JSONField(default=list, blank=True)
    gates_applied = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-updated_at"]
        verbose_name = "autoévaluation"
        constraints = [
            models.UniqueConstraint(fields=["establishment", "grid", "year"], name="one_assessment_per_grid_and_year"),
        ]
        indexes = [models.Index(fields=["establishment", "status", "year"])]

    def __str__(self) -> str:
        return f"Autoévaluation {self.year} — {self.establishment.name}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED
