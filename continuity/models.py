"""The PCRA project of an establishment (or of a GHT, carried by one establishment): its framing, the business
impact analysis (processes, resources and their dependencies), contacts, versions, evaluations of the plan,
and the RETEX actions that change its sections."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.audit import AuditedModel

HORIZONS = ("1h", "4h", "24h", "72h", "1sem")
HORIZON_LABELS = {"1h": "1 h", "4h": "4 h", "24h": "24 h", "72h": "72 h", "1sem": "1 semaine"}
DIMENSIONS = ("securite_patients", "continuite_soins", "juridique", "financier", "image")
DIMENSION_LABELS = {"securite_patients": "Sécurité des patients", "continuite_soins": "Continuité des soins",
                    "juridique": "Juridique et réglementaire", "financier": "Financier", "image": "Image"}
IMPACT_LABELS = {0: "Nul", 1: "Faible", 2: "Modéré", 3: "Grave", 4: "Critique"}


class ContinuityContent(models.Model):
    """A loaded content file of content/continuity (lexicon, guided path, plan template, grid, BIA example)."""

    kind = models.CharField(max_length=20)  # lexique | parcours | trame | grille | exemple
    slug = models.SlugField(max_length=80)
    version = models.CharField(max_length=20)
    data = models.JSONField()
    digest = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="continuity_content_unique")]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"


class ProjectScope(models.TextChoices):
    ESTABLISHMENT = "establishment", "Établissement"
    GHT = "ght", "GHT ou entité multi-établissements"


class Project(AuditedModel):
    scope_path = "establishment"

    establishment = models.ForeignKey("organisations.Establishment", on_delete=models.CASCADE,
                                      related_name="pcra_projects",
                                      help_text="Établissement porteur (l'établissement support pour un GHT).")
    scope_kind = models.CharField("périmètre", max_length=15, choices=ProjectScope.choices,
                                  default=ProjectScope.ESTABLISHMENT)
    title = models.CharField("intitulé", max_length=200)
    example = models.CharField("exemple de départ", max_length=80, blank=True)
    # framing (note de cadrage)
    scope = models.TextField("périmètre et exclusions", blank=True)
    scenario = models.TextField("scénario de référence", blank=True)
    sponsor = models.CharField("sponsor de direction", max_length=200, blank=True)
    medical_sponsor = models.CharField("sponsor médical", max_length=200, blank=True)
    committee = models.TextField("comité de pilotage", blank=True)
    calendar = models.TextField("calendrier et jalons", blank=True)
    lead_name = models.CharField("responsable PCRA", max_length=200, blank=True)
    activity_convention = models.CharField("convention de mesure de l'activité", max_length=300, blank=True)
    # the plan's own sections
    alert_procedure = models.TextField("organisation et chaîne d'alerte", blank=True)
    activation_criteria = models.TextField("critères d'activation", blank=True)
    activation_authority = models.TextField("qui peut activer le plan", blank=True)
    # guided path: step id → list of ticked checklist indexes
    path_progress = models.JSONField(default=dict, blank=True)
    # maintenance
    review_every_months = models.PositiveSmallIntegerField("périodicité de revue (mois)", default=12,
                                                           validators=[MinValueValidator(1),
                                                                       MaxValueValidator(36)])
    next_review_on = models.DateField("prochaine revue", null=True, blank=True)
    reminder_sent_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["establishment__name", "title"]
        indexes = [models.Index(fields=["next_review_on"], name="pcra_next_review_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def coverage_target(self) -> int | None:
        """The programme's funding criteria: 66 % of the activity for a multi-establishment entity."""
        return 66 if self.scope_kind == ProjectScope.GHT else None


class ResourceKind(models.TextChoices):
    APPLICATION = "application", "Application"
    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    SUPPLIER = "fournisseur", "Fournisseur"
    PEOPLE = "personnes", "Personnes"


class Resource(AuditedModel):
    scope_path = "project__establishment"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="resources")
    code = models.SlugField("identifiant", max_length=60)
    name = models.CharField("libellé", max_length=200)
    kind = models.CharField("nature", max_length=15, choices=ResourceKind.choices)
    restore_hours = models.FloatField("délai de remise en service (h)", validators=[MinValueValidator(0)],
                                      help_text="Durée propre, une fois ses dépendances disponibles.")
    backup_every_hours = models.FloatField("intervalle entre sauvegardes exploitables (h)", null=True, blank=True,
                                           validators=[MinValueValidator(0)])
    depends_on = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="needed_by")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="pcra_resource_code_unique")]

    def __str__(self) -> str:
        return self.name


class ProcessCategory(models.TextChoices):
    CARE = "soins", "Soins"
    MEDICO_TECHNICAL = "medico-technique", "Médico-technique (pharmacie, biologie, imagerie…)"
    ADMINISTRATIVE = "administratif", "Administratif"
    LOGISTICS = "logistique", "Logistique"
    TECHNICAL = "technique", "Technique"


class BiaStatus(models.TextChoices):
    TODO = "a_faire", "À faire"
    IN_PROGRESS = "en_cours", "En cours"
    VALIDATED = "valide", "Validé"


class Process(AuditedModel):
    scope_path = "project__establishment"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="processes")
    code = models.SlugField("identifiant", max_length=60)
    name = models.CharField("libellé", max_length=200)
    category = models.CharField("catégorie", max_length=20, choices=ProcessCategory.choices)
    owner_role = models.CharField("responsable", max_length=200, blank=True)
    criticality = models.PositiveSmallIntegerField("criticité", validators=[MinValueValidator(1),
                                                                            MaxValueValidator(4)])
    activity_share = models.FloatField("part de l'activité (%)", default=0,
                                       validators=[MinValueValidator(0), MaxValueValidator(100)])
    impacts = models.JSONField("impacts", default=dict, blank=True)  # horizon → dimension → 0..4
    dmia_hours = models.FloatField("DMIA (h)", validators=[MinValueValidator(0)])
    pdma_hours = models.FloatField("PDMA (h)", validators=[MinValueValidator(0)])
    depends_on = models.ManyToManyField(Resource, blank=True, related_name="processes")
    degraded_who = models.TextField("qui", blank=True)
    degraded_when = models.TextField("quand (déclenchement)", blank=True)
    degraded_what = models.TextField("quoi", blank=True)
    degraded_where = models.TextField("où (kits, formulaires)", blank=True)
    degraded_how = models.TextField("comment", blank=True)
    degraded_return = models.TextField("retour à la normale et ressaisie", blank=True)
    bia_status = models.CharField("état du BIA", max_length=10, choices=BiaStatus.choices, default=BiaStatus.TODO)
    tested_on = models.DateField("mode dégradé éprouvé le", null=True, blank=True,
                                 help_text="Date du dernier exercice terrain ou test du mode dégradé.")

    class Meta:
        ordering = ["-criticality", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="pcra_process_code_unique")]

    def __str__(self) -> str:
        return self.name


class Contact(AuditedModel):
    scope_path = "project__establishment"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contacts")
    function = models.CharField("fonction", max_length=200)
    name = models.CharField("nom", max_length=200, blank=True)
    phone = models.CharField("téléphone", max_length=40, blank=True)
    backup_phone = models.CharField("téléphone de secours", max_length=40, blank=True)
    email = models.CharField("courriel", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.function


class PlanVersion(AuditedModel):
    """A published version of the plan: a frozen snapshot of the BIA and the plan's sections."""

    scope_path = "project__establishment"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    note = models.TextField("modifications", blank=True)
    snapshot = models.JSONField()
    digest = models.CharField(max_length=64)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="pcra_version_unique")]

    def __str__(self) -> str:
        return f"v{self.number}"


class PlanEvaluation(AuditedModel):
    """The plan assessed against the PCRA evaluation grid (content/continuity/grille-pcra.yaml)."""

    scope_path = "project__establishment"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="evaluations")
    grid = models.CharField(max_length=100)
    evaluated_on = models.DateField("date")
    evaluator = models.CharField("évaluateur", max_length=200, blank=True)
    scores = models.JSONField(default=dict)  # criterion id → 0..3
    comments = models.TextField(blank=True)

    class Meta:
        ordering = ["-evaluated_on", "-pk"]

    def __str__(self) -> str:
        return f"Évaluation du {self.evaluated_on:%d/%m/%Y}"


class SectionLink(AuditedModel):
    """A RETEX action that changes a section of the plan (the plan is reviewed when the action is done)."""

    scope_path = "project__establishment"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="section_links")
    action = models.ForeignKey("retex.Action", on_delete=models.CASCADE, related_name="pcra_links")
    section = models.CharField("section du plan", max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["section", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "action", "section"], name="pcra_link_unique")]

    def __str__(self) -> str:
        return f"{self.action_id} → {self.section}"
