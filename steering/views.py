"""Steering dashboards (ARS, GRADeS, GHT, national) and an establishment's own results against anonymous peers.
Thin: filters from the query string, figures from services, the same tables for pages and exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_safe

from accounts import access
from organisations.models import Category, Department, Establishment
from organisations.models import Status as LegalStatus
from steering.models import ExternalExercise
from steering.services import charts, declarations, obligation, statistics
from steering.services.exports import to_csv, to_xlsx
from steering.services.obligation import DIMENSIONS, Filters
from steering.services.tables import table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _steering(request) -> Filters:
    if not access.can_see_steering(request.user):
        raise Http404
    return Filters.from_request(request.GET, timezone.localdate().year)


def _common(request, filters: Filters, tab: str) -> dict:
    query = request.GET.copy()
    query.pop("page", None)
    return {"filters": filters, "tab": tab, "years": obligation.selectable_years(request.user),
            # plain tuples for the filter options (hundreds of them: no model instances)
            "regions": access.visible_regions(request.user).order_by("name").values_list("code", "name"),
            "departments": (Department.objects.filter(region__in=access.visible_regions(request.user))
                            if not filters.region else Department.objects.filter(region_id=filters.region))
            .order_by("code").values_list("code", "name"),
            "ghts": access.visible_ghts(request.user).filter(**(
                {"region_id": filters.region} if filters.region else {})).order_by("short_name").values_list(
                "code", "short_name"),
            "categories": Category.objects.exclude(aggregate_code="").values_list(
                "aggregate_code", "aggregate_label").distinct().order_by("aggregate_label"),
            "statuses": LegalStatus.choices, "querystring": query.urlencode(),
            "breadcrumb_data": {"current": "Pilotage"}}


@login_required
@require_safe
def obligation_view(request):
    filters = _steering(request)
    dimension = request.GET.get("par") if request.GET.get("par") in DIMENSIONS else (
        "department" if filters.region else "region")
    departments = obligation.department_rows(request.user, filters, dimension)  # one aggregate for every figure
    rows = obligation.breakdown(request.user, filters, dimension, departments)
    summary = obligation.summary(request.user, filters, departments)
    missing = Paginator(obligation.Counted(obligation.not_exercised(request.user, filters),
                                           summary["total"] - summary["done"]), 50).get_page(request.GET.get("page"))
    return render(request, "steering/obligation.html", {
        **_common(request, filters, "obligation"), "title": "Pilotage : obligation annuelle d'exercice",
        "summary": summary, "rows": rows, "dimension": dimension,
        "dimensions": list(DIMENSIONS.items()), "missing": missing,
        "directory_url": reverse("organisations:list"),
        "chart": mark_safe(charts.rate_bars(rows)),  # noqa: S308 - built from escaped values
        "map": mark_safe(charts.department_map(  # noqa: S308 - built from escaped values
            obligation.breakdown(request.user, filters, "department", departments))),
    })


@login_required
@require_safe
def maturity_view(request):
    filters = _steering(request)
    data = statistics.maturity_distribution(request.user, filters)
    return render(request, "steering/maturity.html", {
        **_common(request, filters, "maturite"), "title": "Pilotage : maturité", "data": data,
        "chart": mark_safe(charts.stacked_levels(data)),  # noqa: S308 - built from escaped values
    })


@login_required
@require_safe
def evaluation_view(request):
    filters = _steering(request)
    return render(request, "steering/evaluation.html", {
        **_common(request, filters, "evaluation"), "title": "Pilotage : évaluation homogène",
        "rows": statistics.evaluation_distribution(request.user, filters)})


@login_required
@require_safe
def plans_view(request):
    filters = _steering(request)
    return render(request, "steering/plans.html", {
        **_common(request, filters, "plans"), "title": "Pilotage : plans d'amélioration",
        "rows": statistics.plan_progress(request.user, filters)})


@login_required
@require_safe
def export(request, name: str, fmt: str):
    filters = _steering(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    try:
        title, header, rows = table(request.user, name, filters)
    except KeyError as exc:
        raise Http404 from exc
    return _download(fmt, f"pilotage-{name}-{filters.year}", title, header, rows)


def _download(fmt: str, filename: str, title: str, header: list[str], rows: list[list]) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(to_csv(header, rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(to_xlsx(title, header, rows), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@login_required
@require_safe
def summary(request):
    """The one-page printable summary of the filtered scope (a region for an ARS, the nation or a region for the
    national team)."""
    from steering.services.summary_pdf import summary_pdf

    filters = _steering(request)
    region = access.visible_regions(request.user).filter(code=filters.region).first() if filters.region else None
    scopes = access.visible_regions(request.user)
    label = (f"régionale {region.name}" if region else "nationale" if access.scope_of(request.user).national
             else "du périmètre" if scopes.count() != 1 else f"régionale {scopes.first().name}")
    response = HttpResponse(summary_pdf(request.user, filters, label), content_type="application/pdf")
    name = f"synthese-{filters.region or 'perimetre'}-{filters.year}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_safe
def my_results(request):
    """An establishment user's own RETEX ratings against the anonymous statistics of its peers."""
    establishments = access.own_establishments(request.user).select_related("category", "region")
    if not establishments:
        raise Http404
    establishment = establishments.filter(pk=request.GET.get("etablissement")).first() or establishments[0]
    year = Filters.from_request(request.GET, timezone.localdate().year).year
    rows = statistics.peer_comparison(establishment, year)
    if request.GET.get("format") in ("csv", "xlsx"):
        return _download(request.GET["format"], f"resultats-{establishment.pk}-{year}", "Mes résultats",
                         ["Critère", "Intitulé", "Ma note", "Région Q1", "Région médiane", "Région Q3", "Région n",
                          "France Q1", "France médiane", "France Q3", "France n"],
                         [[r["id"], r["title"], r["own"], r["regional"]["q1"], r["regional"]["median"],
                           r["regional"]["q3"], r["regional"]["n"], r["national"]["q1"], r["national"]["median"],
                           r["national"]["q3"], r["national"]["n"]] for r in rows])
    return render(request, "steering/my_results.html", {
        "title": "Mes résultats et ceux de mes pairs", "establishment": establishment, "establishments": establishments,
        "year": year, "years": obligation.selectable_years(request.user),
        "rows": rows, "breadcrumb_data": {"current": "Mes résultats"}})


@login_required
@require_http_methods(["GET", "POST"])
def declare(request):
    """Declare an exercise held outside the platform (with its proof), so the annual count is complete."""
    establishments = declarations.declarable_establishments(request.user)
    if not establishments.exists():
        raise Http404
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        establishment = establishments.filter(pk=request.POST.get("establishment")).first()
        if establishment is None:
            raise Http404
        try:
            declarations.do_declare(request.user, establishment, held_on=request.POST.get("held_on", ""),
                                    kit=request.POST.get("kit", ""), level=request.POST.get("level", ""),
                                    provider=request.POST.get("provider", ""), notes=request.POST.get("notes", ""),
                                    proof=request.FILES.get("proof"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, "Exercice déclaré : il compte dans l'obligation annuelle.")
            return redirect("steering:declarations")
    declared = access.restrict(request.user, ExternalExercise.objects.select_related("establishment"))
    return render(request, "steering/declare.html", {
        "title": "Exercices réalisés hors de la plateforme", "establishments": establishments.order_by("name")[:500],
        "declared": declared[:200], "values": values, "levels": ExternalExercise._meta.get_field("level").choices,
        "breadcrumb_data": {"current": "Exercices déclarés"}})


@login_required
@require_safe
def declaration_proof(request, pk: int):
    from django.http import FileResponse

    row = access.get_visible_or_404(request.user, ExternalExercise.objects.all(), pk=pk)
    return FileResponse(row.proof.open("rb"), as_attachment=True, filename=row.proof_name)


# --- regional campaigns --------------------------------------------------------------------------------------------

def _campaign(request, pk: int):
    from steering.services.campaigns import visible_campaigns

    campaign = visible_campaigns(request.user).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


@login_required
@require_http_methods(["GET", "POST"])
def campaigns(request):
    from steering.services import campaigns as service

    if not access.can_see_steering(request.user):
        raise Http404
    regions = service.managed_regions(request.user)
    if request.method == "POST":
        region = regions.filter(code=request.POST.get("region")).first()
        if region is None:
            raise Http404
        try:
            campaign = service.do_create_campaign(request.user, region, year=int(request.POST.get("year") or 0),
                                                  title=request.POST.get("title", ""),
                                                  provider=request.POST.get("provider", ""))
        except (ValidationError, ValueError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            return redirect("steering:campaign", pk=campaign.pk)
    return render(request, "steering/campaigns.html", {
        "title": "Campagnes régionales d'exercices", "campaigns": service.visible_campaigns(request.user),
        "regions": regions, "year": timezone.localdate().year,
        "breadcrumb_data": {"links": [{"url": "/pilotage/", "title": "Pilotage"}], "current": "Campagnes"}})


@login_required
@require_http_methods(["GET", "POST"])
def campaign(request, pk: int):
    from steering.models import CampaignEntry
    from steering.services import campaigns as service

    campaign = _campaign(request, pk)
    can_manage = access.can_manage_campaign(request.user, campaign.region)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "add":
                finess = request.POST.getlist("finess")
                if request.POST.get("department"):
                    finess += list(Establishment.objects.filter(
                        department_id=request.POST["department"], sector="sanitaire").values_list("pk", flat=True))
                added = service.do_add_establishments(request.user, campaign, finess)
                messages.success(request, f"{added} établissement(s) ajouté(s) à la campagne.")
            elif action in ("plan", "remove"):
                entry = CampaignEntry.objects.filter(campaign=campaign, pk=request.POST.get("entry")).first()
                if entry is None:
                    raise Http404
                if action == "plan":
                    service.do_plan_entry(request.user, entry, request.POST.get("planned_on", ""))
                else:
                    service.do_remove_entry(request.user, entry)
            else:
                raise ValidationError("Action inconnue.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("steering:campaign", pk=pk)
    rows, totals = service.progress(campaign)
    if request.GET.get("format") in ("csv", "xlsx"):
        return _download(request.GET["format"], f"campagne-{campaign.pk}", "Campagne",
                         ["FINESS", "Établissement", "Département", "Date prévue (campagne)", "Réalisé",
                          "Prévu le"],
                         [[r["entry"].establishment_id, r["entry"].establishment.name,
                           r["entry"].establishment.department_id, r["entry"].planned_on, "oui" if r["done"] else "non",
                           r["scheduled"]] for r in rows])
    in_campaign = {r["entry"].establishment_id for r in rows}
    return render(request, "steering/campaign.html", {
        "title": campaign.title, "campaign": campaign, "rows": rows, "totals": totals, "can_manage": can_manage,
        "departments": campaign.region.departments.order_by("code"),
        "candidates": Establishment.objects.filter(region=campaign.region, sector="sanitaire").exclude(
            pk__in=in_campaign).order_by("name")[:800] if can_manage else [],
        "breadcrumb_data": {"links": [{"url": "/pilotage/", "title": "Pilotage"},
                                      {"url": "/pilotage/campagnes/", "title": "Campagnes"}],
                            "current": campaign.title}})
