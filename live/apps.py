from django.apps import AppConfig


class LiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "live"
    verbose_name = "Exercices en direct"

    def ready(self):
        from live import signals
        from live.services.scheduler import maybe_start_in_process

        signals.connect()
        maybe_start_in_process()
