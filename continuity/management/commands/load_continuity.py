from django.core.management.base import BaseCommand, CommandError

from continuity.services.content import load_continuity_content, read_continuity_content
from kits.services.loader import ContentError


class Command(BaseCommand):
    help = ("Valide et charge le kit PCRA : lexique, parcours guidé, trame du plan, grille d'évaluation et "
            "exemples de BIA (content/continuity).")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Valide seulement, sans rien écrire.")

    def handle(self, *args, **options):
        try:
            if options["check"]:
                docs = read_continuity_content()
                criteria = sum(len(s["criteria"]) for s in docs["grille"][0]["sections"])
                self.stdout.write(
                    f"Kit PCRA valide : {len(docs['lexique'][0]['terms'])} termes, "
                    f"{len(docs['parcours'][0]['steps'])} étapes, {criteria} critères, "
                    f"{len(docs['exemple'])} exemples de BIA "
                    f"({sum(len(e['processes']) for e in docs['exemple'])} processus).")
                return
            report = load_continuity_content()
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("\n".join(report))
