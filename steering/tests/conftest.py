import datetime as dt

import pytest
from django.utils import timezone

from conftest import CH_SAINT_NAZAIRE, CHU_NANTES, CHU_RENNES

PDF = b"%PDF-1.7\n% compte rendu d'exercice\n"


@pytest.fixture
def year():
    return timezone.localdate().year


@pytest.fixture
def steering_data(exercise, rssi_nantes, directory, year):
    """This year: CHU de Nantes exercised on the platform (RETEX validated), CH de Saint-Nazaire declared an
    exercise held elsewhere, CHU de Rennes has one planned. Scores of other establishments feed peer statistics."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import User
    from exercises.models import Exercise, Status
    from kits.models import Kit
    from organisations.models import Establishment
    from retex.models import EvaluationScore
    from retex.services import workflow
    from steering.services import declarations

    Exercise.objects.filter(pk=exercise.pk).update(status=Status.ENDED, ended_at=timezone.now(),
                                                   scheduled_start=timezone.now() - dt.timedelta(hours=3))
    exercise.refresh_from_db()
    retex = workflow.do_open(rssi_nantes, exercise)
    ids = [c["id"] for c in exercise.kit_version.grid.criteria(exercise.kit.level)]
    workflow.do_save_consolidation(rssi_nantes, retex, {**dict.fromkeys(ids, "2"), ids[0]: "0"}, {})
    workflow.do_generate_recommendations(rssi_nantes, retex)
    workflow.do_validate(rssi_nantes, retex)
    director = User.objects.get(email="directeur.chu-nantes@care.demo")  # a preparer of Nantes, not St-Nazaire
    ars = User.objects.get(email="ars.pdl@care.demo")
    declarations.do_declare(ars, Establishment.objects.get(pk=CH_SAINT_NAZAIRE), held_on=str(timezone.localdate()),
                            kit="Scénario maison (rançongiciel)", level="debutant", provider="Cabinet Exemple",
                            proof=SimpleUploadedFile("compte-rendu.pdf", PDF))
    rennes = User.objects.get(email="rssi.chu-rennes@care.demo")
    from exercises.services import preparation

    preparation.do_create_exercise(rennes, Establishment.objects.get(pk=CHU_RENNES), Kit.objects.get(
        slug="mco-debutant"), contexts=[], scheduled_start=timezone.now().replace(month=12, day=15), place="Salle A")
    peers = list(Establishment.objects.filter(sector="sanitaire", category__aggregate_code=Establishment.objects.get(
        pk=CHU_NANTES).category.aggregate_code).exclude(pk=CHU_NANTES)[:6])
    EvaluationScore.objects.bulk_create([
        EvaluationScore(retex=retex, establishment=peer, year=year, grid="grille-cyber-v1", level="intermediaire",
                        criterion=criterion, value=(i + j) % 4)
        for i, peer in enumerate(peers) for j, criterion in enumerate(ids)])
    return {"exercise": exercise, "retex": retex, "peers": peers, "criteria": ids, "director": director}
