"""From the ended exercise to a validated RETEX and an improvement plan, through the services."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditEntry
from retex.models import Action, ActionStatus, DebriefResponse, Recommendation, Retex
from retex.services import content, debrief, workflow
from retex.services.analysis import ratings_by_criterion, stimuli_timeline
from retex.services.recommendations import matching_rules
from retex.services.report import report_context, report_docx, report_pdf


def criteria_ids(exercise):
    return [c["id"] for c in exercise.kit_version.grid.criteria(exercise.kit.level)]


def test_open_suggests_the_median_and_shows_disagreements(ended, rssi_nantes):
    retex = workflow.do_open(rssi_nantes, ended)
    ids = criteria_ids(ended)
    rows = {row.criterion["id"]: row for row in ratings_by_criterion(ended)}
    assert rows[ids[0]].disagreement and rows[ids[0]].spread == 2  # 1 against 3
    assert not rows[ids[1]].disagreement
    assert retex.consolidated[ids[0]] == "1"  # median_low of (1, 3)
    assert retex.consolidated[ids[1]] == "3"
    # the milestone guessed from the crisis log's wording
    assert "activation_cellule" in retex.milestones
    assert workflow.do_open(rssi_nantes, ended).pk == retex.pk  # one RETEX per exercise


def test_recommendations_follow_the_rules_base(ended, rssi_nantes):
    retex = workflow.do_open(rssi_nantes, ended)
    ids = criteria_ids(ended)
    consolidated = dict.fromkeys(ids, "3")
    consolidated[ids[0]] = "0"
    rules = matching_rules(ended, consolidated)
    assert rules and {r["criterion"] for r in rules} == {ids[0]}
    assert any(r["when"] == "at_most" for r in rules) and any(r["when"] == "below_expected" for r in rules)
    assert [r["priority"] for r in rules] == sorted((r["priority"] for r in rules),
                                                    key=["haute", "moyenne", "basse"].index)
    consolidated[ids[0]] = "NO"  # not observed: no conclusion
    assert matching_rules(ended, consolidated) == []

    workflow.do_save_consolidation(rssi_nantes, retex, {**dict.fromkeys(ids, "3"), ids[0]: "0"}, {ids[0]: "Tardif"})
    created = workflow.do_generate_recommendations(rssi_nantes, retex)
    assert len(created) == len(rules := matching_rules(ended, retex.consolidated)) > 0
    manual = workflow.do_add_recommendation(rssi_nantes, retex, title="Former les secrétaires de cellule",
                                            text="Deux sessions par an.", priority="basse", theme="prevenir")
    first = created[0]
    workflow.do_update_recommendation(rssi_nantes, first, selected=False, priority="basse")
    # regenerating keeps the team's choices and the hand-written ones
    assert workflow.do_generate_recommendations(rssi_nantes, retex) == []
    first.refresh_from_db()
    assert (first.selected, first.priority) == (False, "basse")
    assert Recommendation.objects.filter(pk=manual.pk).exists()


def test_validation_turns_kept_recommendations_into_actions(ended, rssi_nantes):
    retex = workflow.do_open(rssi_nantes, ended)
    ids = criteria_ids(ended)
    with pytest.raises(ValidationError):
        workflow.do_validate(rssi_nantes, retex)  # recommendations not generated yet
    workflow.do_save_consolidation(rssi_nantes, retex, {i: "" for i in ids}, {})
    with pytest.raises(ValidationError, match="Consolidez"):
        workflow.do_generate_recommendations(rssi_nantes, retex) or workflow.do_validate(rssi_nantes, retex)
    workflow.do_save_consolidation(rssi_nantes, retex, {**dict.fromkeys(ids, "2"), ids[0]: "0", ids[1]: "NO"}, {})
    workflow.do_generate_recommendations(rssi_nantes, retex)
    kept = list(retex.recommendations.all())
    workflow.do_update_recommendation(rssi_nantes, kept[-1], selected=False, priority=kept[-1].priority)
    outcome = workflow.do_validate(rssi_nantes, retex)
    actions = outcome.created
    assert len(actions) == len(kept) - 1 and outcome.renewed == []
    assert all(a.rule == a.recommendation.rule for a in actions)
    action = actions[0]
    assert action.establishment == ended.establishment and action.criteria
    assert action.due_date == timezone.localdate() + dt.timedelta(days=action.recommendation.suggested_delay_days)
    retex.refresh_from_db()
    assert retex.is_validated
    with pytest.raises(ValidationError):
        workflow.do_save_texts(rssi_nantes, retex, context="x", strengths="", improvements="")
    from retex.models import EvaluationScore

    scores = EvaluationScore.objects.filter(retex=retex)
    assert scores.count() == len(ids) - 1 and scores.get(criterion=ids[0]).value == 0  # « NO » is not a score
    workflow.do_reopen(rssi_nantes, retex)
    assert not scores.exists()
    again = workflow.do_validate(rssi_nantes, retex)
    assert again.created == [] and again.renewed == []  # no duplicate actions
    assert scores.count() == len(ids) - 1
    assert AuditEntry.objects.filter(model_label="retex.Retex", action="update").exists()
    assert AuditEntry.objects.filter(model_label="retex.Action", action="create").count() == len(actions)


def test_only_the_animation_team_writes_the_retex(ended, player, observer, ars_bretagne):
    for outsider in (player, observer, ars_bretagne):
        with pytest.raises(PermissionDenied):
            workflow.do_open(outsider, ended)


def test_the_retex_waits_for_the_end(exercise, rssi_nantes):
    with pytest.raises(ValidationError):
        workflow.do_open(rssi_nantes, exercise)


def test_hot_debrief_online_and_on_paper(ended, player, observer, rssi_nantes):
    questions = debrief.questions_for("player")
    required = [q["id"] for q in questions if q.get("required")]
    with pytest.raises(ValidationError) as error:
        debrief.do_answer(player, ended, {required[0]: "La cellule s'est installée vite."})
    assert set(error.value.message_dict) == set(required[1:])
    assert not DebriefResponse.objects.exists()  # nothing half-saved
    scale = next(q for q in questions if q["kind"] == "scale")
    answers = {q: "Réponse " + q for q in required} | {scale["id"]: "9"}
    with pytest.raises(ValidationError):
        debrief.do_answer(player, ended, answers)
    answers[scale["id"]] = "4"
    response = debrief.do_answer(player, ended, answers)
    assert response.role == "player" and response.answers[scale["id"]] == "4"
    debrief.do_answer(player, ended, {**answers, required[0]: "Modifié"})  # answering again updates
    assert DebriefResponse.objects.filter(exercise=ended).count() == 1
    with pytest.raises(PermissionDenied):
        debrief.do_enter_paper(player, ended, respondent="X", role="player", raw=answers)
    debrief.do_enter_paper(rssi_nantes, ended, respondent="Cadre de santé", role="player",
                           raw={required[0]: "Le classeur papier était introuvable."})
    summary = {row["question"]["id"]: row for row in debrief.summary(ended)}
    assert summary[required[0]]["count"] == 2
    assert summary[scale["id"]]["average"] == 4


def test_timeline_measures_the_cells_reactions(ended):
    rows = stimuli_timeline(ended)
    assert len(rows) == 6
    assert rows == sorted(rows, key=lambda r: r["offset"])
    answered = [r for r in rows if r["reply_after"] is not None]
    assert len(answered) == 1 and answered[0]["ack_after"] is not None


def _validated(exercise, user):
    retex = workflow.do_open(user, exercise)
    ids = criteria_ids(exercise)
    workflow.do_save_consolidation(user, retex, {**dict.fromkeys(ids, "3"), ids[0]: "1", ids[2]: "0"},
                                   {ids[0]: "Activation tardive, après 40 minutes."})
    workflow.do_save_texts(user, retex, context="Premier exercice du CHU.",
                           strengths="Main courante tenue dès le début\nPorte-parole désigné",
                           improvements="Chaîne d'alerte à formaliser")
    workflow.do_generate_recommendations(user, retex)
    workflow.do_validate(user, retex)
    return Retex.objects.get(pk=retex.pk)


def test_report_pdf_and_docx_hold_the_whole_retex(ended, rssi_nantes):
    from docx import Document
    from pypdf import PdfReader

    retex = _validated(ended, rssi_nantes)
    context = report_context(retex)
    first_code = context["timeline"][0]["code"]
    recommendation = context["recommendations"][0]["title"]
    reader = PdfReader(io.BytesIO(report_pdf(retex)))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    assert len(reader.pages) >= 3
    for expected in ("Retour d'expérience", ended.establishment.name, first_code, "Activation de la cellule",
                     "Main courante tenue", "Chaîne d'alerte à formaliser", "Activation tardive"):
        assert expected in text, expected
    assert recommendation[:40] in text
    document = Document(io.BytesIO(report_docx(retex)))
    body = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells)
    for expected in ("Retour d'expérience", first_code, "Signalement au CERT Santé", recommendation,
                     "Porte-parole désigné"):
        assert expected in body, expected
    assert document.inline_shapes, "le graphique par objectif manque"


def test_report_queries_do_not_grow_with_the_exercise(ended, rssi_nantes, django_assert_max_num_queries):
    retex = _validated(ended, rssi_nantes)
    with django_assert_max_num_queries(25):
        report_context(Retex.objects.select_related("exercise__kit_version__kit", "exercise__establishment")
                       .get(pk=retex.pk))


def test_content_is_loaded_and_cross_checked():
    documents = content.read_retex_content()
    from kits.services.loader import read_grids

    grids = read_grids(content.root(), [])
    for grid in grids.values():
        for objective in grid["objectives"]:
            for criterion in objective["criteria"]:
                rules = [r for r in documents["recommandations"]["rules"] if r["criterion"] == criterion["id"]]
                assert {r["when"] for r in rules} == {"below_expected", "at_most"}, criterion["id"]
    assert [t["id"] for t in documents["recommandations"]["themes"]] == [
        "prevenir", "controler", "detecter", "reagir", "reconstruire"]


def test_a_broken_content_file_is_refused_whole(tmp_path, settings, db):
    import shutil

    from kits.services.loader import ContentError

    shutil.copytree(content.root(), tmp_path / "content")
    path = tmp_path / "content" / "retex" / "recommandations-v1.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("criterion: CC-01", "criterion: XX-99", 1),
                    encoding="utf-8")
    settings.BASE_DIR = tmp_path
    with pytest.raises(ContentError, match="XX-99"):
        content.load_retex_content()


def test_overdue_and_done_actions(ended, rssi_nantes, ars_pdl, ars_bretagne):
    from retex.services import plan

    _validated(ended, rssi_nantes)
    action = Action.objects.filter(establishment=ended.establishment).first()
    plan.do_update_action(rssi_nantes, action, due_date=timezone.localdate() - dt.timedelta(days=1))
    assert plan.visible_actions(ars_pdl).filter(plan.overdue_q()).filter(pk=action.pk).exists()
    assert not plan.visible_actions(ars_bretagne).exists()
    with pytest.raises(PermissionDenied):
        plan.do_update_action(ars_pdl, action, status=ActionStatus.DONE, evidence="x")
    with pytest.raises(ValidationError, match="preuve"):
        plan.do_update_action(rssi_nantes, action, status=ActionStatus.DONE)
    plan.do_update_action(rssi_nantes, action, status=ActionStatus.DONE, evidence="Procédure signée le 3/11")
    action.refresh_from_db()
    assert action.done_at == timezone.localdate() and not action.is_overdue(timezone.localdate())
    assert set(plan.followed_criteria(ended.establishment)) == {
        c for a in Action.objects.exclude(pk=action.pk) for c in a.criteria}


def test_demo_seed_plays_and_validates_last_years_exercise(directory, kits):
    from django.core.management import call_command

    from retex.services import plan

    call_command("seed_demo_retex", stdout=io.StringIO())
    retex = Retex.objects.get(exercise__title__startswith="Exercice de crise cyber 2025")
    assert retex.is_validated and retex.exercise.is_over
    actions = Action.objects.filter(exercise=retex.exercise)
    assert actions.filter(plan.overdue_q()).count() == 1 and actions.filter(status=ActionStatus.DONE).count() == 1
    call_command("seed_demo_retex", stdout=io.StringIO())  # idempotent
    assert Retex.objects.count() == 1
