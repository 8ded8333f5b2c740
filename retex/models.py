"""After the exercise: hot debrief answers, the RETEX (consolidated ratings, milestones, strengths, areas for
improvement, recommendations drawn from the rules base) and the improvement plan that outlives it."""

from django.conf import settings
from django.db import models

from core.audit import AuditedModel
from exercises.models import Exercise, Member, MemberRole


class RetexContent(models.Model):
    """A content document of content/retex (rules base, debrief questionnaire, milestones), as loaded."""

    kind = models.CharField(max_length=20)  # recommandations | debrief | jalons
    slug = models.SlugField(max_length=80)
    version = models.CharField(max_length=20)
    data = models.JSONField()
    digest = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="retex_content_slug_version")]
        ordering = ["kind", "-loaded_at"]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"


class DebriefResponse(AuditedModel):
    """One person's hot debrief: answered on the platform by a member, or typed in by the animation team from a
    paper round (member empty, respondent given)."""

    scope_path = "exercise__establishment"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="debrief_responses")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    respondent = models.CharField("répondant", max_length=150, blank=True)
    role = models.CharField("rôle", max_length=10, choices=MemberRole.choices)
    answers = models.JSONField(default=dict)
    on_paper = models.BooleanField(default=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    questionnaire = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["exercise", "member"], condition=models.Q(member__isnull=False),
                                               name="debrief_one_per_member")]

    def __str__(self) -> str:
        return f"RETEX à chaud de {self.respondent or self.member}"


class RetexStatus(models.TextChoices):
    DRAFT = "draft", "En cours de rédaction"
    VALIDATED = "validated", "Validé"


class Retex(AuditedModel):
    scope_path = "exercise__establishment"

    exercise = models.OneToOneField(Exercise, on_delete=models.CASCADE, related_name="retex")
    status = models.CharField(max_length=10, choices=RetexStatus.choices, default=RetexStatus.DRAFT)
    consolidated = models.JSONField("notes consolidées", default=dict, blank=True,
                                    help_text="critère → valeur retenue (NO, 0…3)")
    comments = models.JSONField("commentaires par critère", default=dict, blank=True)
    milestones = models.JSONField("jalons", default=dict, blank=True,
                                  help_text="jalon → {log_entry, offset} retenu par l'équipe d'animation")
    context = models.TextField("contexte et objectifs", blank=True)
    strengths = models.TextField("points forts", blank=True)
    improvements = models.TextField("axes d'amélioration", blank=True)
    rules_version = models.CharField(max_length=100, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    validated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "RETEX"

    def __str__(self) -> str:
        return f"RETEX — {self.exercise}"

    @property
    def is_validated(self) -> bool:
        return self.status == RetexStatus.VALIDATED


class Priority(models.TextChoices):
    HIGH = "haute", "Haute"
    MEDIUM = "moyenne", "Moyenne"
    LOW = "basse", "Basse"


PRIORITY_ORDER = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}


class Theme(models.TextChoices):
    PREVENT = "prevenir", "Prévenir"
    CONTROL = "controler", "Contrôler"
    DETECT = "detecter", "Détecter"
    REACT = "reagir", "Réagir"
    REBUILD = "reconstruire", "Reconstruire"


class Recommendation(AuditedModel):
    scope_path = "retex__exercise__establishment"

    retex = models.ForeignKey(Retex, on_delete=models.CASCADE, related_name="recommendations")
    rule = models.CharField(max_length=40, blank=True, help_text="Règle de la base, vide si ajoutée à la main.")
    criterion = models.CharField(max_length=20, blank=True)
    title = models.CharField("intitulé", max_length=200)
    text = models.TextField("préconisation")
    priority = models.CharField("priorité", max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    theme = models.CharField("thème", max_length=15, choices=Theme.choices, default=Theme.REACT)
    suggested_owner = models.CharField(max_length=200, blank=True)
    suggested_delay_days = models.PositiveIntegerField(default=180)
    evidence = models.CharField("preuve attendue", max_length=400, blank=True)
    selected = models.BooleanField("retenue", default=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "préconisation"

    def __str__(self) -> str:
        return self.title


class ActionStatus(models.TextChoices):
    TODO = "todo", "À engager"
    DOING = "doing", "En cours"
    DONE = "done", "Réalisée"
    DROPPED = "dropped", "Abandonnée"


OPEN_STATUSES = (ActionStatus.TODO, ActionStatus.DOING)


class Action(AuditedModel):
    """An action of the establishment's improvement plan, usually born from a recommendation of a validated RETEX."""

    scope_path = "establishment"

    establishment = models.ForeignKey("organisations.Establishment", on_delete=models.CASCADE,
                                      related_name="improvement_actions")
    recommendation = models.OneToOneField(Recommendation, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="action")
    exercise = models.ForeignKey(Exercise, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    rule = models.CharField("règle de la base", max_length=40, blank=True,
                            help_text="Règle de la préconisation d'origine : une action ouverte de même règle et même "
                                      "critère est renouvelée par un RETEX suivant, pas dupliquée.")
    title = models.CharField("intitulé", max_length=200)
    description = models.TextField(blank=True)
    criteria = models.JSONField("critères de la grille suivis", default=list, blank=True)
    theme = models.CharField("thème", max_length=15, choices=Theme.choices, default=Theme.REACT)
    owner = models.CharField("responsable", max_length=200, blank=True)
    due_date = models.DateField("échéance", null=True, blank=True)
    priority = models.CharField("priorité", max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField("état", max_length=10, choices=ActionStatus.choices, default=ActionStatus.TODO)
    evidence = models.TextField("preuve de réalisation", blank=True)
    evidence_expected = models.CharField("preuve attendue", max_length=400, blank=True)
    evidence_file = models.FileField("pièce justificative", upload_to="plan/%Y/", blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    done_at = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = "action du plan d'amélioration"
        indexes = [models.Index(fields=["theme", "status", "due_date"], name="action_theme_status_due")]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today) -> bool:
        return self.status in OPEN_STATUSES and self.due_date is not None and self.due_date < today


class ActionRenewal(AuditedModel):
    """A later RETEX found again what an open action addresses: the action is re-dated rather than duplicated, and
    this dated note (« Constat renouvelé lors de l'exercice … ») keeps the history and the link to that RETEX."""

    scope_path = "action__establishment"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="renewals")
    retex = models.ForeignKey(Retex, on_delete=models.CASCADE, related_name="renewals")
    recommendation = models.OneToOneField(Recommendation, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="renewal")
    note = models.CharField(max_length=300)
    previous_due_date = models.DateField("échéance précédente", null=True, blank=True)
    due_date = models.DateField("nouvelle échéance", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "renouvellement d'action"

    def __str__(self) -> str:
        return self.note


class EvaluationScore(models.Model):
    """One consolidated rating of a validated RETEX, kept in rows for the steering statistics (homogeneous
    evaluation across a region or the nation: distributions and quartiles per criterion by plain GROUP BY).
    Written at validation, removed at reopening; never edited by hand."""

    scope_path = "establishment"

    retex = models.ForeignKey(Retex, on_delete=models.CASCADE, related_name="scores")
    establishment = models.ForeignKey("organisations.Establishment", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    grid = models.CharField(max_length=80)
    level = models.CharField(max_length=20)
    criterion = models.CharField(max_length=20)
    value = models.PositiveSmallIntegerField()  # 0..3 ; « non observé » is not stored

    class Meta:
        indexes = [models.Index(fields=["grid", "year", "criterion", "value"]),
                   # ratings last: a region's value counts are read from the index alone, establishment by establishment
                   models.Index(fields=["establishment", "grid", "year", "criterion", "value"],
                                name="score_establishment_value")]

    def __str__(self) -> str:
        return f"{self.criterion} = {self.value}"
