"""The live state of an exercise. Everything needed to recompute it is persistent, so any process may restart.

Exercise time = base_offset + (now − base_wall) × speed while running, base_offset otherwise. Every clock change
(start, pause, resume, speed, jump) rebases (base_offset, base_wall) and recomputes the wall-clock due time of the
pending deliveries, so the scheduler only asks the database « what is due before now? ».
"""

from django.db import models

from core.audit import AuditedModel
from exercises.models import Exercise, ExerciseStimulus, Member


class LatePolicy(models.TextChoices):
    DELIVER = "deliver", "Envoyer en retard, dans l'ordre, marqués « en retard »"
    HOLD = "hold", "Retenir pour confirmation de l'animateur"


class LiveState(AuditedModel):
    exercise = models.OneToOneField(Exercise, on_delete=models.CASCADE, related_name="live")
    base_offset = models.FloatField(default=0.0)
    base_wall = models.DateTimeField(null=True, blank=True)
    speed = models.FloatField(default=1.0)
    running = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    late_policy = models.CharField(max_length=10, choices=LatePolicy.choices, default=LatePolicy.DELIVER)
    actors = models.JSONField(default=dict, blank=True, help_text="Libellés des acteurs simulés, figés au lancement.")

    def __str__(self) -> str:
        return f"horloge de {self.exercise}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "À venir"
    HELD = "held", "Retenu (confirmation attendue)"
    SENT = "sent", "Envoyé"
    SKIPPED = "skipped", "Non joué"


class Delivery(models.Model):
    """One stimulus of an exercise on its way to the crisis cell. `sent` is reached exactly once (row lock)."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="deliveries")
    stimulus = models.OneToOneField(ExerciseStimulus, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="delivery")
    stimulus_code = models.CharField(max_length=30)
    due_offset = models.FloatField(help_text="Secondes d'exercice.")
    due_at = models.DateTimeField(null=True, blank=True, db_index=True, help_text="Heure murale, si l'horloge tourne.")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    manual = models.BooleanField(default=False, help_text="Ne part que sur action de l'animateur (secours, ajout).")
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_offset = models.FloatField(null=True, blank=True)
    lateness_ms = models.IntegerField(null=True, blank=True)
    late = models.BooleanField(default=False)
    payload = models.JSONField(default=dict, blank=True, help_text="Le message tel que reçu, figé à l'envoi.")
    recipients = models.JSONField(default=list)
    published_at = models.DateTimeField(null=True, blank=True,
                                        help_text="Diffusé aux connectés (sinon, rediffusé par un planificateur).")

    class Meta:
        ordering = ["due_offset", "pk"]
        indexes = [models.Index(fields=["status", "due_at"]),
                   # the few rows sent but not yet published: what a scheduler pass looks for, cheaply
                   models.Index(fields=["sent_at"], name="delivery_unpublished",
                                condition=models.Q(status="sent", published_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.stimulus_code} ({self.get_status_display()})"


class Receipt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="receipts")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="receipts")
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["delivery", "member"], name="receipt_unique")]

    def __str__(self) -> str:
        return f"{self.delivery} – {self.member}"


class Message(AuditedModel):
    """A mail of the simulated mailbox: a player's reply or forward, an answer by a simulated actor."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="live_messages")
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    author = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    from_actor = models.CharField(max_length=60, blank=True, help_text="Acteur simulé, si l'animateur écrit.")
    to_actor = models.CharField(max_length=60, blank=True)
    to_roles = models.JSONField(default=list, blank=True)
    channel = models.CharField(max_length=10, default="email")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    offset = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.subject}"


class LogKind(models.TextChoices):
    ENTRY = "entry", "Information"
    DECISION = "decision", "Décision"
    ACTION = "action", "Action"


class LogStatus(models.TextChoices):
    TODO = "todo", "À faire"
    DOING = "doing", "En cours"
    DONE = "done", "Fait"


class LogEntry(AuditedModel):
    """The crisis log (main courante) of the cell, or the animation team's own log (team=True)."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="log_entries")
    team = models.BooleanField(default=False)
    author = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=LogKind.choices, default=LogKind.ENTRY)
    text = models.TextField()
    owner = models.CharField("responsable", max_length=150, blank=True)
    rationale = models.TextField("motif", blank=True)
    status = models.CharField(max_length=10, choices=LogStatus.choices, blank=True)
    offset = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["offset", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class Rating(AuditedModel):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="ratings")
    observer = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="ratings")
    criterion = models.CharField(max_length=20)
    value = models.CharField(max_length=2)  # NO, 0, 1, 2, 3
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exercise", "observer", "criterion"], name="rating_unique")]

    def __str__(self) -> str:
        return f"{self.criterion} = {self.value}"


class Observation(AuditedModel):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="observations")
    observer = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="observations")
    criterion = models.CharField(max_length=20, blank=True)
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    log_entry = models.ForeignKey(LogEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    offset = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["offset", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
