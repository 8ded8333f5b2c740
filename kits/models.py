"""The kit library: evaluation grids, kits with their versions and chronogrammes, context overlays.

Content comes from `content/` (YAML validated by JSON Schemas) through `manage.py load_kits`. A kit version is
immutable once loaded: changing a kit means a new version, so an exercise always knows what it used.
"""

from django.db import models

from core.audit import AuditedModel


class KitLevel(models.TextChoices):
    DEBUTANT = "debutant", "Débutant"
    INTERMEDIAIRE = "intermediaire", "Intermédiaire"
    CONFIRME = "confirme", "Confirmé"
    REGIONAL = "regional", "Régional (ARS et préfecture)"


class KitContext(models.TextChoices):
    MCO = "mco", "MCO (médecine, chirurgie, obstétrique)"
    PSYCHIATRIE = "psychiatrie", "Psychiatrie"
    SSR = "ssr", "SMR / soins de suite et de réadaptation"
    CANCEROLOGIE = "cancerologie", "Cancérologie"
    HAD = "had", "Hospitalisation à domicile"
    ESSMS = "essms", "EHPAD et médico-social"
    REGIONAL = "regional", "Régional"


class Channel(models.TextChoices):
    EMAIL = "email", "Courriel"
    PHONE = "phone", "Appel téléphonique"
    SMS = "sms", "SMS"
    PRESS = "press", "Article de presse"
    SOCIAL = "social", "Réseau social"
    LETTER = "letter", "Courrier officiel"
    HANDOUT = "handout", "Document remis en main propre"
    VERBAL = "verbal", "Annonce orale"
    BROADCAST = "broadcast", "Reportage télévisé ou radio"


class EvaluationGrid(AuditedModel):
    slug = models.SlugField(max_length=80)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=250)
    scale = models.JSONField(default=list)
    objectives = models.JSONField(default=list, help_text="Objectifs et leurs critères, tels que dans le fichier.")
    digest = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="grid_slug_version")]
        ordering = ["slug", "-loaded_at"]
        verbose_name = "grille d'évaluation"

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def criteria(self, level: str | None = None) -> list[dict]:
        found = []
        for objective in self.objectives:
            for criterion in objective["criteria"]:
                if level is None or level in criterion.get("levels", []):
                    found.append({**criterion, "objective_id": objective["id"], "objective_title": objective["title"]})
        return found


class Kit(AuditedModel):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=250)
    level = models.CharField(max_length=20, choices=KitLevel.choices)
    contexts = models.JSONField(default=list)
    current = models.ForeignKey("KitVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["slug"]
        verbose_name = "kit d'exercice"

    def __str__(self) -> str:
        return self.title


class KitVersion(AuditedModel):
    kit = models.ForeignKey(Kit, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=20)
    changelog = models.JSONField(default=list)
    title = models.CharField(max_length=250)
    summary = models.TextField()
    duration_minutes = models.PositiveIntegerField()
    objectives = models.JSONField(default=list)
    phases = models.JSONField(default=list)
    cell_roles = models.JSONField(default=list)
    actors = models.JSONField(default=list)
    variables = models.JSONField(default=list)
    participant = models.JSONField(default=dict, help_text="Kit participant : règles, fiches réflexes, glossaire.")
    communication = models.JSONField(default=dict, help_text="Kit communication : messages.")
    # Confidential: never shown to players or observers before the end of the exercise (accounts.access).
    animator = models.JSONField(default=dict, help_text="Kit animateur (confidentiel).")
    grid = models.ForeignKey(EvaluationGrid, on_delete=models.PROTECT, related_name="kit_versions")
    digest = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kit", "version"], name="kit_version_unique")]
        ordering = ["kit", "-loaded_at"]
        verbose_name = "version de kit"

    def __str__(self) -> str:
        return f"{self.kit.slug} v{self.version}"

    @property
    def level(self) -> str:
        return self.kit.level


class StimulusFields(models.Model):
    """One line of a chronogramme; shared by the kit's reference copy and an exercise's own copy."""

    stimulus_id = models.CharField("identifiant", max_length=30)
    order = models.PositiveIntegerField("ordre")
    phase = models.CharField(max_length=20)
    offset_seconds = models.PositiveIntegerField("décalage (s)")
    story_time = models.CharField("heure simulée", max_length=20)
    sender = models.CharField("émetteur", max_length=60)
    recipients = models.JSONField("destinataires", default=list)
    channel = models.CharField("canal", max_length=10, choices=Channel.choices)
    title = models.CharField("titre", max_length=300)
    content = models.TextField("contenu")
    script = models.TextField(blank=True)
    attachments = models.JSONField("pièces jointes", default=list, blank=True)
    expected_reactions = models.JSONField("réactions attendues", default=list, blank=True)
    criteria = models.JSONField("critères", default=list, blank=True)
    animator_notes = models.TextField("notes d'animation", blank=True)
    hints = models.JSONField("relances", default=list, blank=True)
    optional = models.BooleanField("facultatif", default=False)
    contingency = models.BooleanField("secours", default=False)
    noise = models.BooleanField("bruit", default=False)
    depends_on = models.JSONField("dépend de", default=list, blank=True)
    pressure = models.PositiveSmallIntegerField("pression", default=1)

    class Meta:
        abstract = True
        ordering = ["offset_seconds", "order"]

    def __str__(self) -> str:
        return f"{self.stimulus_id} – {self.title}"

    @property
    def offset(self) -> str:
        from kits.services.stimuli import format_offset

        return format_offset(self.offset_seconds)


class Stimulus(StimulusFields, AuditedModel):
    kit_version = models.ForeignKey(KitVersion, on_delete=models.CASCADE, related_name="stimuli")

    class Meta(StimulusFields.Meta):
        constraints = [models.UniqueConstraint(fields=["kit_version", "stimulus_id"], name="stimulus_unique_id")]
        verbose_name = "stimulus"
        verbose_name_plural = "stimuli"


class Overlay(AuditedModel):
    """A context overlay (psychiatrie, SSR…): stimuli, sheets, roles and variables added to the kits it applies to."""

    slug = models.SlugField(max_length=80)
    version = models.CharField(max_length=20)
    context = models.CharField(max_length=20, choices=KitContext.choices)
    title = models.CharField(max_length=250)
    applies_to = models.JSONField(default=list)
    definition = models.JSONField(default=dict)
    digest = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="overlay_slug_version")]
        ordering = ["context", "-loaded_at"]
        verbose_name = "surcouche de contexte"

    def __str__(self) -> str:
        return self.title
