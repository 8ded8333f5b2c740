from django.core.management.base import BaseCommand, CommandError

from kits.services.loader import ContentError, load_content, read_content


class Command(BaseCommand):
    help = "Valide et charge les grilles d'évaluation, les kits d'exercice et les surcouches de contexte (content/)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Valide seulement, sans rien écrire.")

    def handle(self, *args, **options):
        try:
            if options["check"]:
                grids, kits, overlays = read_content()
                self.stdout.write(f"Contenu valide : {len(grids)} grilles, {len(kits)} kits, "
                                  f"{len(overlays)} surcouches, {sum(len(k.stimuli) for k in kits)} stimuli.")
                return
            report = load_content()
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(report))
