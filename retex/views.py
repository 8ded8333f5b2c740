"""RETEX pages (hot debrief, the team's workbench, the report) and the improvement plan. Thin: parse, call a
service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import access
from core.confirmation import require_confirmation
from exercises.views import visible_exercise
from organisations.models import Establishment
from retex.models import Action, ActionStatus, Priority, Recommendation, Retex, Theme
from retex.services import debrief, plan, workflow
from retex.services.analysis import milestones_for, ratings_by_criterion
from retex.services.plan_export import plan_workbook
from retex.services.report import report_docx, report_pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _retex_of(exercise) -> Retex | None:
    return Retex.objects.filter(exercise=exercise).first()


@login_required
@require_safe
def hub(request, pk):
    exercise = visible_exercise(request, pk)
    team = access.can_manage_exercise(request.user, exercise)
    retex = _retex_of(exercise)
    if team and exercise.is_over and retex is None:
        retex = workflow.do_open(request.user, exercise)
    if not (access.can_read_retex(request.user, exercise, retex) or debrief.can_answer(request.user, exercise)):
        raise Http404
    context = {"title": "RETEX", "exercise": exercise, "retex": retex, "team": team and exercise.is_over,
               "can_read": access.can_read_retex(request.user, exercise, retex),
               "can_answer": debrief.can_answer(request.user, exercise),
               "own_response": debrief.own_response(request.user, exercise),
               "breadcrumb_data": {"links": [{"url": "/exercices/", "title": "Exercices"},
                                             {"url": f"/exercices/{exercise.pk}/", "title": exercise.title}],
                                   "current": "RETEX"}}
    if context["team"]:
        context.update(workflow.workbench(retex))
    if retex is not None and retex.is_validated:
        context["outcome"] = workflow.plan_outcome(retex)
    return render(request, "retex/hub.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def hot_debrief(request, pk):
    exercise = visible_exercise(request, pk)
    if not debrief.can_answer(request.user, exercise):
        raise Http404
    role = access.exercise_role(request.user, exercise)
    existing = debrief.own_response(request.user, exercise)
    values = dict(request.POST.items()) if request.method == "POST" else (existing.answers if existing else {})
    errors = {}
    if request.method == "POST":
        try:
            debrief.do_answer(request.user, exercise, request.POST)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            messages.success(request, "Merci : votre RETEX à chaud est enregistré.")
            return redirect("retex:hub", pk=pk)
    return render(request, "retex/debrief.html", {
        "title": "RETEX à chaud", "exercise": exercise, "items": debrief.form_items(role, values, errors),
        "intro": workflow.content.debrief()["intro"], "general_errors": errors.get("__all__", [])})


@login_required
@require_POST
def team_action(request, pk):
    """Every form of the team's RETEX workbench posts here with an `action`."""
    exercise = visible_exercise(request, pk)
    if not access.can_manage_exercise(request.user, exercise):
        raise Http404
    retex = _retex_of(exercise) or workflow.do_open(request.user, exercise)
    action = request.POST.get("action")
    post = request.POST
    try:
        if action == "consolidate":
            ids = [row.criterion["id"] for row in ratings_by_criterion(exercise)]
            workflow.do_save_consolidation(request.user, retex, {i: post.get(f"value-{i}", "") for i in ids},
                                           {i: post.get(f"comment-{i}", "") for i in ids})
            messages.success(request, "Notes consolidées enregistrées.")
        elif action == "milestones":
            workflow.do_save_milestones(request.user, retex, {
                m["id"]: post.get(f"milestone-{m['id']}", "") or (
                    f"min:{post.get('minutes-' + m['id'])}" if post.get(f"minutes-{m['id']}") else "")
                for m in milestones_for(exercise)})
            messages.success(request, "Jalons enregistrés.")
        elif action == "texts":
            workflow.do_save_texts(request.user, retex, context=post.get("context", ""),
                                   strengths=post.get("strengths", ""), improvements=post.get("improvements", ""))
            messages.success(request, "Textes enregistrés.")
        elif action == "generate":
            created = workflow.do_generate_recommendations(request.user, retex)
            messages.success(request, f"Préconisations calculées ({len(created)} nouvelle(s)).")
        elif action == "recommendation":
            rec = Recommendation.objects.filter(retex=retex, pk=post.get("recommendation")).first()
            if rec is None:
                raise ValidationError("Préconisation inconnue.")
            workflow.do_update_recommendation(request.user, rec, selected=post.get("selected") == "1",
                                              priority=post.get("priority", ""))
        elif action == "add_recommendation":
            workflow.do_add_recommendation(request.user, retex, title=post.get("title", ""),
                                           text=post.get("text", ""), priority=post.get("priority", ""),
                                           theme=post.get("theme", ""), criterion=post.get("criterion", ""))
            messages.success(request, "Préconisation ajoutée.")
        elif action == "paper":
            role = post.get("role", "")
            debrief.do_enter_paper(request.user, exercise, respondent=post.get("respondent", ""), role=role,
                                   raw={k: v for k, v in post.items() if k.startswith("Q-")})
            messages.success(request, "Questionnaire papier enregistré.")
        elif action == "validate":
            require_confirmation(post)
            outcome = workflow.do_validate(request.user, retex)
            messages.success(request, f"RETEX validé : {len(outcome.created)} action(s) créée(s) et "
                                      f"{len(outcome.renewed)} action(s) encore ouverte(s) renouvelée(s) au plan "
                                      "d'amélioration.")
        elif action == "reopen":
            workflow.do_reopen(request.user, retex)
            messages.info(request, "RETEX rouvert pour correction.")
        else:
            raise ValidationError("Action inconnue.")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("retex:hub", pk=pk)


def _readable_retex(request, pk) -> Retex:
    exercise = visible_exercise(request, pk)
    retex = _retex_of(exercise)
    if retex is None or not access.can_read_retex(request.user, exercise, retex):
        raise Http404
    return retex


@login_required
@require_safe
def report_pdf_view(request, pk):
    retex = _readable_retex(request, pk)
    response = HttpResponse(report_pdf(retex), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="retex-{slugify(retex.exercise.title)}.pdf"'
    return response


@login_required
@require_safe
def report_docx_view(request, pk):
    retex = _readable_retex(request, pk)
    response = HttpResponse(report_docx(retex), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="retex-{slugify(retex.exercise.title)}.docx"'
    return response


# --- improvement plan ------------------------------------------------------------------------------------------------

def _filtered_actions(request):
    actions = plan.visible_actions(request.user)
    filters = {k: request.GET.get(k, "") for k in ("etablissement", "etat", "theme", "priorite", "retard", "q")}
    if filters["etablissement"]:
        actions = actions.filter(establishment_id=filters["etablissement"])
    if filters["etat"] == "ouvertes":
        actions = actions.filter(status__in=[ActionStatus.TODO, ActionStatus.DOING])
    elif filters["etat"] in ActionStatus.values:
        actions = actions.filter(status=filters["etat"])
    if filters["theme"] in Theme.values:
        actions = actions.filter(theme=filters["theme"])
    if filters["priorite"] in Priority.values:
        actions = actions.filter(priority=filters["priorite"])
    if filters["retard"] == "1":
        actions = actions.filter(plan.overdue_q())
    if filters["q"]:
        actions = actions.filter(title__icontains=filters["q"])
    return actions.order_by("due_date", "pk"), filters


@login_required
@require_safe
def plan_list(request):
    actions, filters = _filtered_actions(request)
    page = Paginator(actions.annotate(renewal_count=Count("renewals")), 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    visible = plan.visible_actions(request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "retex/plan_list.html", {
        "title": "Plan d'amélioration", "page": page, "filters": filters, "today": today,
        "statuses": ActionStatus.choices, "themes": Theme.choices, "priorities": Priority.choices,
        "establishments": access.restrict(request.user, Establishment.objects.filter(
            pk__in=visible.values("establishment_id"))).order_by("name"),
        "counts": {"open": visible.filter(status__in=[ActionStatus.TODO, ActionStatus.DOING]).count(),
                   "overdue": visible.filter(plan.overdue_q(today)).count(),
                   "done": visible.filter(status=ActionStatus.DONE).count(),
                   "renewed": visible.filter(status__in=[ActionStatus.TODO, ActionStatus.DOING],
                                             renewals__isnull=False).distinct().count()},
        "querystring": query.urlencode(), "breadcrumb_data": {"current": "Plan d'amélioration"}})


@login_required
@require_http_methods(["GET", "POST"])
def action_detail(request, action_pk):
    action = access.get_visible_or_404(request.user, Action.objects.select_related("establishment", "exercise"),
                                       pk=action_pk)
    can_edit = access.can_update_improvement_plan(request.user, action.establishment)
    if request.method == "POST":
        if not can_edit:
            raise Http404
        try:
            plan.do_update_action(request.user, action, **{k: request.POST.get(k, "") for k in (
                "title", "description", "owner", "due_date", "priority", "status", "theme", "evidence")})
            if request.FILES.get("evidence_file"):
                plan.do_attach_evidence(request.user, action, request.FILES["evidence_file"])
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            action.refresh_from_db()
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, "Action mise à jour.")
            return redirect("retex:action", action_pk=action.pk)
    return render(request, "retex/action.html", {
        "title": action.title, "action": action, "renewals": action.renewals.select_related("retex"),
        "can_edit": can_edit, "statuses": ActionStatus.choices,
        "themes": Theme.choices, "priorities": Priority.choices, "overdue": action.is_overdue(timezone.localdate()),
        "breadcrumb_data": {"links": [{"url": "/plan/", "title": "Plan d'amélioration"}], "current": action.title}})


@login_required
@require_http_methods(["GET", "POST"])
def action_create(request):
    establishments = list(access.own_establishments(request.user).order_by("name"))
    if not establishments:
        raise Http404
    if request.method == "POST":
        establishment = next((e for e in establishments if e.pk == request.POST.get("establishment")), None)
        if establishment is None:
            raise Http404
        try:
            action = plan.do_add_action(request.user, establishment, **{k: request.POST.get(k, "") for k in (
                "title", "description", "owner", "due_date", "priority", "theme")})
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, "Action ajoutée au plan.")
            return redirect("retex:action", action_pk=action.pk)
    return render(request, "retex/action_create.html", {
        "title": "Nouvelle action", "establishments": establishments, "themes": Theme.choices,
        "priorities": Priority.choices, "values": request.POST,
        "breadcrumb_data": {"links": [{"url": "/plan/", "title": "Plan d'amélioration"}],
                            "current": "Nouvelle action"}})


@login_required
@require_safe
def action_evidence(request, action_pk):
    action = access.get_visible_or_404(request.user, Action.objects.all(), pk=action_pk)
    if not action.evidence_file:
        raise Http404
    return FileResponse(action.evidence_file.open("rb"), as_attachment=True,
                        filename=action.evidence_name or action.evidence_file.name.rsplit("/", 1)[-1])


@login_required
@require_safe
def plan_xlsx(request):
    actions, _ = _filtered_actions(request)
    response = HttpResponse(plan_workbook(list(actions)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="plan-amelioration-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@login_required
@require_safe
def plan_pdf(request):
    from retex.services.plan_export import plan_pdf as build

    actions, _ = _filtered_actions(request)
    response = HttpResponse(build(list(actions)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="plan-amelioration-{timezone.localdate():%Y%m%d}.pdf"'
    return response
