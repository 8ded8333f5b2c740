"""PCRA pages and services: a project from an example, BIA editing (bad input keeps what was typed and writes
nothing), gaps and coverage, maintenance (versions, reminders, evaluation, RETEX links), scope and audit."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from conftest import CHU_NANTES, CHU_RENNES
from continuity.models import BiaStatus, PlanVersion, Process, Project, Resource, SectionLink
from continuity.services import bia, maintenance
from continuity.services.bia import Invalid
from core.models import AuditEntry
from organisations.models import Establishment


@pytest.fixture
def project(directory, rssi_nantes):
    return bia.do_create_project(rssi_nantes, Establishment.objects.get(pk=CHU_NANTES), title="PCRA du CHU",
                                 scope_kind="ght", example="ch-general")


def process_payload(process: Process, **changes) -> dict:
    data = {"name": process.name, "category": process.category, "criticality": str(process.criticality),
            "activity_share": str(process.activity_share), "dmia_hours": str(process.dmia_hours),
            "pdma_hours": str(process.pdma_hours), "bia_status": process.bia_status,
            "owner_role": process.owner_role, "degraded_what": process.degraded_what,
            "depends_on": [str(pk) for pk in process.depends_on.values_list("pk", flat=True)]}
    for h, dims in process.impacts.items():
        for d, v in dims.items():
            data[f"impact-{h}-{d}"] = str(v)
    data.update(changes)
    return data


def test_project_from_an_example_copies_the_bia(project):
    assert project.resources.count() == 34 and project.processes.count() == 18
    assert project.contacts.count() >= 10 and project.alert_procedure
    dpi = project.resources.get(code="dpi")
    assert set(dpi.depends_on.values_list("code", flat=True)) >= {"ad"}
    analysis = bia.analyse(project)
    assert not analysis.plan.cycles and len(analysis.plan.steps) == 34
    order = [s.code for s in analysis.plan.steps]
    assert order.index("ad") < order.index("dpi")
    assert analysis.processes_with_gaps > 0
    assert AuditEntry.objects.filter(model_label="continuity.Project", object_pk=str(project.pk)).exists()


def test_analysis_costs_a_fixed_number_of_queries(project, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        bia.analyse(project)


def test_validating_processes_fills_the_coverage_and_its_criteria(project, rssi_nantes):
    coverage = bia.analyse(project).coverage
    assert coverage.covered_share == 0 and coverage.target == 66 and not coverage.met
    for code in ("urgences", "laboratoire", "paie", "admissions", "hospitalisation", "bloc-operatoire"):
        process = project.processes.get(code=code)
        bia.do_save_process(rssi_nantes, project, process, process_payload(process, bia_status=BiaStatus.VALIDATED))
    process = project.processes.get(code="urgences")
    bia.do_save_process(rssi_nantes, project, process, process_payload(process, bia_status=BiaStatus.VALIDATED,
                                                                       tested_on="2026-10-02"))
    coverage = bia.analyse(project).coverage
    labels = {r.label: r.met for r in coverage.requirements}
    assert labels["Un service de soins à impact majeur"]
    assert labels["Un plateau médico-technique (pharmacie, biologie, imagerie)"]
    assert labels["Au moins un PCRA éprouvé en exercice terrain"]
    expected = round(sum(project.processes.filter(bia_status=BiaStatus.VALIDATED)
                         .values_list("activity_share", flat=True)), 1)
    assert coverage.covered_share == expected
    assert all(p.bia_status != BiaStatus.VALIDATED for p in coverage.to_cover)


def test_lowering_a_restore_time_removes_the_gap(project, rssi_nantes, verified_client):
    client = verified_client(rssi_nantes)
    process = project.processes.get(code="urgences")
    gaps = [g for g in bia.analyse(project).gaps if g.process == "urgences" and g.resource == "gam"]
    assert gaps
    gam = project.resources.get(code="gam")
    response = client.post(f"/continuite/{project.pk}/bia/ressources/{gam.pk}/", {
        "name": gam.name, "kind": gam.kind, "restore_hours": "0,5", "backup_every_hours": "1",
        "depends_on": [str(pk) for pk in gam.depends_on.values_list("pk", flat=True)]})
    assert response.status_code == 302
    after = bia.analyse(project)
    assert not [g for g in after.gaps if g.process == process.code and g.resource == "gam" and not g.cumulative]
    page = client.get(f"/continuite/{project.pk}/analyse/").content.decode()
    assert "Plan de reprise, dans l&#x27;ordre" in page or "Plan de reprise, dans l'ordre" in page
    assert 'data-testid="step-ad"' in page and 'data-testid="gap"' in page


def test_bad_input_is_refused_with_clear_messages_and_nothing_is_lost(project, rssi_nantes, verified_client):
    client = verified_client(rssi_nantes)
    process = project.processes.get(code="urgences")
    before = (process.dmia_hours, process.degraded_what)
    payload = process_payload(process, dmia_hours="deux heures", degraded_what="Nouveau texte à garder",
                              **{"impact-1sem-securite_patients": "0", "impact-1h-securite_patients": "4"})
    response = client.post(f"/continuite/{project.pk}/bia/processus/{process.pk}/", payload)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nombre attendu" in page and "ne diminue pas avec le temps" in page
    assert "Nouveau texte à garder" in page  # what was typed is shown again
    process.refresh_from_db()
    assert (process.dmia_hours, process.degraded_what) == before
    with pytest.raises(Invalid) as exc:
        bia.do_save_resource(rssi_nantes, project, None, {"name": "Logiciel X", "kind": "application",
                                                          "restore_hours": "4"})
    assert "backup_every_hours" in exc.value.errors


def test_a_cycle_entered_by_hand_is_reported(project, rssi_nantes, verified_client):
    ad = project.resources.get(code="ad")
    dpi = project.resources.get(code="dpi")
    bia.do_save_resource(rssi_nantes, project, ad, {
        "name": ad.name, "kind": ad.kind, "restore_hours": str(ad.restore_hours),
        "backup_every_hours": str(ad.backup_every_hours),
        "depends_on": [*ad.depends_on.values_list("pk", flat=True), dpi.pk]})
    analysis = bia.analyse(project)
    assert any({"ad", "dpi"} <= set(cycle) for cycle in analysis.plan.cycles)
    page = verified_client(rssi_nantes).get(f"/continuite/{project.pk}/analyse/").content.decode()
    assert 'data-testid="cycles"' in page and "incalculable" in page


def test_scope_region_reads_and_never_writes_others_see_nothing(project, ars_pdl, ars_bretagne, verified_client,
                                                                client):
    process = project.processes.first()
    region = verified_client(ars_pdl)
    for url in (f"/continuite/{project.pk}/", f"/continuite/{project.pk}/bia/", f"/continuite/{project.pk}/analyse/",
                f"/continuite/{project.pk}/maintien/", f"/continuite/{project.pk}/bia/processus/{process.pk}/"):
        assert region.get(url).status_code == 200, url
    assert region.post(f"/continuite/{project.pk}/cadrage/", {"title": "Piraté"}).status_code == 404
    assert region.post(f"/continuite/{project.pk}/bia/processus/{process.pk}/", {"delete": "1"}).status_code == 404
    project.refresh_from_db()
    assert project.title == "PCRA du CHU" and Process.objects.filter(pk=process.pk).exists()
    client.logout()
    other = verified_client(ars_bretagne)
    for url in (f"/continuite/{project.pk}/", f"/continuite/{project.pk}/pcra.pdf",
                f"/continuite/{project.pk}/bia/processus/{process.pk}/"):
        assert other.get(url).status_code == 404, url
    assert b"PCRA du CHU" not in other.get("/continuite/").content
    client.logout()
    rennes = verified_client(User.objects.get(email="rssi.chu-rennes@care.demo"))
    assert rennes.get(f"/continuite/{project.pk}/").status_code == 404
    response = rennes.post("/continuite/", {"establishment": CHU_NANTES, "title": "Intrus", "example": ""})
    assert response.status_code == 400 and not Project.objects.filter(title="Intrus").exists()
    response = rennes.post("/continuite/", {"establishment": CHU_RENNES, "title": "PCRA Rennes",
                                            "scope_kind": "establishment", "example": "ehpad"})
    assert response.status_code == 302
    assert Project.objects.get(title="PCRA Rennes").processes.count() == 10


def test_every_change_is_audited(project, rssi_nantes, verified_client):
    process = project.processes.get(code="urgences")
    response = verified_client(rssi_nantes).post(f"/continuite/{project.pk}/bia/processus/{process.pk}/",
                                                 process_payload(process, dmia_hours="2"))
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(model_label="continuity.Process", object_pk=str(process.pk),
                                      action="update").latest("pk")
    assert entry.changes["dmia_hours"][1] == 2.0 and entry.actor == rssi_nantes
    resource = project.resources.get(code="messagerie") if project.resources.filter(code="messagerie").exists() \
        else project.resources.first()
    bia.do_save_resource(rssi_nantes, project, resource, {"name": resource.name, "kind": resource.kind,
                                                          "restore_hours": "1", "backup_every_hours": "1",
                                                          "depends_on": []})
    assert AuditEntry.objects.filter(model_label="continuity.Resource", object_pk=str(resource.pk),
                                     changes__has_key="dépendances").exists() or not resource.depends_on.exists()
    pk = process.pk
    bia.do_delete(rssi_nantes, process)
    assert AuditEntry.objects.filter(model_label="continuity.Process", action="delete", object_pk=str(pk)).exists()


def test_versions_changes_and_review_dates(project, rssi_nantes):
    with pytest.raises(Invalid):
        maintenance.do_publish_version(rssi_nantes, project, "")
    first = maintenance.do_publish_version(rssi_nantes, project, "Première version validée en COPIL")
    assert first.number == 1 and project.next_review_on == maintenance.add_months(timezone.localdate(), 12)
    assert maintenance.changes_since_last_version(project) == []
    with pytest.raises(Invalid):
        maintenance.do_publish_version(rssi_nantes, project, "Sans changement")
    process = project.processes.get(code="urgences")
    bia.do_save_process(rssi_nantes, project, process, process_payload(process, dmia_hours="2"))
    changes = maintenance.changes_since_last_version(project)
    assert f"Modification de processus : {process.name}" in changes
    assert not [c for c in changes if c.startswith(("Ajout", "Suppression"))]
    second = maintenance.do_publish_version(rssi_nantes, project, "DMIA des urgences revue")
    assert second.number == 2 and PlanVersion.objects.filter(project=project).count() == 2


def test_review_reminders_are_sent_once(project, make_user):
    make_user("rpca@chu.example", "pca_lead", establishment_id=CHU_NANTES)
    today = timezone.localdate()
    Project.objects.filter(pk=project.pk).update(next_review_on=today + dt.timedelta(days=10))
    call_command("send_pcra_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rpca@chu.example"]
    assert "Revue du PCRA" in mail.outbox[0].subject
    call_command("send_pcra_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1
    project.refresh_from_db()
    assert maintenance.review_state(project) == "bientot"


def test_evaluation_of_the_plan(project, rssi_nantes, verified_client):
    client = verified_client(rssi_nantes)
    grid = maintenance.grid()
    criteria = [c["id"] for s in grid["sections"] for c in s["criteria"]]
    partial = {criteria[0]: "2", "evaluator": "Qualité"}
    response = client.post(f"/continuite/{project.pk}/evaluation/", partial)
    assert response.status_code == 400 and project.evaluations.count() == 0
    assert 'value="2" selected' in response.content.decode()  # kept
    response = client.post(f"/continuite/{project.pk}/evaluation/",
                           {c: str(i % 4) for i, c in enumerate(criteria)} | {"evaluator": "Qualité"})
    assert response.status_code == 302
    evaluation = project.evaluations.get()
    assert len(evaluation.scores) == len(criteria)
    summary = maintenance.evaluation_summary(evaluation)
    assert len(summary) == len(grid["sections"]) and all(row["mean"] is not None for row in summary)
    page = client.get(f"/continuite/{project.pk}/maintien/").content.decode()
    assert 'data-testid="evaluation"' in page


def test_retex_action_linked_to_a_section_asks_for_a_revision(project, rssi_nantes, verified_client):
    from retex.models import Action, ActionStatus

    action = Action.objects.create(establishment=project.establishment, title="Réécrire la chaîne d'alerte de nuit",
                                   owner="Directeur de garde", due_date=timezone.localdate())
    maintenance.do_publish_version(rssi_nantes, project, "v1")
    client = verified_client(rssi_nantes)
    response = client.post(f"/continuite/{project.pk}/maintien/", {"action": "link", "action_id": action.pk,
                                                                   "section": "organisation"})
    assert response.status_code == 302 and SectionLink.objects.filter(project=project, action=action).exists()
    bad = client.post(f"/continuite/{project.pk}/maintien/", {"action": "link", "action_id": action.pk,
                                                              "section": "inconnue"})
    assert bad.status_code == 400
    assert maintenance.sections_to_revise(project) == []
    action.status, action.done_at, action.evidence = ActionStatus.DONE, timezone.localdate(), "Procédure signée"
    action.save()
    revise = maintenance.sections_to_revise(project)
    assert [r["section"] for r in revise] == ["Organisation et chaîne d'alerte"]
    assert b"to-revise" in client.get(f"/continuite/{project.pk}/").content
    rennes_action = Action.objects.create(establishment_id=CHU_RENNES, title="Ailleurs")
    with pytest.raises(Invalid):
        maintenance.do_link_action(rssi_nantes, project, rennes_action.pk, "organisation")


def test_guided_path_and_framing(project, rssi_nantes, verified_client):
    client = verified_client(rssi_nantes)
    assert client.post(f"/continuite/{project.pk}/parcours/", {"step": "cadrage", "index": "1",
                                                               "checked": "1"}).status_code == 302
    project.refresh_from_db()
    assert project.path_progress == {"cadrage": [1]}
    assert b"1/6" in client.get(f"/continuite/{project.pk}/").content or project.path_progress["cadrage"] == [1]
    response = client.post(f"/continuite/{project.pk}/cadrage/", {"title": "", "sponsor": "Mme la directrice"})
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.sponsor == ""
    client.post(f"/continuite/{project.pk}/cadrage/", {"title": "PCRA 2027", "sponsor": "Mme la directrice"})
    project.refresh_from_db()
    assert (project.title, project.sponsor) == ("PCRA 2027", "Mme la directrice")


def test_new_resource_and_process_by_hand(project, rssi_nantes, verified_client):
    client = verified_client(rssi_nantes)
    response = client.post(f"/continuite/{project.pk}/bia/ressources/nouvelle/", {
        "name": "Logiciel de dialyse", "kind": "application", "restore_hours": "36", "backup_every_hours": "12",
        "depends_on": [str(project.resources.get(code="ad").pk)]})
    assert response.status_code == 302
    dialysis = Resource.objects.get(project=project, code="logiciel-de-dialyse")
    response = client.post(f"/continuite/{project.pk}/bia/processus/nouveau/", {
        "name": "Dialyse", "category": "soins", "criticality": "4", "activity_share": "2", "dmia_hours": "12",
        "pdma_hours": "4", "bia_status": "en_cours", "depends_on": [str(dialysis.pk)],
        **{f"impact-{h}-securite_patients": v for h, v in zip(["1h", "4h", "24h", "72h", "1sem"], "12344",
                                                                strict=True)}})
    assert response.status_code == 302
    gaps = [g for g in bia.analyse(project).gaps if g.process == "dialyse"]
    assert {("dmia", "logiciel-de-dialyse"), ("pdma", "logiciel-de-dialyse")} <= {(g.kind, g.resource) for g in gaps}
    duplicate = client.post(f"/continuite/{project.pk}/bia/ressources/nouvelle/", {
        "name": "Logiciel de dialyse", "kind": "infrastructure", "restore_hours": "1"})
    assert duplicate.status_code == 400 and "déjà utilisé" in duplicate.content.decode()


def test_api_gives_the_analysis_within_scope(project, rssi_nantes, ars_bretagne, verified_client, client):
    api = verified_client(rssi_nantes)
    listing = api.get("/api/v1/pcra/").json()
    rows = listing["results"] if isinstance(listing, dict) else listing
    assert [r["id"] for r in rows] == [project.pk]
    detail = api.get(f"/api/v1/pcra/{project.pk}/").json()
    assert detail["analysis"]["coverage"]["target"] == 66
    order = [s["resource"] for s in detail["analysis"]["recovery_order"]]
    assert order.index("ad") < order.index("dpi") and detail["analysis"]["gaps"]
    client.logout()
    other = verified_client(ars_bretagne)
    assert other.get(f"/api/v1/pcra/{project.pk}/").status_code == 404


def test_content_with_a_broken_reference_is_refused_whole(settings, tmp_path):
    import shutil

    from continuity.services import content
    from kits.services.loader import ContentError

    base = tmp_path / "content"
    shutil.copytree(content.root(), base / "continuity")
    path = base / "continuity" / "examples" / "had.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("depends_on: [reseau-siege]",
                                                             "depends_on: [reseau-inconnu]", 1), encoding="utf-8")
    settings.BASE_DIR = tmp_path
    with pytest.raises(ContentError) as exc:
        content.read_continuity_content()
    assert "reseau-inconnu, ressource inconnue" in str(exc.value)


@pytest.mark.parametrize(("email", "role", "reads", "writes"), [
    ("rssi.chu-nantes@care.demo", None, True, True),
    ("directeur.chu-nantes@care.demo", None, True, True),
    ("ght.loire-atlantique@care.demo", None, True, True),
    ("agent@chu.example", "member", True, False),
    ("ars.pdl@care.demo", None, True, False),
    ("grades.pdl@care.demo", None, True, False),
    ("equipe.nationale@care.demo", None, True, False),
    ("ars.bretagne@care.demo", None, False, False),
    ("rssi.chu-rennes@care.demo", None, False, False),
])
def test_role_matrix(project, email, role, reads, writes, make_user, verified_client):
    user = make_user(email, role, establishment_id=CHU_NANTES) if role else User.objects.get(email=email)
    client = verified_client(user)
    assert client.get(f"/continuite/{project.pk}/bia/").status_code == (200 if reads else 404)
    assert client.get(f"/continuite/{project.pk}/pcra.html").status_code == (200 if reads else 404)
    response = client.post(f"/continuite/{project.pk}/annuaire/", {"function": f"Contact ajouté par {email}"})
    assert response.status_code == (302 if writes else 404)
    assert project.contacts.filter(function=f"Contact ajouté par {email}").exists() == writes
