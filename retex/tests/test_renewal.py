"""A later RETEX renews the open actions of the plan that answer the same rule and criterion instead of duplicating
them; done or abandoned actions are never reused."""

import datetime as dt

import pytest
from django.utils import timezone

from core.models import AuditEntry
from retex.models import Action, ActionRenewal, ActionStatus, Retex
from retex.services import plan, workflow
from retex.tests.conftest import play


def criteria_ids(exercise):
    return [c["id"] for c in exercise.kit_version.grid.criteria(exercise.kit.level)]


def validate(exercise, user, low: dict[int, str]):
    retex = workflow.do_open(user, exercise)
    ids = criteria_ids(exercise)
    workflow.do_save_consolidation(user, retex, {**dict.fromkeys(ids, "3"), **{ids[i]: v for i, v in low.items()}},
                                   {})
    workflow.do_generate_recommendations(user, retex)
    return Retex.objects.get(pk=retex.pk), workflow.do_validate(user, retex)


@pytest.fixture
def second_exercise(ended, rssi_nantes, player, observer, second_observer):
    """A second exercise of the same establishment, played and ended after the first one."""
    from exercises.models import Member
    from exercises.services import preparation

    establishment = ended.establishment
    again = preparation.do_create_exercise(rssi_nantes, establishment, ended.kit, contexts=["psychiatrie"],
                                           scheduled_start=timezone.now() + dt.timedelta(days=40),
                                           place="Salle de crise")
    again.title = "Exercice de rappel"
    again.save()
    for user, role, cell_role in ((player, "player", "direction"), (observer, "observer", ""),
                                  (second_observer, "observer", "")):
        member, _ = preparation.do_add_member(rssi_nantes, again, email=user.email, full_name=user.email,
                                              role=role, cell_role=cell_role)
        preparation.do_accept_invitation(Member.objects.get(pk=member.pk), user)
    return play(again, rssi_nantes, player, (observer, second_observer))


def test_a_second_retex_renews_open_actions_instead_of_duplicating(ended, second_exercise, rssi_nantes):
    first_retex, first = validate(ended, rssi_nantes, {0: "0", 2: "1"})
    assert first.created and first.renewed == []
    establishment = ended.establishment
    by_rule = {a.rule: a for a in first.created}
    # one action is done, one abandoned: they are closed and must not be reused
    done, dropped, *still_open = first.created
    plan.do_update_action(rssi_nantes, done, status=ActionStatus.DONE, evidence="Fiche diffusée.")
    plan.do_update_action(rssi_nantes, dropped, status=ActionStatus.DROPPED)
    old_due = timezone.localdate() - dt.timedelta(days=3)  # overdue before the second exercise
    for action in still_open:
        plan.do_update_action(rssi_nantes, action, due_date=old_due, status=ActionStatus.DOING)

    second_retex, second = validate(second_exercise, rssi_nantes, {0: "0", 2: "1", 4: "0"})

    renewed_ids = {a.pk for a in second.renewed}
    assert renewed_ids == {a.pk for a in still_open}
    created_rules = {a.rule for a in second.created}
    assert {done.rule, dropped.rule} <= created_rules  # closed actions: a new one is created
    assert not created_rules & {a.rule for a in still_open}
    # no two open actions for the same (criterion, rule)
    seen = set()
    for action in Action.objects.filter(establishment=establishment, status__in=(ActionStatus.TODO,
                                                                                   ActionStatus.DOING)):
        for criterion in action.criteria:
            assert (criterion, action.rule) not in seen
            seen.add((criterion, action.rule))
    total_recs = second_retex.recommendations.filter(selected=True).count()
    assert len(second.created) + len(second.renewed) == total_recs
    for action in still_open:
        action.refresh_from_db()
        rec = second_retex.recommendations.get(rule=action.rule)
        assert action.due_date == timezone.localdate() + dt.timedelta(days=rec.suggested_delay_days)
        assert action.status == ActionStatus.DOING and action.exercise_id == ended.pk  # origin kept
        renewal = action.renewals.get()
        day = timezone.localtime(second_exercise.scheduled_start)
        assert renewal.note == f"Constat renouvelé lors de l'exercice Exercice de rappel du {day:%d/%m/%Y}"
        assert (renewal.retex, renewal.recommendation, renewal.previous_due_date) == (second_retex, rec, old_due)
        assert not action.is_overdue(timezone.localdate())
    assert by_rule[done.rule].status == ActionStatus.DONE  # untouched
    assert not ActionRenewal.objects.filter(action__in=[done, dropped]).exists()
    assert workflow.plan_outcome(second_retex) == {"created": len(second.created), "renewed": len(second.renewed)}
    assert AuditEntry.objects.filter(model_label="retex.ActionRenewal", action="create").count() == len(still_open)
    # reopening and validating again neither renews twice nor duplicates
    workflow.do_reopen(rssi_nantes, second_retex)
    again = workflow.do_validate(rssi_nantes, Retex.objects.get(pk=second_retex.pk))
    assert again.created == [] and again.renewed == []
    assert ActionRenewal.objects.count() == len(still_open)


def test_the_pages_show_created_and_renewed_counts(ended, second_exercise, rssi_nantes, client):
    validate(ended, rssi_nantes, {0: "0"})
    second_retex, second = validate(second_exercise, rssi_nantes, {0: "0", 4: "0"})
    assert second.renewed
    client.force_login(rssi_nantes)
    page = client.get(f"/exercices/{second_exercise.pk}/retex/").content.decode()
    assert "plan-outcome" in page and f"{len(second.created)} action" in page
    assert f"{len(second.renewed)} action{'s' if len(second.renewed) > 1 else ''} encore ouverte" in page
    listing = client.get("/plan/").content.decode()
    assert 'data-testid="renewed"' in listing and "count-renewed" in listing
    detail = client.get(f"/plan/{second.renewed[0].pk}/").content.decode()
    assert "Constat renouvelé lors de l&#x27;exercice Exercice de rappel" in detail
