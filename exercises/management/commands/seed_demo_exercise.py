import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import User
from core.audit import acting_as
from exercises.models import Exercise, MemberRole
from exercises.services import preparation
from exercises.services.recommendation import recommend
from organisations.models import Establishment

CHU_NANTES = "440000271"


class Command(BaseCommand):
    help = "Crée un exercice de démonstration au CHU de Nantes (kit recommandé, participants invités)."

    def handle(self, *args, **options):
        establishment = Establishment.objects.filter(pk=CHU_NANTES).first()
        rssi = User.objects.filter(email="rssi.chu-nantes@care.demo").first()
        if establishment is None or rssi is None or Exercise.objects.filter(establishment=establishment).exists():
            self.stdout.write("Exercice de démonstration : rien à faire.")
            return
        recommendation = recommend(establishment)
        if recommendation.kit is None:
            self.stdout.write("Aucun kit chargé : lancez load_kits.")
            return
        start = (timezone.localtime() + dt.timedelta(days=21)).replace(hour=9, minute=30, second=0, microsecond=0)
        with acting_as(rssi, "commande seed_demo_exercise"):
            exercise = preparation.do_create_exercise(
                rssi, establishment, recommendation.kit, contexts=recommendation.contexts, scheduled_start=start,
                place="Salle du conseil, bâtiment administratif", provider="")
            preparation.do_add_member(rssi, exercise, email="directeur.chu-nantes@care.demo", full_name="Anne Durand",
                                      role=MemberRole.PLAYER, cell_role="direction")
            director = exercise.members.get(email="directeur.chu-nantes@care.demo")
            preparation.do_accept_invitation(director, User.objects.get(email="directeur.chu-nantes@care.demo"))
            preparation.do_add_member(rssi, exercise, email="observatrice@chu-nantes.example",
                                      full_name="Léa Observatrice", role=MemberRole.OBSERVER)
        self.stdout.write(f"Exercice de démonstration créé : {exercise.title} ({exercise.stimuli.count()} stimuli)")
