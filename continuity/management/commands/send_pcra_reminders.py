from django.core.management.base import BaseCommand

from continuity.services.maintenance import send_review_reminders


class Command(BaseCommand):
    help = ("Envoie un rappel au responsable PCA/PRA (à défaut au directeur) des PCRA dont la revue est due dans "
            "les trente jours ou dépassée, une fois par date de revue. À lancer chaque jour (cron).")

    def handle(self, *args, **options):
        self.stdout.write(f"{send_review_reminders()} rappel(s) envoyé(s).")
