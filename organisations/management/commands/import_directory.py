from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.audit import acting_as
from organisations.services.directory_sources import demo_sources, shared_sources
from organisations.services.finess_import import import_establishments
from organisations.services.geo_import import import_geography, import_ght


class Command(BaseCommand):
    help = ("Importe l'annuaire : régions, départements, GHT et établissements FINESS. Par défaut les fichiers "
            "complets de ../shared/data, à défaut l'extrait de démonstration livré dans data/demo.")

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Utiliser l'extrait de démonstration.")
        parser.add_argument("--finess", type=Path, help="Fichier FINESS (CSV converti ou extraction etalab).")
        parser.add_argument("--ght", type=Path, help="Liste des GHT (CSV).")
        parser.add_argument("--statuts", type=Path, help="Statuts juridiques SAE (CSV).")
        parser.add_argument("--show-rejects", type=int, default=20, help="Nombre de rejets détaillés affichés.")

    def handle(self, *args, **options):
        sources = demo_sources() if options["demo"] else (shared_sources() or demo_sources())
        finess = options["finess"] or sources.establishments
        for path in (finess, options["ght"], options["statuts"]):
            if path is not None and not path.exists():
                raise CommandError(f"Fichier introuvable : {path}")
        self.stdout.write(f"Source : {sources.label if not options['finess'] else finess}")
        with acting_as(None, "commande import_directory"):
            regions, departments = import_geography(sources.regions, sources.departments)
            self.stdout.write(f"Régions créées : {regions}, départements créés : {departments}")
            ght_created, ght_rejected = import_ght(options["ght"] or sources.ght)
            self.stdout.write(f"GHT créés : {ght_created}, rejetés : {len(ght_rejected)}")
            for line in ght_rejected:
                self.stdout.write(f"  GHT rejeté : {line}")
            statuses = options["statuts"] or (sources.statuses if not options["finess"] else None)
            try:
                report = import_establishments(finess, statuses_path=statuses)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(report.summary()))
        for reason, count in report.rejected_by_reason.most_common():
            self.stdout.write(f"  rejet « {reason} » : {count}")
        for line, finess_number, reason in report.rejected[: options["show_rejects"]]:
            self.stdout.write(f"  ligne {line} ({finess_number or '—'}) : {reason}")
