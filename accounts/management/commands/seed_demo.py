"""Demo data: the directory extract, the grids, demo GHT membership, demo accounts and assessments.
Idempotent. Everything it creates is demo data and is marked as such where the model allows it."""

import hashlib
import random

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RoleAssignment, User
from accounts.roles import Role
from core.audit import acting_as
from maturity.models import Assessment
from maturity.services.assessments import current_year
from maturity.services.grids import default_grid
from maturity.services.scoring import score
from organisations.models import Establishment, Ght

DEMO_PASSWORD = "CaRE-demo-2026!"
# Demo GHT membership by department (public establishments only): not in any open data set.
DEMO_GHT_BY_DEPARTMENT = {"44": "52101", "49": "52102", "53": "52103", "72": "52104", "85": "52105",
                          "29": "53101", "56": "53103", "35": "53105", "22": "53107"}
CHU_NANTES = "440000271"
CHU_RENNES = "350053013"
DEMO_USERS = [
    # email, first name, last name, role, scope kind, target
    ("equipe.nationale@care.demo", "Camille", "Bernard", Role.NATIONAL, None),
    ("ars.pdl@care.demo", "Sophie", "Martin", Role.ARS_REFERENT, ("region", "52")),
    ("grades.pdl@care.demo", "Julien", "Leroy", Role.GRADES_REFERENT, ("region", "52")),
    ("ars.bretagne@care.demo", "Yann", "Le Goff", Role.ARS_REFERENT, ("region", "53")),
    ("ght.loire-atlantique@care.demo", "Claire", "Moreau", Role.GHT_REFERENT, ("ght", "52101")),
    ("rssi.chu-nantes@care.demo", "Thomas", "Petit", Role.RSSI, ("establishment", CHU_NANTES)),
    ("directeur.chu-nantes@care.demo", "Anne", "Durand", Role.DIRECTOR, ("establishment", CHU_NANTES)),
    ("rssi.chu-rennes@care.demo", "Erwan", "Guillou", Role.RSSI, ("establishment", CHU_RENNES)),
]


def demo_totp_key(email: str) -> str:
    """Deterministic demo secret (hex), so that the README and the tests can compute codes."""
    return hashlib.sha1(f"care-demo-totp:{email}".encode()).hexdigest()  # noqa: S324 - demo only


class Command(BaseCommand):
    help = "Charge les données de démonstration (annuaire extrait, grilles, comptes, autoévaluations)."

    def add_arguments(self, parser):
        parser.add_argument("--full-directory", action="store_true",
                            help="Importer l'annuaire complet de ../shared/data au lieu de l'extrait.")
        parser.add_argument("--without-kits", action="store_true",
                            help="Ne pas charger les kits d'exercice ni l'exercice de démonstration (tests).")

    def handle(self, *args, **options):
        if Establishment.objects.filter(pk=CHU_NANTES).exists() and not options["full_directory"]:
            self.stdout.write("Annuaire déjà chargé.")
        else:
            call_command("import_directory", *([] if options["full_directory"] else ["--demo"]), stdout=self.stdout)
        call_command("load_maturity_grids", stdout=self.stdout)
        with acting_as(None, "commande seed_demo"), transaction.atomic():
            self._ght_membership()
            self._users()
            self._assessments()
        if not options["without_kits"]:
            call_command("load_kits", stdout=self.stdout)
            call_command("load_retex", stdout=self.stdout)
            call_command("seed_demo_exercise", stdout=self.stdout)
            call_command("seed_demo_retex", stdout=self.stdout)
            call_command("load_continuity", stdout=self.stdout)
            call_command("seed_demo_pcra", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Démo prête. Mot de passe de tous les comptes : {DEMO_PASSWORD}"))

    def _ght_membership(self):
        ghts = {g.pk: g for g in Ght.objects.filter(pk__in=DEMO_GHT_BY_DEPARTMENT.values())}
        count = 0
        for establishment in Establishment.objects.filter(
            department_id__in=DEMO_GHT_BY_DEPARTMENT, status="public", sector="sanitaire", ght__isnull=True
        ):
            ght = ghts.get(DEMO_GHT_BY_DEPARTMENT[establishment.department_id])
            if ght:
                establishment.ght, establishment.ght_is_demo = ght, True
                establishment.save()
                count += 1
        self.stdout.write(f"Rattachements GHT de démonstration créés : {count}")

    def _users(self):
        for email, first, last, role, target in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User(email=email, first_name=first, last_name=last)
                user.set_password(DEMO_PASSWORD)
                user.save()
            kwargs = {}
            if target:
                kind, value = target
                kwargs = {f"{kind}_id": value}
            if not RoleAssignment.objects.filter(user=user, role=role, **kwargs).exists():
                RoleAssignment(user=user, role=role, **kwargs).save()
            if role in (Role.NATIONAL, Role.ARS_REFERENT, Role.GRADES_REFERENT):
                TOTPDevice.objects.get_or_create(user=user, name="Démo", defaults={
                    "key": demo_totp_key(email), "confirmed": True})
            self.stdout.write(f"  {email} — {role.label}")

    def _assessments(self):
        grid = default_grid()
        if grid is None:
            return
        rng = random.Random(2026)  # noqa: S311 - deterministic demo data
        year = current_year()
        candidates = [
            establishment for region in ("52", "53")
            for establishment in Establishment.objects.filter(region_id=region, status="public", sector="sanitaire")
            .exclude(pk__in=[CHU_NANTES, CHU_RENNES]).order_by("finess")[:30]
        ]
        created = 0
        for index, establishment in enumerate(candidates):
            bias = rng.random()
            for assessment_year in ([year - 1, year] if index % 3 else [year - 1]):
                if Assessment.objects.filter(establishment=establishment, grid=grid, year=assessment_year).exists():
                    continue
                answers = {}
                for question in grid.definition["questions"]:
                    ordered = sorted(question["answers"], key=lambda a: a["score"])
                    position = min(len(ordered) - 1, max(0, round(bias * (len(ordered) - 1) + rng.uniform(-1, 1))))
                    answers[question["id"]] = ordered[position]["id"]
                result = score(grid.definition, answers)
                Assessment(establishment=establishment, grid=grid, year=assessment_year, status="submitted",
                           answers=answers, percent=result.percent, level=result.level,
                           theme_scores=[{"id": t.id, "title": t.title, "score": t.score, "max_score": t.max_score,
                                          "percent": t.percent} for t in result.themes],
                           gates_applied=result.gates_applied).save()
                created += 1
        self.stdout.write(f"Autoévaluations de démonstration créées : {created}")
