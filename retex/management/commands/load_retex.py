from django.core.management.base import BaseCommand, CommandError

from kits.services.loader import ContentError
from retex.services.content import load_retex_content, read_retex_content


class Command(BaseCommand):
    help = ("Valide et charge la base de préconisations, le questionnaire de RETEX à chaud et les jalons "
            "(content/retex).")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Valide seulement, sans rien écrire.")

    def handle(self, *args, **options):
        try:
            if options["check"]:
                documents = read_retex_content()
                self.stdout.write(f"Contenu RETEX valide : {len(documents['recommandations']['rules'])} règles, "
                                  f"{len(documents['debrief']['questions'])} questions, "
                                  f"{len(documents['jalons']['milestones'])} jalons.")
                return
            report = load_retex_content()
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("\n".join(report))
