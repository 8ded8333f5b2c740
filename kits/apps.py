from django.apps import AppConfig


class KitsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kits"
    verbose_name = "Kits d'exercice"
