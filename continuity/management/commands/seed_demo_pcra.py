from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import User
from continuity.models import BiaStatus, Project
from continuity.services import bia, maintenance
from core.audit import acting_as
from organisations.models import Establishment
from retex.models import Action

CHU_NANTES = "440000271"
TITLE = "PCRA du CHU de Nantes (démonstration)"
VALIDATED = ("urgences", "soins-critiques", "laboratoire", "paie", "hospitalisation")


class Command(BaseCommand):
    help = ("Crée le projet PCRA de démonstration du CHU de Nantes à partir de l'exemple de centre hospitalier : "
            "cinq BIA validés, un mode dégradé éprouvé, une version publiée et une action de RETEX rattachée.")

    def handle(self, *args, **options):
        establishment = Establishment.objects.filter(pk=CHU_NANTES).first()
        rssi = User.objects.filter(email="rssi.chu-nantes@care.demo").first()
        if None in (establishment, rssi) or Project.objects.filter(title=TITLE).exists():
            self.stdout.write("PCRA de démonstration : rien à faire.")
            return
        with acting_as(rssi, "commande seed_demo_pcra"):
            project = bia.do_create_project(rssi, establishment, title=TITLE, scope_kind="ght",
                                            example="ch-general")
            bia.do_update_project(rssi, project, {
                "lead_name": "Thomas Petit, RSSI", "sponsor": "Anne Durand, directrice générale",
                "medical_sponsor": "Président de la CME",
                "scope": "Premier périmètre : urgences, soins critiques, laboratoire, hospitalisation et paie.",
                "activity_convention": "Part des charges directes de l'exercice précédent"})
            for process in project.processes.filter(code__in=VALIDATED):
                process.bia_status = BiaStatus.VALIDATED
                if process.code == "urgences":
                    process.tested_on = timezone.localdate().replace(month=3, day=12)
                process.save()
            director = project.contacts.filter(function__startswith="Directeur de l'établissement").first()
            if director:
                bia.do_save_contact(rssi, project, director, {"function": director.function, "name": "Anne Durand",
                                                              "phone": "06 12 34 56 78"})
            maintenance.do_publish_version(rssi, project, "Première version, validée par le comité de pilotage.")
            action = Action.objects.filter(establishment=establishment).order_by("pk").first()
            if action is not None:
                maintenance.do_link_action(rssi, project, action.pk, "organisation")
        self.stdout.write(f"PCRA de démonstration créé : {project.processes.count()} processus, "
                          f"{project.resources.count()} ressources.")
