from django.apps import AppConfig


class RetexConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "retex"
    verbose_name = "RETEX et plan d'amélioration"
