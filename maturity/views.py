from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from core.confirmation import REFUSAL, is_confirmed
from maturity.models import Assessment, Level
from maturity.services import assessments as service
from maturity.services.charts import distribution_svg, theme_bars_svg
from maturity.services.grids import default_grid
from maturity.services.scoring import level_info
from organisations.models import Establishment


@login_required
def my_assessments(request):
    establishments = service.with_latest_level(access.editable_establishments(request.user))
    history = (access.restrict(request.user, Assessment.objects.all())
               .filter(establishment__in=establishments).select_related("establishment", "grid"))
    return render(request, "maturity/my_assessments.html", {
        "title": "Autoévaluation de maturité", "establishments": establishments, "history": history,
        "year": service.current_year(), "grid": default_grid(),
        "breadcrumb_data": {"current": "Autoévaluation"},
    })


@login_required
@require_POST
def start(request, finess):
    establishment = access.get_visible_or_404(request.user, Establishment.objects.all(), pk=finess)
    grid = default_grid()
    if grid is None:
        raise Http404("Aucune grille chargée")
    try:
        assessment = service.do_start_assessment(request.user, establishment, grid)
    except PermissionDenied:
        messages.error(request, "Seuls la direction, le RSSI/DSI et le responsable PCA de l'établissement "
                                "peuvent remplir son autoévaluation.")
        return redirect("maturity:my_assessments")
    if assessment.is_submitted:
        messages.info(request, f"L'autoévaluation {assessment.year} est déjà soumise.")
        return redirect("maturity:detail", pk=assessment.pk)
    return redirect("maturity:edit", pk=assessment.pk)


def _sections(assessment: Assessment, answers: dict, missing: set[str]) -> list[dict]:
    definition = assessment.grid.definition
    sections = []
    for theme in definition["themes"]:
        questions = [
            {**q, "current": answers.get(q["id"]), "missing": q["id"] in missing}
            for q in definition["questions"] if q["theme"] == theme["id"]
        ]
        sections.append({**theme, "questions": questions})
    return sections


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    assessment = access.get_visible_or_404(request.user, Assessment.objects.select_related("establishment", "grid"),
                                           pk=pk)
    if not access.can_edit_assessment(request.user, assessment.establishment):
        raise Http404
    if assessment.is_submitted:
        return redirect("maturity:detail", pk=pk)
    missing: set[str] = set()
    answers = dict(assessment.answers)
    if request.method == "POST":
        posted = {key[2:]: value for key, value in request.POST.items() if key.startswith("q_")}
        if request.POST.get("action") == "submit" and not is_confirmed(request.POST):
            # irreversible: refused without the modal's confirmation; nothing saved, what was typed stays on the page
            answers = {**answers, **posted}
            messages.error(request, f"{REFUSAL} Rien n'a été enregistré : soumettez depuis la fenêtre de confirmation.")
        elif request.POST.get("action") == "submit":
            try:
                service.do_submit(request.user, assessment, posted)
            except ValidationError as exc:
                missing = set(exc.message_dict.get("missing", []))
                answers = dict(assessment.answers)
                messages.error(request, f"{len(missing)} question(s) sans réponse : vos réponses sont enregistrées "
                                        "en brouillon, complétez les questions signalées puis soumettez.")
            else:
                messages.success(request, "Autoévaluation soumise.")
                return redirect("maturity:detail", pk=pk)
        else:
            service.do_save_draft(request.user, assessment, posted)
            messages.success(request, "Brouillon enregistré.")
            return redirect("maturity:edit", pk=pk)
    total = len(assessment.grid.definition["questions"])
    return render(request, "maturity/edit.html", {
        "title": f"Autoévaluation {assessment.year}", "assessment": assessment,
        "sections": _sections(assessment, answers, missing), "answered": len(answers), "total": total,
        "breadcrumb_data": {"links": [{"url": reverse("maturity:my_assessments"), "title": "Autoévaluation"}],
                            "current": assessment.establishment.name},
    })


@login_required
def detail(request, pk):
    assessment = access.get_visible_or_404(
        request.user, Assessment.objects.select_related("establishment__region", "grid", "submitted_by"), pk=pk)
    definition = assessment.grid.definition
    info = level_info(definition, assessment.level) if assessment.is_submitted else {}
    order = [lvl["level"] for lvl in sorted(definition["levels"], key=lambda lvl: lvl["min_percent"])]
    next_level = order[order.index(assessment.level) + 1] if assessment.level in order[:-1] else None
    return render(request, "maturity/detail.html", {
        "title": str(assessment), "assessment": assessment, "info": info,
        "next_level": level_info(definition, next_level) if next_level else None,
        "chart": mark_safe(theme_bars_svg(assessment.theme_scores)),  # noqa: S308 - built from escaped values
        "can_edit": access.can_edit_assessment(request.user, assessment.establishment),
        "breadcrumb_data": {"links": [{"url": reverse("organisations:detail", args=[assessment.establishment_id]),
                                       "title": assessment.establishment.name}],
                            "current": f"Autoévaluation {assessment.year}"},
    })


@login_required
def overview(request):
    if not access.can_see_steering(request.user):
        raise Http404
    region = request.GET.get("region") or None
    year = request.GET.get("annee")
    year = int(year) if year and year.isdigit() else None
    distribution = service.level_distribution(request.user, year=year, region=region)
    establishments = service.with_latest_level(
        access.restrict(request.user, Establishment.objects.exclude(sector="autre"))
    ).exclude(latest_level=None).select_related("region")
    if region:
        establishments = establishments.filter(region_id=region)
    level = request.GET.get("niveau")
    if level in Level.values:
        establishments = establishments.filter(latest_level=level)
    page = Paginator(establishments.order_by("name"), 50).get_page(request.GET.get("page"))
    return render(request, "maturity/overview.html", {
        "title": "Maturité des établissements du périmètre", "distribution": distribution,
        "chart": mark_safe(distribution_svg(distribution["rows"])),  # noqa: S308 - built from escaped values
        "page_obj": page, "regions": access.visible_regions(request.user), "region": region, "year": year,
        "level": level, "levels": Level.choices, "level_labels": dict(Level.choices),
        "breadcrumb_data": {"current": "Maturité du périmètre"},
    })
