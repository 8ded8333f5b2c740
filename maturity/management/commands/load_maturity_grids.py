from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.audit import acting_as
from maturity.services.grids import GridError, import_ciso_library, load_repository_grids, save_grid


class Command(BaseCommand):
    help = ("Charge les grilles d'autoévaluation du dépôt (content/maturity) et, avec --ciso, des bibliothèques "
            "de référentiels CISO Assistant (YAML) comme grilles alternatives.")

    def add_arguments(self, parser):
        parser.add_argument("--ciso", type=Path, nargs="*", default=[], help="Bibliothèques CISO Assistant à importer.")

    def handle(self, *args, **options):
        with acting_as(None, "commande load_maturity_grids"):
            try:
                for grid, created in load_repository_grids():
                    self.stdout.write(f"{'créée' if created else 'à jour'} : {grid} — "
                                      f"{len(grid.definition['questions'])} questions")
                for path in options["ciso"]:
                    grid, created = save_grid(import_ciso_library(path), source=str(path.name))
                    self.stdout.write(f"{'importée' if created else 'à jour'} : {grid} — "
                                      f"{len(grid.definition['questions'])} questions")
            except GridError as exc:
                raise CommandError(str(exc)) from exc
