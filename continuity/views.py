"""PCRA pages: projects, framing and guided path, BIA (processes, resources), gaps and recovery order, contacts,
maintenance, and the plan's documents. Thin: parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_safe

from accounts import access
from continuity.models import (
    DIMENSION_LABELS,
    DIMENSIONS,
    HORIZON_LABELS,
    HORIZONS,
    IMPACT_LABELS,
    BiaStatus,
    Contact,
    Process,
    ProcessCategory,
    Project,
    ProjectScope,
    Resource,
    ResourceKind,
)
from continuity.services import bia, content, gantt, maintenance
from continuity.services.bia import Invalid
from continuity.services.document import hours
from core.confirmation import REFUSAL, is_confirmed

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _project(request, pk) -> Project:
    return access.get_visible_or_404(request.user, Project.objects.select_related("establishment"), pk=pk)


def _editable(request, pk) -> Project:
    """A project the user may change; others get a 404 (the region reads, it never writes)."""
    project = _project(request, pk)
    if not access.can_edit_continuity(request.user, project.establishment):
        raise Http404
    return project


def _crumbs(project: Project | None, current: str) -> dict:
    links = [{"url": "/continuite/", "title": "Continuité (PCRA)"}]
    if project is not None:
        links.append({"url": f"/continuite/{project.pk}/", "title": project.title})
    return {"links": links, "current": current}


def _base(request, project: Project, current: str, **extra) -> dict:
    return {"title": f"{current} · {project.title}", "project": project, "breadcrumb_data": _crumbs(project, current),
            "can_edit": access.can_edit_continuity(request.user, project.establishment), **extra}


@login_required
@require_http_methods(["GET", "POST"])
def project_list(request):
    establishments = access.continuity_establishments(request.user).order_by("name")
    errors, posted = {}, {}
    if request.method == "POST":
        posted = request.POST
        establishment = establishments.filter(pk=request.POST.get("establishment", "")).first()
        if establishment is None:
            errors["establishment"] = "Choisissez un établissement dont vous pouvez rédiger le PCRA."
        else:
            try:
                project = bia.do_create_project(request.user, establishment, title=request.POST.get("title", ""),
                                                scope_kind=request.POST.get("scope_kind", ProjectScope.ESTABLISHMENT),
                                                example=request.POST.get("example", ""))
            except Invalid as exc:
                errors = exc.errors
            else:
                messages.success(request, "Projet PCRA créé.")
                return redirect("continuity:project", project.pk)
    projects = list(access.restrict(request.user, Project.objects.select_related("establishment")))
    today = timezone.localdate()
    for project in projects:
        project.review_state = maintenance.review_state(project, today)
    return render(request, "continuity/list.html", {
        "title": "Continuité et reprise d'activité (PCRA)", "projects": projects, "establishments": establishments,
        "examples": content.examples(), "scopes": ProjectScope.choices, "errors": errors, "posted": posted,
        "breadcrumb_data": {"links": [], "current": "Continuité (PCRA)"}}, status=400 if errors else 200)


@login_required
@require_safe
def project_detail(request, pk):
    project = _project(request, pk)
    analysis = bia.analyse(project)
    steps = content.current("parcours")["steps"]
    progress = [(s, len(project.path_progress.get(s["id"], [])), len(s["checklist"])) for s in steps]
    return render(request, "continuity/project.html", _base(
        request, project, "Projet", analysis=analysis, progress=progress,
        review_state=maintenance.review_state(project), versions=project.versions.all()[:1],
        to_revise=maintenance.sections_to_revise(project)))


@login_required
@require_http_methods(["GET", "POST"])
def framing(request, pk):
    project = _project(request, pk)
    errors = {}
    if request.method == "POST":
        project = _editable(request, pk)
        try:
            bia.do_update_project(request.user, project, request.POST)
        except Invalid as exc:
            errors = exc.errors
        else:
            messages.success(request, "Cadrage enregistré.")
            return redirect("continuity:framing", project.pk)
    return render(request, "continuity/framing.html", _base(
        request, project, "Cadrage", errors=errors, help=content.current("parcours")["framing_template"]),
        status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def guided_path(request, pk):
    project = _project(request, pk)
    if request.method == "POST":
        project = _editable(request, pk)
        try:
            index = int(request.POST.get("index", "-1"))
        except ValueError:
            index = -1
        try:
            bia.do_tick(request.user, project, request.POST.get("step", ""), index, request.POST.get("checked") == "1")
        except Invalid as exc:
            messages.error(request, " ".join(exc.errors.values()))
        return redirect(f"{request.path}#{request.POST.get('step', '')}")
    document = content.current("parcours")
    steps = [{**s, "ticked": set(project.path_progress.get(s["id"], []))} for s in document["steps"]]
    return render(request, "continuity/path.html", _base(request, project, "Parcours guidé", steps=steps,
                                                          mission=document["mission_sheet"]))


@login_required
@require_safe
def bia_overview(request, pk):
    project = _project(request, pk)
    analysis = bia.analyse(project)
    gap_count = {}
    for gap in analysis.gaps:
        gap_count[gap.process] = gap_count.get(gap.process, 0) + 1
    for process in analysis.processes:
        process.gap_count = gap_count.get(process.code, 0)
    return render(request, "continuity/bia.html", _base(request, project, "Bilan d'impact (BIA)", analysis=analysis))


def _process_form_context(request, project, process, errors, data) -> dict:
    resources = list(project.resources.all())
    chosen = ({int(x) for x in data.getlist("depends_on") if x.isdigit()} if hasattr(data, "getlist")
              else set(process.depends_on.values_list("pk", flat=True)) if process and process.pk else set())
    impacts = process.impacts if process and process.impacts else {}
    if hasattr(data, "getlist"):
        impacts = {h: {d: data.get(f"impact-{h}-{d}", "0") for d in DIMENSIONS} for h in HORIZONS}
    matrix = [{"key": d, "label": DIMENSION_LABELS[d],
               "cells": [{"name": f"impact-{h}-{d}", "value": str(impacts.get(h, {}).get(d, 0))} for h in HORIZONS]}
              for d in DIMENSIONS]
    return _base(request, project, process.name if process and process.pk else "Nouveau processus",
                 process=process, errors=errors, data=data, resources=resources, chosen=chosen, matrix=matrix,
                 horizons=[HORIZON_LABELS[h] for h in HORIZONS], levels=sorted(IMPACT_LABELS.items()),
                 categories=ProcessCategory.choices, statuses=BiaStatus.choices)


def _delete_or_save(request, project: Project, item, save, message: str, ending: str):
    """The POST of a process or resource form: delete it, or save it through the service. Returns the redirect to the
    BIA, or the refusal (the form is shown again with what was typed)."""
    if request.POST.get("delete") == "1" and item is not None:
        if not is_confirmed(request.POST):  # irreversible: asked in a modal (confirmation=oui)
            messages.error(request, f"{REFUSAL} « {item.name} » n'est pas supprimé{ending}.")
            return redirect(request.path)
        bia.do_delete(request.user, item)
        messages.success(request, message.format(item.name, "supprimé" + ending))
        return redirect("continuity:bia", project.pk)
    payload = {k: request.POST.get(k) for k in request.POST} | {"depends_on": request.POST.getlist("depends_on")}
    try:
        item = save(request.user, project, item, payload)
    except Invalid as exc:
        return exc
    messages.success(request, message.format(item.name, "enregistré" + ending))
    return redirect("continuity:bia", project.pk)


@login_required
@require_http_methods(["GET", "POST"])
def process_edit(request, pk, process_pk=None):
    project = _project(request, pk)
    process = None
    if process_pk is not None:
        process = access.get_visible_or_404(request.user, Process.objects.filter(project=project), pk=process_pk)
    errors, data = {}, {}
    if request.method == "POST":
        project = _editable(request, pk)
        done = _delete_or_save(request, project, process, bia.do_save_process, "Processus « {} » {}.", "")
        if not isinstance(done, Invalid):
            return done
        errors, data = done.errors, request.POST
    return render(request, "continuity/process_form.html",
                  _process_form_context(request, project, process, errors, data), status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request, pk, resource_pk=None):
    project = _project(request, pk)
    resource = None
    if resource_pk is not None:
        resource = access.get_visible_or_404(request.user, Resource.objects.filter(project=project), pk=resource_pk)
    errors, data = {}, {}
    if request.method == "POST":
        project = _editable(request, pk)
        done = _delete_or_save(request, project, resource, bia.do_save_resource, "Ressource « {} » {}.", "e")
        if not isinstance(done, Invalid):
            return done
        errors, data = done.errors, request.POST
    others = [r for r in project.resources.all() if resource is None or r.pk != resource.pk]
    if data:
        chosen = {int(x) for x in data.getlist("depends_on") if x.isdigit()}
    else:
        chosen = set(resource.depends_on.values_list("pk", flat=True)) if resource else set()
    return render(request, "continuity/resource_form.html", _base(
        request, project, resource.name if resource else "Nouvelle ressource", resource=resource, errors=errors,
        data=data, others=others, chosen=chosen, kinds=ResourceKind.choices), status=400 if errors else 200)


@login_required
@require_safe
def analysis(request, pk):
    project = _project(request, pk)
    result = bia.analyse(project)
    chart = gantt.layout([(f"{s.rank}. {s.name}", s.start_hours, s.ready_hours, s.max_criticality)
                          for s in result.plan.steps])
    resumptions = sorted(((p, result.plan.resumptions.get(p.code)) for p in result.processes),
                         key=lambda pr: (-(pr[1].degraded_hours or 0) if pr[1] and pr[1].resume_hours is not None
                                         else float("-inf"), pr[0].name))
    return render(request, "continuity/analysis.html", _base(
        request, project, "Écarts et ordre de reprise", analysis=result, resumptions=resumptions,
        horizon=hours(result.plan.horizon_hours), svg=None if chart.empty else gantt.svg_context(chart),
        grouped_gaps=[(p, result.gaps_of(p.code)) for p in result.processes if result.gaps_of(p.code)]))


@login_required
@require_http_methods(["GET", "POST"])
def contacts(request, pk):
    project = _project(request, pk)
    errors = {}
    if request.method == "POST":
        project = _editable(request, pk)
        contact = None
        if request.POST.get("contact"):
            contact = access.get_visible_or_404(request.user, Contact.objects.filter(project=project),
                                                pk=request.POST["contact"])
        if contact is not None and request.POST.get("delete") == "1":
            if is_confirmed(request.POST):  # irreversible: asked in a modal (confirmation=oui)
                bia.do_delete(request.user, contact)
                messages.success(request, f"Contact « {contact.function} » supprimé de l'annuaire.")
            else:
                messages.error(request, f"{REFUSAL} Le contact « {contact.function} » n'est pas supprimé.")
            return redirect("continuity:contacts", project.pk)
        try:
            bia.do_save_contact(request.user, project, contact, request.POST)
        except Invalid as exc:
            errors = exc.errors
        else:
            messages.success(request, "Annuaire de crise enregistré.")
            return redirect("continuity:contacts", project.pk)
    return render(request, "continuity/contacts.html", _base(request, project, "Annuaire de crise", errors=errors,
                                                              contacts=project.contacts.all()),
                  status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def maintenance_page(request, pk):
    project = _project(request, pk)
    errors = {}
    if request.method == "POST":
        project = _editable(request, pk)
        action = request.POST.get("action")
        try:
            if action == "publish":
                version = maintenance.do_publish_version(request.user, project, request.POST.get("note", ""))
                messages.success(request, f"Version {version.number} publiée.")
            elif action == "review":
                maintenance.do_set_review(request.user, project, request.POST)
                messages.success(request, "Calendrier de revue enregistré.")
            elif action == "link":
                maintenance.do_link_action(request.user, project, request.POST.get("action_id", ""),
                                           request.POST.get("section", ""))
                messages.success(request, "Action rattachée à la section du plan.")
            elif action == "unlink":
                link = access.get_visible_or_404(request.user, project.section_links.all(),
                                                 pk=request.POST.get("link") or 0)
                maintenance.do_unlink(request.user, link)
            else:
                raise Http404
        except Invalid as exc:
            errors = exc.errors
        else:
            return redirect("continuity:maintenance", project.pk)
    evaluations = list(project.evaluations.all())
    return render(request, "continuity/maintenance.html", _base(
        request, project, "Maintien en condition", errors=errors, versions=project.versions.all(),
        changes=maintenance.changes_since_last_version(project), review_state=maintenance.review_state(project),
        evaluations=evaluations, latest=maintenance.evaluation_summary(evaluations[0]) if evaluations else None,
        sections=maintenance.sections(project),
        actions=maintenance.linkable_actions(project).only("pk", "title", "status", "due_date"),
        links=project.section_links.select_related("action"), to_revise=maintenance.sections_to_revise(project)),
        status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_new(request, pk):
    project = _project(request, pk)
    errors = {}
    if request.method == "POST":
        project = _editable(request, pk)
        try:
            maintenance.do_save_evaluation(request.user, project, request.POST)
        except Invalid as exc:
            errors = exc.errors
        else:
            messages.success(request, "Évaluation du plan enregistrée.")
            return redirect("continuity:maintenance", project.pk)
    return render(request, "continuity/evaluation.html", _base(
        request, project, "Évaluation du plan", grid=maintenance.grid(), errors=errors, data=request.POST,
        today=timezone.localdate()), status=400 if errors else 200)


def _filename(project: Project, extension: str) -> str:
    return f"pcra-{slugify(project.establishment.name)[:40]}-{timezone.localdate():%Y%m%d}.{extension}"


@login_required
@require_safe
def document(request, pk, fmt):
    project = _project(request, pk)
    if fmt == "pdf":
        from continuity.services.plan_pdf import render_pdf

        response = HttpResponse(render_pdf(project), content_type="application/pdf")
    elif fmt == "docx":
        from continuity.services.plan_docx import render_docx

        response = HttpResponse(render_docx(project), content_type=DOCX)
    elif fmt == "html":
        from continuity.services.plan_html import render_html

        response = HttpResponse(render_html(project), content_type="text/html; charset=utf-8")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{_filename(project, fmt)}"'
    return response


@login_required
@require_safe
def lexicon(request):
    return render(request, "continuity/lexicon.html", {
        "title": "Lexique PCRA", "lexicon": content.current("lexique"),
        "breadcrumb_data": _crumbs(None, "Lexique")})
