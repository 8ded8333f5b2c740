from django.apps import AppConfig


class ContinuityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "continuity"
    verbose_name = "Continuité et reprise d'activité (PCRA)"
