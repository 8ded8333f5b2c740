"""Steering figures and pages: the annual obligation (platform and declared exercises), maturity, homogeneous
evaluation, plans; scope; exports; establishment users see only their own results and anonymous peers."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from conftest import CH_SAINT_NAZAIRE, CHU_NANTES, CHU_RENNES
from organisations.models import Establishment
from steering.services import obligation, statistics
from steering.services.obligation import Filters


def test_obligation_counts_platform_and_declared_exercises(steering_data, ars_pdl, ars_bretagne, year):
    filters = Filters(year=year)
    total = Establishment.objects.filter(sector="sanitaire", region_id="52").count()
    summary = obligation.summary(ars_pdl, filters)
    assert summary == {"total": total, "done": 2, "declared": 1, "planned": 0,
                       "rate": round(200 / total, 1)}
    departments = {row["id"]: row for row in obligation.breakdown(ars_pdl, filters, "department")}
    assert departments["44"]["done"] == 2 and sum(r["total"] for r in departments.values()) == total
    missing = set(obligation.not_exercised(ars_pdl, filters).values_list("pk", flat=True))
    assert CHU_NANTES not in missing and CH_SAINT_NAZAIRE not in missing and len(missing) == total - 2
    bretagne = obligation.summary(ars_bretagne, filters)
    assert bretagne["done"] == 0 and bretagne["planned"] == 1  # Rennes planned in December
    rennes = obligation.not_exercised(ars_bretagne, filters).get(pk=CHU_RENNES)
    assert rennes.planned_on.month == 12
    assert obligation.summary(ars_pdl, Filters(year=year - 1))["done"] == 0
    assert obligation.summary(ars_pdl, Filters(year=year, department="49"))["done"] == 0


def test_evaluation_and_peers_are_anonymous_statistics(steering_data, year):
    rows = {r["id"]: r for r in statistics.evaluation_distribution(
        User.objects.get(email="equipe.nationale@care.demo"), Filters(year=year))}
    first = steering_data["criteria"][0]
    assert rows[first]["n"] == 1 + len(steering_data["peers"]) and rows[first]["counts"][0] >= 1
    comparison = {r["id"]: r for r in statistics.peer_comparison(Establishment.objects.get(pk=CHU_NANTES), year)}
    assert comparison[first]["own"] == 0
    assert comparison[first]["national"]["n"] == len(steering_data["peers"])  # itself excluded
    assert set(comparison[first]["national"]) == {"n", "q1", "median", "q3", "mean"}  # no names, no rows


def test_quartiles_of_a_discrete_scale():
    assert statistics.quartiles({0: 1, 1: 1, 2: 1, 3: 1}) == {"n": 4, "q1": 0, "median": 1, "q3": 2, "mean": 1.5}
    assert statistics.quartiles({3: 5})["median"] == 3
    assert statistics.quartiles({})["median"] is None


def test_establishment_user_sees_own_results_and_no_steering(client, steering_data, rssi_nantes):
    client.force_login(rssi_nantes)
    assert client.get("/pilotage/").status_code == 404
    assert client.get("/pilotage/export/obligation-region.csv").status_code == 404
    page = client.get("/mes-resultats/").content.decode()
    assert 'data-testid="peer-table"' in page and "CHU DE NANTES" in page
    for peer in steering_data["peers"]:
        assert peer.name not in page and peer.pk not in page
    export = client.get("/mes-resultats/?format=csv").content.decode("utf-8-sig")
    assert export.startswith("Critère;Intitulé;Ma note") and steering_data["peers"][0].name not in export


def test_pages_and_exports_for_the_region(client, steering_data, ars_pdl, verified_client, year):
    verified_client(ars_pdl)
    for url in ("/pilotage/", "/pilotage/maturite/", "/pilotage/evaluation/", "/pilotage/plans/",
                "/pilotage/?par=status", "/pilotage/?par=ght&departement=44", f"/pilotage/?annee={year - 1}"):
        assert client.get(url).status_code == 200, url
    page = client.get("/pilotage/").content.decode()
    assert 'data-department="44"' in page and 'data-department="35"' in page  # the map (Bretagne greyed out)
    csv = client.get("/pilotage/export/obligation-department.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0] == "Département;Établissements;Ayant réalisé un exercice;Taux (%)"
    assert any(line.startswith("Loire-Atlantique;") for line in csv.splitlines())
    workbook = load_workbook(io.BytesIO(client.get("/pilotage/export/non-exerces.xlsx").content))
    finess = {row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)}
    assert CHU_NANTES not in finess and CHU_RENNES not in finess and len(finess) > 10
    assert client.get("/pilotage/export/inconnu.csv").status_code == 404
    assert client.get("/pilotage/export/plans.pdf").status_code == 404


@pytest.mark.parametrize("extra", [0, 15])
def test_dashboard_queries_do_not_grow_with_rows(client, steering_data, verified_client, django_assert_max_num_queries,
                                                 extra, rssi_nantes):
    from exercises.models import Exercise, Status

    template = steering_data["exercise"]
    for index, establishment in enumerate(Establishment.objects.filter(sector="sanitaire", region_id="52")
                                          .exclude(pk=CHU_NANTES)[:extra]):
        Exercise.objects.create(establishment=establishment, title=f"Exercice {index}",
                                kit_version=template.kit_version, scheduled_start=timezone.now(),
                                duration_minutes=120, place="Salle", status=Status.ENDED)
    verified_client(User.objects.get(email="equipe.nationale@care.demo"))
    for url in ("/pilotage/", "/pilotage/maturite/", "/pilotage/evaluation/", "/pilotage/plans/"):
        with django_assert_max_num_queries(25):
            assert client.get(url).status_code == 200


def test_declaration_needs_a_real_proof_and_a_past_date(steering_data, ars_pdl, rssi_nantes):
    from steering.services import declarations

    nantes = Establishment.objects.get(pk=CHU_NANTES)
    with pytest.raises(ValidationError) as error:
        declarations.do_declare(rssi_nantes, nantes, held_on=str(timezone.localdate() + dt.timedelta(days=2)),
                                kit="X", level="debutant", proof=SimpleUploadedFile("cr.pdf", b"MZ not a pdf"))
    assert set(error.value.message_dict) == {"held_on", "proof"}
    with pytest.raises(ValidationError):
        declarations.do_declare(rssi_nantes, nantes, held_on="2026-01-10", kit="X", level="debutant", proof=None)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # Rennes' RSSI cannot declare for Nantes
        declarations.do_declare(User.objects.get(email="rssi.chu-rennes@care.demo"), nantes, held_on="2026-01-10",
                                kit="X", level="debutant", proof=SimpleUploadedFile("cr.pdf", b"%PDF-1.4"))


def test_synthetic_history_is_generated_and_purged(directory, kits):
    from django.core.management import call_command

    from exercises.models import Exercise
    from retex.models import Action, EvaluationScore

    out = io.StringIO()
    call_command("generate_synthetic_history", "--years", "2", stdout=out)
    exercises = Exercise.objects.filter(title__startswith="[synthétique]")
    assert exercises.count() > 100 and EvaluationScore.objects.filter(retex__exercise__in=exercises).exists()
    assert Action.objects.filter(title__startswith="[synthétique]").exists()
    first = exercises.count()
    call_command("generate_synthetic_history", "--years", "2", stdout=io.StringIO())  # replaces, never doubles
    assert exercises.count() == first
    summary = obligation.summary(User.objects.get(email="equipe.nationale@care.demo"),
                                 Filters(year=timezone.localdate().year))
    assert 0 < summary["done"] < summary["total"]
    call_command("generate_synthetic_history", "--purge", stdout=io.StringIO())
    assert not exercises.exists() and not Action.objects.filter(title__startswith="[synthétique]").exists()


def test_one_page_regional_summary(client, steering_data, ars_pdl, verified_client, rssi_nantes):
    from pypdf import PdfReader

    verified_client(ars_pdl)
    response = client.get("/pilotage/synthese.pdf?region=52")
    reader = PdfReader(io.BytesIO(response.content))
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 1
    assert "Synthèse régionale Pays de la Loire" in text and "Loire-Atlantique" in text and "Réagir" in text
    client.force_login(rssi_nantes)
    assert client.get("/pilotage/synthese.pdf").status_code == 404
