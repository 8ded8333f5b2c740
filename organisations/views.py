from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import access
from maturity.services.assessments import latest_submitted
from organisations.models import Category, Department, Establishment, Ght, Sector
from organisations.services.directory import DirectoryFilters, do_set_ght, search


@login_required
def establishment_list(request):
    filters = DirectoryFilters.from_params(request.GET)
    page = Paginator(search(request.user, filters), 50).get_page(request.GET.get("page"))
    regions = access.visible_regions(request.user)
    return render(request, "organisations/list.html", {
        "title": "Annuaire des structures", "page_obj": page, "filters": filters, "regions": regions,
        "departments": Department.objects.filter(region__in=regions).order_by("code"),
        "ghts": access.visible_ghts(request.user).order_by("short_name"),
        "categories": Category.objects.filter(
            pk__in=access.restrict(request.user, Establishment.objects.all()).values("category_id")
        ).order_by("label"),
        "sectors": Sector.choices, "breadcrumb_data": {"current": "Annuaire"},
    })


@login_required
def establishment_detail(request, finess):
    establishment = access.get_visible_or_404(
        request.user, Establishment.objects.select_related("region", "department", "category", "ght",
                                                            "legal_entity"), pk=finess)
    can_manage = access.can_manage_ght_membership(request.user, establishment)
    return render(request, "organisations/detail.html", {
        "title": establishment.name, "e": establishment, "latest": latest_submitted(establishment),
        "can_manage_ght": can_manage,
        "ght_choices": Ght.objects.filter(region_id=establishment.region_id) if can_manage else [],
        "breadcrumb_data": {"links": [{"url": reverse("organisations:list"), "title": "Annuaire"}],
                            "current": establishment.name},
    })


@login_required
@require_POST
def set_ght(request, finess):
    establishment = access.get_visible_or_404(request.user, Establishment.objects.all(), pk=finess)
    code = request.POST.get("ght") or ""
    ght = Ght.objects.filter(pk=code).first() if code else None
    if code and ght is None:
        raise Http404
    try:
        do_set_ght(request.user, establishment, ght)
    except PermissionDenied:
        raise Http404 from None
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Rattachement au GHT enregistré.")
    return redirect("organisations:detail", finess=finess)
