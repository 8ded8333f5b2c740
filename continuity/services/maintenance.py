"""Keeping the PCRA alive: published versions (frozen snapshots), review dates and reminders, evaluations of the
plan against its grid, and the RETEX actions that change its sections."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import RoleAssignment
from accounts.roles import Role
from continuity.models import PlanEvaluation, PlanVersion, Project, SectionLink
from continuity.services import content
from continuity.services.bia import Invalid, analyse, require_editor
from retex.models import OPEN_STATUSES, Action, ActionStatus

REMIND_DAYS_BEFORE = 30


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def snapshot(project: Project) -> dict:
    """What a published version freezes: the plan's sections, the BIA and the contacts."""
    analysis = analyse(project)
    return {
        "title": project.title,
        "sections": {f: getattr(project, f) for f in ("alert_procedure", "activation_criteria", "activation_authority",
                                                      "scope", "scenario")},
        "resources": [{"code": r.code, "name": r.name, "kind": r.kind, "restore_hours": r.restore_hours,
                       "backup_every_hours": r.backup_every_hours, "depends_on": r.dependency_codes}
                      for r in analysis.resources],
        "processes": [{"code": p.code, "name": p.name, "category": p.category, "criticality": p.criticality,
                       "activity_share": p.activity_share, "dmia_hours": p.dmia_hours, "pdma_hours": p.pdma_hours,
                       "impacts": p.impacts, "depends_on": p.dependency_codes, "bia_status": p.bia_status,
                       "degraded": [p.degraded_who, p.degraded_when, p.degraded_what, p.degraded_where,
                                    p.degraded_how, p.degraded_return]}
                      for p in analysis.processes],
        "contacts": [[c.function, c.name, c.phone, c.backup_phone, c.email] for c in project.contacts.all()],
        "order": [s.code for s in analysis.plan.steps],
    }


def _digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def changes_since_last_version(project: Project) -> list[str]:
    """Human-readable list of what changed since the last published version (empty when nothing did)."""
    last = project.versions.first()
    if last is None:
        return ["Aucune version publiée."]
    now = snapshot(project)
    before = last.snapshot
    changes = []
    for key, label in (("sections", "textes du plan"), ("contacts", "annuaire de crise"),
                       ("order", "ordre de reprise")):
        if now[key] != before.get(key):
            changes.append(f"Modification : {label}")
    for key, label in (("resources", "ressource"), ("processes", "processus")):
        old = {x["code"]: x for x in before.get(key, [])}
        new = {x["code"]: x for x in now[key]}
        changes += [f"Ajout de {label} : {new[c]['name']}" for c in sorted(set(new) - set(old))]
        changes += [f"Suppression de {label} : {old[c]['name']}" for c in sorted(set(old) - set(new))]
        changes += [f"Modification de {label} : {new[c]['name']}" for c in sorted(set(new) & set(old))
                    if new[c] != old[c]]
    return changes


@transaction.atomic
def do_publish_version(user, project: Project, note: str) -> PlanVersion:
    require_editor(user, project)
    note = (note or "").strip()
    if not note:
        raise Invalid({"note": "Décrivez les modifications de cette version."})
    data = snapshot(project)
    digest = _digest(data)
    last = project.versions.select_for_update().first()
    if last is not None and last.digest == digest:
        raise Invalid({"note": "Rien n'a changé depuis la version " f"{last.number}."})
    version = PlanVersion.objects.create(project=project, number=(last.number + 1) if last else 1, note=note,
                                         snapshot=data, digest=digest, published_by=user)
    today = timezone.localdate()
    project.next_review_on = add_months(today, project.review_every_months)
    project.reminder_sent_on = None
    project.save()
    return version


@transaction.atomic
def do_set_review(user, project: Project, data: dict) -> Project:
    require_editor(user, project)
    errors = {}
    try:
        months = int(data.get("review_every_months") or project.review_every_months)
        if not 1 <= months <= 36:
            raise ValueError
    except ValueError:
        errors["review_every_months"] = "Entre 1 et 36 mois."
        months = project.review_every_months
    next_review = project.next_review_on
    if data.get("next_review_on"):
        try:
            next_review = dt.date.fromisoformat(str(data["next_review_on"]))
        except ValueError:
            errors["next_review_on"] = "Date attendue (AAAA-MM-JJ)."
    if errors:
        raise Invalid(errors)
    if next_review != project.next_review_on:
        project.reminder_sent_on = None
    project.review_every_months, project.next_review_on = months, next_review
    project.save()
    return project


def review_state(project: Project, today: dt.date | None = None) -> str:
    """« a_planifier » (no date), « en_retard », « bientot » (within 30 days) or « a_jour »."""
    today = today or timezone.localdate()
    if project.next_review_on is None:
        return "a_planifier"
    if project.next_review_on < today:
        return "en_retard"
    if project.next_review_on <= today + dt.timedelta(days=REMIND_DAYS_BEFORE):
        return "bientot"
    return "a_jour"


def send_review_reminders(today: dt.date | None = None) -> int:
    """E-mails the PCA leads (else the directors) of projects whose review is due within 30 days or overdue,
    once per review date. Returns the number of projects reminded."""
    today = today or timezone.localdate()
    due = (Project.objects.filter(next_review_on__lte=today + dt.timedelta(days=REMIND_DAYS_BEFORE),
                                  reminder_sent_on__isnull=True).select_related("establishment"))
    count = 0
    for project in due:
        recipients = list(RoleAssignment.objects.filter(establishment=project.establishment, role=Role.PCA_LEAD)
                          .values_list("user__email", flat=True)) or list(
            RoleAssignment.objects.filter(establishment=project.establishment, role=Role.DIRECTOR)
            .values_list("user__email", flat=True))
        if not recipients:
            continue
        late = project.next_review_on < today
        send_mail(
            f"[CaRE] Revue du PCRA « {project.title} » {'en retard' if late else 'à prévoir'}",
            f"La revue du plan de continuité et de reprise d'activité « {project.title} » "
            f"({project.establishment.name}) est prévue le {project.next_review_on:%d/%m/%Y}.\n\n"
            "Vérifiez les annuaires, les délais de restauration et les modes dégradés, intégrez les actions de RETEX "
            "réalisées, puis publiez une nouvelle version du plan sur la plateforme.",
            settings.DEFAULT_FROM_EMAIL, recipients)
        Project.objects.filter(pk=project.pk).update(reminder_sent_on=today)
        count += 1
    return count


# --- evaluation of the plan -------------------------------------------------------------------------

def grid() -> dict:
    return content.current("grille")


@transaction.atomic
def do_save_evaluation(user, project: Project, data: dict) -> PlanEvaluation:
    require_editor(user, project)
    document = grid()
    errors = {}
    scores = {}
    for section in document["sections"]:
        for criterion in section["criteria"]:
            raw = str(data.get(criterion["id"], "") or "")
            if raw not in {"0", "1", "2", "3"}:
                errors[criterion["id"]] = "Cotez de 0 à 3."
            else:
                scores[criterion["id"]] = int(raw)
    try:
        day = dt.date.fromisoformat(str(data.get("evaluated_on") or timezone.localdate().isoformat()))
    except ValueError:
        errors["evaluated_on"] = "Date attendue (AAAA-MM-JJ)."
        day = None
    if errors:
        raise Invalid(errors)
    return PlanEvaluation.objects.create(project=project, grid=document["_ref"], evaluated_on=day, scores=scores,
                                         evaluator=(data.get("evaluator") or "").strip()[:200],
                                         comments=(data.get("comments") or "").strip())


def evaluation_summary(evaluation: PlanEvaluation) -> list[dict]:
    """Per section of the grid: mean score out of 3 and the weakest criteria."""
    rows = []
    for section in grid()["sections"]:
        values = [evaluation.scores.get(c["id"]) for c in section["criteria"]]
        values = [v for v in values if v is not None]
        rows.append({"title": section["title"], "mean": round(sum(values) / len(values), 1) if values else None,
                     "weak": [c["title"] for c in section["criteria"] if evaluation.scores.get(c["id"], 0) <= 1]})
    return rows


# --- RETEX actions that change the plan --------------------------------------------------------------

def sections(project: Project) -> list[tuple[str, str]]:
    """(code, title) of the plan's sections an action may change: the template's and one per process."""
    items = [(s["id"], s["title"]) for s in content.current("trame")["sections"]]
    items += [(f"processus-{code}", f"Fiche de mode dégradé : {name}")
              for code, name in project.processes.values_list("code", "name")]
    return items


def linkable_actions(project: Project) -> QuerySet:
    return Action.objects.filter(establishment=project.establishment).order_by("status", "due_date", "pk")


@transaction.atomic
def do_link_action(user, project: Project, action_id, section: str) -> SectionLink:
    require_editor(user, project)
    action = linkable_actions(project).filter(pk=action_id).first() if str(action_id).isdigit() else None
    errors = {}
    if action is None:
        errors["action"] = "Action inconnue pour cet établissement."
    if section not in dict(sections(project)):
        errors["section"] = "Section du plan inconnue."
    if errors:
        raise Invalid(errors)
    link, _ = SectionLink.objects.get_or_create(project=project, action=action, section=section)
    return link


@transaction.atomic
def do_unlink(user, link: SectionLink) -> None:
    require_editor(user, link.project)
    link.delete()


def sections_to_revise(project: Project) -> list[dict]:
    """Sections changed by RETEX actions done since the last published version (or ever, if none)."""
    last = project.versions.first()
    since = last.published_at.date() if last else None
    titles = dict(sections(project))
    result = []
    for link in project.section_links.select_related("action").order_by("section", "pk"):
        action = link.action
        if action.status == ActionStatus.DONE and (since is None or (action.done_at or since) >= since):
            result.append({"section": titles.get(link.section, link.section), "action": action})
    return result


def open_links(project: Project) -> list[SectionLink]:
    return [link for link in project.section_links.select_related("action") if link.action.status in OPEN_STATUSES]
