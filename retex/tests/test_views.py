"""The RETEX and plan pages: who reaches what (404 outside), the team's workbench end to end over HTTP, exports,
uploads refused safely."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from accounts.models import User
from accounts.roles import Role
from conftest import CHU_NANTES
from retex.models import Action, ActionStatus, DebriefResponse, Retex


def criteria_ids(exercise):
    return [c["id"] for c in exercise.kit_version.grid.criteria(exercise.kit.level)]


def validate_over_http(client, exercise, user):
    client.force_login(user)
    assert client.get(f"/exercices/{exercise.pk}/retex/").status_code == 200
    url = f"/exercices/{exercise.pk}/retex/equipe/"
    ids = criteria_ids(exercise)
    values = {f"value-{i}": "3" for i in ids} | {f"value-{ids[0]}": "0", f"comment-{ids[0]}": "Trop tard"}
    client.post(url, {"action": "consolidate", **values})
    client.post(url, {"action": "texts", "context": "Contexte", "strengths": "Bonne main courante",
                      "improvements": "Alerte à revoir"})
    client.post(url, {"action": "generate"})
    refused = client.post(url, {"action": "validate"}, follow=True).content.decode()
    assert "Action irréversible : elle doit être confirmée." in refused  # no confirmation: nothing validated
    assert not Retex.objects.get(exercise=exercise).is_validated and not Action.objects.exists()
    response = client.post(url, {"action": "validate", "confirmation": "oui"}, follow=True)
    assert "RETEX validé" in response.content.decode()
    return Retex.objects.get(exercise=exercise)


def test_the_team_validates_over_http_and_everyone_in_scope_reads(client, ended, rssi_nantes, player, ars_pdl,
                                                                   ars_bretagne, verified_client):
    client.force_login(player)
    assert client.get(f"/exercices/{ended.pk}/retex/rapport.pdf").status_code == 404  # draft: the team only
    assert client.post(f"/exercices/{ended.pk}/retex/equipe/", {"action": "generate"}).status_code == 404
    retex = validate_over_http(client, ended, rssi_nantes)
    assert retex.is_validated and retex.comments[criteria_ids(ended)[0]] == "Trop tard"
    assert Action.objects.filter(establishment_id=CHU_NANTES).count() == retex.recommendations.count() > 0
    client.force_login(player)
    response = client.get(f"/exercices/{ended.pk}/retex/rapport.docx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    verified_client(ars_pdl)
    assert client.get(f"/exercices/{ended.pk}/retex/rapport.pdf").content.startswith(b"%PDF")
    assert client.get("/plan/?retard=&etat=ouvertes").status_code == 200
    verified_client(ars_bretagne)
    for url in (f"/exercices/{ended.pk}/retex/", f"/exercices/{ended.pk}/retex/rapport.pdf",
                f"/plan/{Action.objects.first().pk}/"):
        assert client.get(url).status_code == 404, url
    assert "Aucune action" in client.get("/plan/").content.decode()


def test_hot_debrief_page(client, ended, player):
    client.force_login(player)
    page = client.get(f"/exercices/{ended.pk}/retex/a-chaud/")
    assert page.status_code == 200 and "bien fonctionné" in page.content.decode()
    response = client.post(f"/exercices/{ended.pk}/retex/a-chaud/", {"Q-BIEN": "La main courante."})
    assert response.status_code == 200 and "Réponse attendue" in response.content.decode()
    assert "La main courante." in response.content.decode()  # what was typed is kept
    assert not DebriefResponse.objects.exists()


def test_the_debrief_is_closed_before_the_end(client, exercise, player):
    client.force_login(player)
    assert client.get(f"/exercices/{exercise.pk}/retex/a-chaud/").status_code == 404


def test_plan_updates_exports_and_evidence(client, ended, rssi_nantes, make_user, ars_pdl, verified_client):
    validate_over_http(client, ended, rssi_nantes)
    action = Action.objects.filter(establishment_id=CHU_NANTES).order_by("pk").first()
    agent = make_user("agent.plan@chu.example", Role.MEMBER, establishment_id=CHU_NANTES)
    client.force_login(agent)
    url = f"/plan/{action.pk}/"
    fields = {"title": action.title, "description": action.description, "owner": "Mme Leroy, DSI",
              "due_date": "2027-03-31", "priority": "haute", "theme": action.theme, "status": "done", "evidence": ""}
    page = client.post(url, fields, follow=True).content.decode()
    assert "Indiquez la preuve" in page
    action.refresh_from_db()
    assert action.status == ActionStatus.TODO and action.owner != "Mme Leroy, DSI"  # all or nothing
    fake = SimpleUploadedFile("preuve.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    page = client.post(url, {**fields, "evidence": "Procédure", "evidence_file": fake}, follow=True).content.decode()
    assert "ne correspond pas" in page
    real = SimpleUploadedFile("procédure alerte.pdf", b"%PDF-1.7\n%fake but typed\n", content_type="application/pdf")
    client.post(url, {**fields, "evidence": "Procédure signée", "evidence_file": real})
    action.refresh_from_db()
    assert (action.status, action.owner, str(action.due_date)) == ("done", "Mme Leroy, DSI", "2027-03-31")
    assert action.evidence_name == "procédure alerte.pdf"
    download = client.get(f"/plan/{action.pk}/preuve/")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    workbook = load_workbook(io.BytesIO(client.get("/plan/export.xlsx").content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][2] == "Action" and any(r[2] == action.title and r[7] == "Réalisée" for r in rows[1:])
    assert client.get("/plan/export.pdf").content.startswith(b"%PDF")
    verified_client(ars_pdl)  # the region reads, never writes
    assert client.get(url).status_code == 200
    assert client.post(url, {**fields, "status": "todo"}).status_code == 404


def test_a_formula_in_an_action_title_is_exported_as_text(client, ended, rssi_nantes):
    from retex.services import plan

    action = plan.do_add_action(rssi_nantes, ended.establishment, title='=HYPERLINK("http://x","y")',
                                priority="basse", theme="prevenir")
    client.force_login(rssi_nantes)
    rows = list(load_workbook(io.BytesIO(client.get("/plan/export.xlsx").content)).active.iter_rows(values_only=True))
    assert any(r[2] == "'" + action.title for r in rows)


def test_next_exercise_shows_open_actions_and_observers_see_the_followed_criteria(client, ended, rssi_nantes,
                                                                                   observer):
    import datetime as dt

    from django.utils import timezone

    from exercises.services import preparation

    retex = validate_over_http(client, ended, rssi_nantes)
    followed = {c for a in Action.objects.all() for c in a.criteria}
    assert followed
    nxt = preparation.do_create_exercise(rssi_nantes, ended.establishment, ended.kit, contexts=[],
                                         scheduled_start=timezone.now() + dt.timedelta(days=300), place="Salle B")
    member, _ = preparation.do_add_member(rssi_nantes, nxt, email=observer.email, full_name="Obs", role="observer")
    preparation.do_accept_invitation(member, observer)
    client.force_login(rssi_nantes)
    page = client.get(f"/exercices/{nxt.pk}/").content.decode()
    assert 'data-testid="open-actions"' in page and retex.recommendations.first().title[:30] in page
    client.force_login(observer)
    page = client.get(f"/exercices/{nxt.pk}/observation/").content.decode()
    for criterion in followed:
        assert f'data-testid="followed-{criterion}"' in page


@pytest.mark.django_db
def test_plan_list_queries_do_not_grow(client, ended, rssi_nantes, django_assert_max_num_queries):
    from retex.services import plan

    for index in range(30):
        plan.do_add_action(rssi_nantes, ended.establishment, title=f"Action {index}", priority="basse",
                           theme="prevenir")
    client.force_login(User.objects.get(pk=rssi_nantes.pk))
    with django_assert_max_num_queries(20):
        assert client.get("/plan/").status_code == 200


def test_api_lists_the_plan_within_scope(client, ended, rssi_nantes, ars_bretagne, verified_client):
    validate_over_http(client, ended, rssi_nantes)
    data = client.get("/api/v1/plan-amelioration/?retard=1").json()
    assert data["count"] == 0 if isinstance(data, dict) else data == []
    rows = client.get(f"/api/v1/plan-amelioration/?etablissement={CHU_NANTES}").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert rows and rows[0]["establishment"] == CHU_NANTES and "overdue" in rows[0]
    verified_client(ars_bretagne)
    rows = client.get("/api/v1/plan-amelioration/").json()
    assert (rows["results"] if isinstance(rows, dict) else rows) == []
    assert client.get(f"/api/v1/plan-amelioration/{Action.objects.first().pk}/").status_code == 404


def test_paper_questionnaire_of_an_observer_over_http(client, ended, rssi_nantes):
    client.force_login(rssi_nantes)
    page = client.get(f"/exercices/{ended.pk}/retex/").content.decode()
    assert 'name="Q-STIMULI"' in page and 'name="Q-BIEN"' in page  # every question can be typed in
    client.post(f"/exercices/{ended.pk}/retex/equipe/", {
        "action": "paper", "role": "observer", "respondent": "Observatrice papier",
        "Q-STIMULI": "S-012 arrivé trop tôt", "Q-REALISME": "4"})
    response = DebriefResponse.objects.get(respondent="Observatrice papier")
    assert response.on_paper and response.answers == {"Q-STIMULI": "S-012 arrivé trop tôt", "Q-REALISME": "4"}
