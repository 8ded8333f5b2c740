from conftest import CHU_NANTES
from maturity.models import Assessment
from maturity.services.grids import default_grid


def all_answers(score: int) -> dict:
    definition = default_grid().definition
    return {f"q_{q['id']}": next(a["id"] for a in q["answers"] if a["score"] == score)
            for q in definition["questions"]}


def test_rssi_fills_drafts_then_submits_and_sees_the_level(client, rssi_nantes):
    client.force_login(rssi_nantes)
    start = client.post(f"/maturite/commencer/{CHU_NANTES}/")
    assessment = Assessment.objects.get(establishment_id=CHU_NANTES)
    assert start["Location"] == f"/maturite/{assessment.pk}/remplir/"
    answers = all_answers(2)
    first_half = dict(list(answers.items())[:10])
    client.post(start["Location"], {**first_half, "action": "draft"})
    assessment.refresh_from_db()
    assert len(assessment.answers) == 10 and assessment.status == "draft"
    # submitting while incomplete keeps everything and names the missing questions
    response = client.post(start["Location"], {"action": "submit", "confirmation": "oui"})
    assert response.status_code == 200
    assert len([s for s in response.context["sections"] for q in s["questions"] if q["missing"]]) == len(answers) - 10
    assessment.refresh_from_db()
    assert len(assessment.answers) == 10 and assessment.status == "draft"
    # without the modal's confirmation: refused, nothing saved, the answers typed stay on the page
    refused = client.post(start["Location"], {**answers, "action": "submit"})
    assert refused.status_code == 200 and "Action irréversible : elle doit être confirmée." in refused.content.decode()
    assert 'id="confirm-submit"' in refused.content.decode()
    assert all(q["current"] for s in refused.context["sections"] for q in s["questions"])
    assessment.refresh_from_db()
    assert len(assessment.answers) == 10 and assessment.status == "draft"
    done = client.post(start["Location"], {**answers, "action": "submit", "confirmation": "oui"})
    assert done["Location"] == f"/maturite/{assessment.pk}/"
    assessment.refresh_from_db()
    assert (assessment.status, assessment.level, assessment.submitted_by) == ("submitted", "intermediaire", rssi_nantes)
    page = client.get(done["Location"]).content.decode()
    assert 'data-testid="recommended-level">Intermédiaire' in page and "<svg" in page
    # one submitted assessment per year: it can no longer change
    client.post(start["Location"], {**all_answers(3), "action": "submit", "confirmation": "oui"})
    assessment.refresh_from_db()
    assert assessment.level == "intermediaire"


def test_regional_referents_see_results_of_their_region_only(client, rssi_nantes, ars_pdl, ars_bretagne,
                                                           verified_client):
    client.force_login(rssi_nantes)
    client.post(f"/maturite/commencer/{CHU_NANTES}/")
    assessment = Assessment.objects.get(establishment_id=CHU_NANTES)
    client.post(f"/maturite/{assessment.pk}/remplir/", {**all_answers(3), "action": "submit", "confirmation": "oui"})
    pdl = verified_client(ars_pdl)
    assert pdl.get(f"/maturite/{assessment.pk}/").status_code == 200
    overview = pdl.get("/maturite/perimetre/", {"region": "52"})
    assert assessment.establishment in list(overview.context["page_obj"])
    assert "Confirmé" in overview.content.decode()
    pdl.logout()
    bzh = verified_client(ars_bretagne)
    assert bzh.get(f"/maturite/{assessment.pk}/").status_code == 404
    assert all(e.region_id == "53" for e in bzh.get("/maturite/perimetre/").context["page_obj"])


def test_level_distribution_counts_latest_levels_in_scope(ars_pdl, verified_client):
    client = verified_client(ars_pdl)
    distribution = client.get("/maturite/perimetre/").context["distribution"]
    submitted = (Assessment.objects.filter(status="submitted", establishment__region_id="52")
                 .values("establishment").distinct().count())
    assert distribution["assessed"] == submitted > 0
    assert sum(r["count"] for r in distribution["rows"]) == submitted


def test_members_cannot_fill_the_assessment(client, directory, make_user):
    from accounts.roles import Role

    member = make_user("membre@chu.example", Role.MEMBER, establishment_id=CHU_NANTES)
    client.force_login(member)
    response = client.post(f"/maturite/commencer/{CHU_NANTES}/")
    assert response["Location"] == "/maturite/"
    assert not Assessment.objects.filter(establishment_id=CHU_NANTES).exists()
