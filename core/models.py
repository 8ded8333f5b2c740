from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    ACTIONS = [
        ("create", "Création"),
        ("update", "Modification"),
        ("delete", "Suppression"),
        ("import", "Import"),
        ("login", "Connexion"),
        ("login_failed", "Échec de connexion"),
        ("export", "Export"),
    ]
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=20, choices=ACTIONS)
    model_label = models.CharField(max_length=100, db_index=True)
    object_pk = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "entrée du journal d'audit"
        verbose_name_plural = "journal d'audit"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.model_label}#{self.object_pk}"
