import contextlib
import signal
import threading

from django.core.management.base import BaseCommand

from live.services.scheduler import run_forever


class Command(BaseCommand):
    help = "Délivre les stimuli des exercices en cours (plusieurs processus peuvent tourner ensemble)."

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=0.05, help="Attente entre deux passes à vide (s).")

    def handle(self, *args, **options):
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        self.stdout.write("Planificateur démarré.")
        self.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            run_forever(stop, options["tick"])
