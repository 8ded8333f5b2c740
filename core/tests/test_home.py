"""The home page tells each person what is next: their exercise (with the page of their role), the hot debrief to
fill, the RETEX to validate, the overdue actions of their establishments and, for a regional referent, the region's
obligation rate (the steering service's figures). A bounded number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import CHU_NANTES
from retex.models import Action


def home(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def running(exercise, rssi_nantes):
    from live.services import control

    control.do_start(rssi_nantes, exercise, speed=1.0)
    exercise.refresh_from_db()
    return exercise


@pytest.fixture
def ended(running, rssi_nantes):
    from live.services import control

    control.do_stop(rssi_nantes, running)
    running.refresh_from_db()
    return running


def test_a_planned_exercise_links_to_its_page(client, exercise, player):
    page = home(client, player)
    assert 'data-testid="next-exercises"' in page and exercise.title in page
    assert f'href="/exercices/{exercise.pk}/"' in page and "Joueur (cellule de crise)" in page


def test_a_player_of_a_running_exercise_joins_the_crisis_cell(client, running, player):
    page = home(client, player)
    assert f'href="/exercices/{running.pk}/cellule/"' in page and "Rejoindre la cellule de crise" in page


def test_an_observer_of_a_running_exercise_opens_the_grid(client, running, observer):
    page = home(client, observer)
    assert f'href="/exercices/{running.pk}/observation/"' in page and "Observateur" in page
    assert "/cellule/" not in page


def test_the_animation_team_opens_the_console(client, running, rssi_nantes):
    page = home(client, rssi_nantes)
    assert f'href="/exercices/{running.pk}/animation/"' in page and "Équipe d&#x27;animation" in page


def test_after_the_end_members_get_the_hot_debrief_until_they_answer(client, ended, player):
    from retex.services import debrief

    page = home(client, player)
    assert 'data-testid="debriefs"' in page and f"/exercices/{ended.pk}/retex/a-chaud/" in page
    assert 'data-testid="next-exercises"' not in page  # over: no longer next
    answers = {q["id"]: "Réponse" for q in debrief.questions_for("player") if q.get("required")}
    debrief.do_answer(player, ended, answers)
    assert f"/exercices/{ended.pk}/retex/a-chaud/" not in home(client, player)


def test_the_animation_team_has_the_retex_to_validate_until_it_is_validated(client, ended, rssi_nantes, player):
    from retex.services import workflow

    page = home(client, rssi_nantes)
    assert 'data-testid="retex-to-validate"' in page and f'href="/exercices/{ended.pk}/retex/"' in page
    assert 'data-testid="retex-to-validate"' not in home(client, player)  # players do not validate
    retex = workflow.do_open(rssi_nantes, ended)
    ids = [c["id"] for c in ended.kit_version.grid.criteria(ended.kit.level)]
    workflow.do_save_consolidation(rssi_nantes, retex, dict.fromkeys(ids, "3"), {})
    workflow.do_generate_recommendations(rssi_nantes, retex)
    workflow.do_validate(rssi_nantes, retex)
    page = home(client, rssi_nantes)
    assert 'data-testid="retex-to-validate"' not in page
    # the questionnaire is closed once the RETEX is validated
    assert 'data-testid="debriefs"' not in home(client, player)


def test_overdue_actions_of_the_own_establishments(client, directory, rssi_nantes, ars_pdl, verified_client):
    today = timezone.localdate()
    late = Action.objects.create(establishment_id=CHU_NANTES, title="Imprimer l'annuaire de crise",
                                 due_date=today - dt.timedelta(days=5))
    Action.objects.create(establishment_id=CHU_NANTES, title="Action à venir", due_date=today + dt.timedelta(days=5))
    Action.objects.create(establishment_id=CHU_NANTES, title="Action faite en retard", status="done",
                          due_date=today - dt.timedelta(days=5))
    page = home(client, rssi_nantes)
    assert "1 action en retard" in page and f'href="/plan/{late.pk}/"' in page
    assert "Action à venir" not in page and "Action faite en retard" not in page
    # a regional referent does not hold the plans of the region's establishments
    client.logout()
    verified_client(ars_pdl)
    assert 'data-testid="overdue-actions"' not in client.get("/").content.decode()


def test_the_regional_referent_sees_the_obligation_rate_of_the_steering_service(client, directory, ars_pdl,
                                                                               verified_client, rssi_nantes):
    from organisations.models import Region
    from steering.models import ExternalExercise
    from steering.services import obligation

    year = timezone.localdate().year
    ExternalExercise.objects.create(establishment_id=CHU_NANTES, held_on=dt.date(year, 1, 15), kit="Kit régional",
                                    level="debutant", proof="declarations/preuve.pdf", proof_name="preuve.pdf")
    verified_client(ars_pdl)
    page = client.get("/").content.decode()
    region = Region.objects.get(pk="52")
    summary = obligation.summary(ars_pdl, obligation.Filters(year=year, region="52"))
    assert summary["done"] == 1 and summary["declared"] == 1
    assert 'data-testid="obligation-rate"' in page and f"Obligation d'exercice {year} — {region.name}" in page
    assert "dont 1 déclaré hors plateforme" in page
    rate = "—" if summary["rate"] is None else f"{summary['rate']} %".replace(".", ",")
    assert f"<strong>{rate}</strong>" in page and f"({summary['done']} sur {summary['total']}" in page
    assert 'data-testid="obligation-rate"' not in home(client, rssi_nantes)  # not for an establishment


def test_the_home_page_costs_a_bounded_number_of_queries(client, ended, rssi_nantes, django_assert_max_num_queries):
    client.force_login(rssi_nantes)
    today = timezone.localdate()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    Action.objects.create(establishment_id=CHU_NANTES, title="En retard 0", due_date=today - dt.timedelta(days=1))
    few = count()
    Action.objects.bulk_create([Action(establishment_id=CHU_NANTES, title=f"En retard {i}",
                                       due_date=today - dt.timedelta(days=i)) for i in range(1, 30)])
    assert count() == few  # does not grow with the actions
    with django_assert_max_num_queries(15):
        client.get("/")
