"""The annual obligation's figures against a plain per-establishment count (every dimension, scope and filter),
and the figures following what happens: an exercise ends, a declaration is added or deleted, a campaign entry
gets a date."""

import datetime as dt
from collections import defaultdict

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from conftest import CH_SAINT_NAZAIRE, CHU_NANTES
from exercises.models import Exercise, Status
from organisations.models import Establishment
from steering.models import Campaign, CampaignEntry, ExternalExercise
from steering.services import declarations, obligation
from steering.services.obligation import DIMENSIONS, Filters
from steering.tests.conftest import PDF


def _reference(user, filters: Filters) -> tuple[dict, dict]:
    """Summary and breakdowns counted one establishment at a time, from the year's plain id sets."""
    year = filters.year
    ended = set(Exercise.objects.filter(status=Status.ENDED, scheduled_start__year=year)
                .values_list("establishment_id", flat=True))
    declared = set(ExternalExercise.objects.filter(held_on__year=year).values_list("establishment_id", flat=True))
    planned = set(Exercise.objects.filter(status__in=obligation.UPCOMING, scheduled_start__year=year)
                  .values_list("establishment_id", flat=True)) | set(
        CampaignEntry.objects.filter(campaign__year=year, planned_on__isnull=False)
        .values_list("establishment_id", flat=True))
    summary = dict.fromkeys(("total", "done", "declared", "planned"), 0)
    groups = {dimension: defaultdict(lambda: [0, 0]) for dimension in DIMENSIONS}
    for e in obligation.subject_establishments(user, filters).select_related("category"):
        done = e.pk in ended or e.pk in declared
        summary["total"] += 1
        summary["done"] += done
        summary["declared"] += e.pk in declared and e.pk not in ended
        summary["planned"] += e.pk in planned and not done
        keys = {"region": e.region_id, "department": e.department_id, "ght": e.ght_id, "status": e.status,
                "category": e.category.aggregate_code if e.category else ""}
        for dimension, key in keys.items():
            groups[dimension][key or ""][0] += 1
            groups[dimension][key or ""][1] += done
    summary["rate"] = round(100 * summary["done"] / summary["total"], 1) if summary["total"] else None
    return summary, {dimension: {key: tuple(counts) for key, counts in rows.items()}
                     for dimension, rows in groups.items()}


def _counts(rows: list[dict]) -> dict:
    assert all(row["label"] for row in rows)
    return {row["id"]: (row["total"], row["done"]) for row in rows}


@pytest.fixture
def situations(steering_data, ars_pdl, year):
    """In Pays de la Loire, besides Nantes (exercised, and also declared) and Saint-Nazaire (declared): one
    declared and planned, one planned on the platform and exercised, one planned by a campaign, one in the
    campaign without a date, one planned last year only."""
    nantes_exercise = steering_data["exercise"]
    a, b, c, d, e = Establishment.objects.filter(sector="sanitaire", region_id="52").exclude(
        pk__in=[CHU_NANTES, CH_SAINT_NAZAIRE]).order_by("pk")[:5]
    today = timezone.localdate()
    for establishment in (Establishment.objects.get(pk=CHU_NANTES), a):
        declarations.do_declare(ars_pdl, establishment, held_on=str(today), kit="Sur table", level="debutant",
                                proof=SimpleUploadedFile("cr.pdf", PDF))

    def exercise(establishment, status, when):
        return Exercise.objects.create(establishment=establishment, title="Exercice", status=status,
                                       kit_version=nantes_exercise.kit_version, scheduled_start=when,
                                       duration_minutes=120, place="Salle")

    later = timezone.now().replace(month=12, day=1)
    exercise(a, Status.DRAFT, later)
    exercise(b, Status.PLANNED, later)
    exercise(b, Status.ENDED, timezone.now() - dt.timedelta(hours=4))
    exercise(e, Status.PLANNED, later.replace(year=year - 1))
    campaign = Campaign.objects.create(region_id="52", year=year, title="Campagne")
    CampaignEntry.objects.create(campaign=campaign, establishment=c, planned_on=dt.date(year, 10, 2))
    CampaignEntry.objects.create(campaign=campaign, establishment=d)
    return {"declared_and_planned": a, "planned_and_done": b, "campaign": c, "undated": d}


def test_figures_equal_a_per_establishment_count(situations, ars_pdl, ars_bretagne, year):
    national = User.objects.get(email="equipe.nationale@care.demo")
    summary = obligation.summary(ars_pdl, Filters(year=year))
    assert {k: summary[k] for k in ("done", "declared", "planned")} == {"done": 4, "declared": 2, "planned": 1}
    cases = [(ars_pdl, Filters(year=year)), (ars_bretagne, Filters(year=year)), (national, Filters(year=year)),
             (national, Filters(year=year - 1)), (national, Filters(year=year, region="52")),
             (ars_pdl, Filters(year=year, department="44")),
             (national, Filters(year=year, category=situations["campaign"].category.aggregate_code)),
             (national, Filters(year=year, status=situations["campaign"].status))]
    for user, filters in cases:
        expected_summary, expected = _reference(user, filters)
        assert obligation.summary(user, filters) == expected_summary, filters
        for dimension in DIMENSIONS:
            assert _counts(obligation.breakdown(user, filters, dimension)) == expected[dimension], dimension
            # as the page computes them: one set of rows for the summary, the breakdown and the map
            rows = obligation.department_rows(user, filters, dimension)
            assert obligation.summary(user, filters, rows) == expected_summary
            assert _counts(obligation.breakdown(user, filters, dimension, rows)) == expected[dimension]
            assert _counts(obligation.breakdown(user, filters, "department", rows)) == expected["department"]
        missing = set(obligation.not_exercised(user, filters).values_list("pk", flat=True))
        assert len(missing) == expected_summary["total"] - expected_summary["done"]
    planned = {e.pk: e.planned_on for e in obligation.not_exercised(ars_pdl, Filters(year=year))
               if e.planned_on}
    assert planned == {situations["campaign"].pk: dt.date(year, 10, 2)}


def _tiles(client) -> tuple[str, str]:
    page = client.get("/pilotage/").content.decode()
    done = page.split('data-testid="done">')[1].split("<")[0]
    return done, page.split("établissements, dont ")[1].split(" ")[0] if "établissements, dont " in page else "0"


def test_figures_follow_exercises_declarations_and_campaigns(client, steering_data, ars_pdl, verified_client,
                                                             year):
    verified_client(ars_pdl)
    filters = Filters(year=year)
    total = Establishment.objects.filter(sector="sanitaire", region_id="52").count()
    before = obligation.summary(ars_pdl, filters)
    assert before["done"] == 2 and _tiles(client) == (f"2 / {total}", "1")
    establishment = Establishment.objects.filter(sector="sanitaire", region_id="52").exclude(
        pk__in=[CHU_NANTES, CH_SAINT_NAZAIRE]).order_by("pk").first()

    running = Exercise.objects.create(establishment=establishment, title="Exercice", status=Status.RUNNING,
                                      kit_version=steering_data["exercise"].kit_version,
                                      scheduled_start=timezone.now() - dt.timedelta(hours=1), duration_minutes=120,
                                      place="Salle")
    assert obligation.summary(ars_pdl, filters)["planned"] == before["planned"] + 1  # under way: not yet done
    running.status, running.ended_at = Status.ENDED, timezone.now()  # as the animation console ends it
    running.save()
    after_end = obligation.summary(ars_pdl, filters)
    assert (after_end["done"], after_end["planned"]) == (3, before["planned"])
    assert _tiles(client) == (f"3 / {total}", "1")
    assert establishment.pk not in set(obligation.not_exercised(ars_pdl, filters).values_list("pk", flat=True))

    other = Establishment.objects.filter(sector="sanitaire", region_id="52").exclude(
        pk__in=[CHU_NANTES, CH_SAINT_NAZAIRE, establishment.pk]).order_by("pk").first()
    declared = declarations.do_declare(ars_pdl, other, held_on=str(timezone.localdate()), kit="Sur table",
                                       level="debutant", proof=SimpleUploadedFile("cr.pdf", PDF))
    assert obligation.summary(ars_pdl, filters)["declared"] == 2 and _tiles(client) == (f"4 / {total}", "2")
    declared.delete()
    assert obligation.summary(ars_pdl, filters) == after_end and _tiles(client) == (f"3 / {total}", "1")

    from steering.services import campaigns

    campaign = campaigns.do_create_campaign(ars_pdl, other.region, year=year, title="Campagne", provider="")
    campaigns.do_add_establishments(ars_pdl, campaign, [other.pk])
    entry = CampaignEntry.objects.get(campaign=campaign, establishment=other)
    assert obligation.summary(ars_pdl, filters)["planned"] == before["planned"]  # in the campaign, no date yet
    campaigns.do_plan_entry(ars_pdl, entry, f"{year}-11-20")
    assert obligation.summary(ars_pdl, filters)["planned"] == before["planned"] + 1
    row = obligation.not_exercised(ars_pdl, filters).get(pk=other.pk)
    assert row.planned_on == dt.date(year, 11, 20)


def test_filter_options_keep_the_selection(client, steering_data, ars_pdl, verified_client, year):
    verified_client(User.objects.get(email="equipe.nationale@care.demo"))
    page = client.get(f"/pilotage/?annee={year - 1}&region=52&departement=44&statut=").content.decode()
    assert f'<option value="{year - 1}" selected>{year - 1}</option>' in page
    assert f'<option value="{year}">{year}</option>' in page
    assert 'value="52" selected>Pays de la Loire</option>' in page
    assert '<option value="44" selected>44 Loire-Atlantique</option>' in page
    assert '<option value="35"' not in page.split('id="f-dep"')[1].split("</select>")[0]  # a region's departments
    assert page.count(" selected>") == 3


def test_missing_export_reads_only_what_it_shows(client, steering_data, ars_pdl, verified_client,
                                                 django_assert_max_num_queries, year):
    verified_client(ars_pdl)
    with django_assert_max_num_queries(12):  # no query per row for the columns left out of the list's read
        csv = client.get("/pilotage/export/non-exerces.csv").content.decode("utf-8-sig")
    total = Establishment.objects.filter(sector="sanitaire", region_id="52").count()
    assert len(csv.strip().splitlines()) == 1 + total - 2 and "Pays de la Loire" in csv
