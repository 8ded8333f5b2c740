"""A synthetic history at national scale on top of the real directory, for benchmarks: for every health
establishment (sanitaire) in the database, five years of self-assessments, exercises, validated RETEX ratings and
improvement-plan actions, with plausible trends (more exercises and better ratings over the years). Rows are
bulk-inserted (a benchmark fixture: no per-row audit) and marked, so `--purge` removes exactly them."""

import datetime as dt
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from exercises.models import Exercise, Status
from kits.models import Kit
from maturity.models import Assessment, Grid
from organisations.models import Establishment, Sector
from retex.models import Action, ActionStatus, EvaluationScore, Retex, RetexStatus

MARK = "[synthétique]"
THEMES = ["prevenir", "controler", "detecter", "reagir", "reconstruire"]
LEVELS = ["debutant", "intermediaire", "confirme"]
BATCH = 5000


class Command(BaseCommand):
    help = "Génère un historique synthétique national (5 ans) pour les mesures de performance du pilotage."

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--purge", action="store_true", help="Supprime l'historique synthétique et s'arrête.")

    def handle(self, *args, **options):
        if options["purge"]:
            self.stdout.write(f"supprimé : {self.purge()}")
            return
        grid = Grid.objects.filter(is_default=True).first()
        kits = {k.level: k.current for k in Kit.objects.filter(slug__in=["mco-debutant", "mco-intermediaire",
                                                                          "mco-confirme"]).select_related("current")}
        if grid is None or len(kits) < 3:
            raise CommandError("Chargez d'abord les grilles d'autoévaluation et les kits (seed_demo, load_kits).")
        self.purge()
        rng = random.Random(options["seed"])  # noqa: S311 - reproducible synthetic data
        this_year = timezone.localdate().year
        years = list(range(this_year - options["years"] + 1, this_year + 1))
        establishments = list(Establishment.objects.filter(sector=Sector.SANITAIRE).values_list("pk", flat=True))
        criteria = {level: [c["id"] for c in kits[level].grid.criteria(level)] for level in LEVELS}
        expected = {level: {c["id"]: c["expected"][level] for c in kits[level].grid.criteria(level)}
                    for level in LEVELS}
        counts = dict.fromkeys(("assessments", "exercises", "scores", "actions"), 0)
        for start in range(0, len(establishments), 1000):
            with transaction.atomic():
                self._chunk(establishments[start:start + 1000], years, rng, grid, kits, criteria, expected, counts)
        self.stdout.write(f"{len(establishments)} établissements sanitaires, années {years[0]}–{years[-1]} : "
                          + ", ".join(f"{k} {v}" for k, v in counts.items()))

    def _chunk(self, finess, years, rng, grid, kits, criteria, expected, counts):
        assessments, exercises, plans = [], [], []
        for pk in finess:
            skill = rng.gauss(0, 0.8)
            for index, year in enumerate(years):
                maturity = skill + 0.25 * index + rng.gauss(0, 0.4)
                level = LEVELS[0 if maturity < 0 else 1 if maturity < 1 else 2]
                if rng.random() < 0.55 + 0.06 * index:
                    assessments.append(Assessment(establishment_id=pk, grid=grid, year=year, status="submitted",
                                                  level=level, percent=round(min(100, max(0, 45 + 20 * maturity))),
                                                  gates_applied=[MARK]))
                if rng.random() < 0.35 + 0.09 * index:
                    day = dt.datetime(year, rng.randint(1, 11), rng.randint(1, 28), 9, 30, tzinfo=dt.UTC)
                    exercises.append(Exercise(establishment_id=pk, title=f"{MARK} Exercice {year}",
                                              kit_version=kits[level], scheduled_start=day, duration_minutes=120,
                                              place="Salle de crise", status=Status.ENDED,
                                              ended_at=day + dt.timedelta(hours=2)))
                    plans.append((level, maturity, year))
        Assessment.objects.bulk_create(assessments, batch_size=BATCH, ignore_conflicts=True)
        Exercise.objects.bulk_create(exercises, batch_size=BATCH)
        retexes = Retex.objects.bulk_create([
            Retex(exercise=e, status=RetexStatus.VALIDATED, validated_at=e.ended_at, rules_version=MARK)
            for e in exercises], batch_size=BATCH)
        scores, actions = [], []
        for retex, exercise, (level, maturity, year) in zip(retexes, exercises, plans, strict=True):
            low = []
            for criterion in criteria[level]:
                value = max(0, min(3, round(1.6 + 0.6 * maturity + rng.gauss(0, 0.8))))
                scores.append(EvaluationScore(retex=retex, establishment_id=exercise.establishment_id, year=year,
                                              grid="grille-cyber-v1", level=level, criterion=criterion, value=value))
                if value < expected[level][criterion]:
                    low.append(criterion)
            age = timezone.localdate().year - year
            for criterion in low[:6]:
                due = exercise.scheduled_start.date() + dt.timedelta(days=rng.choice((90, 180, 365)))
                done = rng.random() < min(0.9, 0.25 + 0.2 * age)
                status = ActionStatus.DONE if done else rng.choice((ActionStatus.TODO, ActionStatus.DOING))
                actions.append(Action(establishment_id=exercise.establishment_id, exercise=exercise,
                                      title=f"{MARK} Action sur {criterion}", criteria=[criterion],
                                      theme=rng.choice(THEMES), priority=rng.choice(("haute", "moyenne", "basse")),
                                      due_date=due, status=status, done_at=due if done else None,
                                      evidence="Preuve synthétique" if done else ""))
        EvaluationScore.objects.bulk_create(scores, batch_size=BATCH)
        Action.objects.bulk_create(actions, batch_size=BATCH)
        counts["assessments"] += len(assessments)
        counts["exercises"] += len(exercises)
        counts["scores"] += len(scores)
        counts["actions"] += len(actions)

    def purge(self) -> int:
        deleted = Action.objects.filter(title__startswith=MARK).delete()[0]
        deleted += Exercise.objects.filter(title__startswith=MARK).delete()[0]  # cascades to RETEX and scores
        deleted += Assessment.objects.filter(gates_applied=[MARK]).delete()[0]
        return deleted
