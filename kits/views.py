"""The kit library. Public parts for every signed-in user; animator kits and chronogrammes for content managers,
except for a kit they are under embargo for (accounts.access.animator_embargo: they play an exercise on it)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts import access
from core.http import no_store
from core.pdf import pdf_response
from kits.models import EvaluationGrid, Kit, KitLevel, Overlay
from kits.services.chronogramme_xlsx import export_workbook
from kits.services.documents import animator_context, default_values, participant_context
from kits.services.library import kit_data, published_kits, search
from kits.services.rendering import substitute


def _defaults(data) -> dict[str, str]:
    return default_values(data.meta["variables"])


def _kit(slug: str) -> Kit:
    return get_object_or_404(published_kits(), slug=slug)


@login_required
@require_safe
def library(request):
    kits = published_kits()
    level = request.GET.get("niveau", "")
    if level in KitLevel.values:
        kits = kits.filter(level=level)
    query = request.GET.get("q", "").strip()
    found = search(kits, query) if query else list(kits)
    for kit in found:
        kit.summary_text = substitute(kit.current.summary, default_values(kit.current.variables))
    return render(request, "kits/library.html", {
        "title": "Bibliothèque des kits d'exercice", "kits": found, "query": query, "level": level,
        "levels": KitLevel.choices, "overlays": Overlay.objects.order_by("context", "-loaded_at"),
        "breadcrumb_data": {"current": "Kits d'exercice"},
    })


@login_required
@require_safe
def detail(request, slug):
    kit = _kit(slug)
    data = kit_data(kit.current)
    return render(request, "kits/detail.html", {
        "kit": participant_context(data, _defaults(data)), "title": kit.title, "kit_row": kit,
        "version": kit.current,
        "criteria": kit.current.grid.criteria(kit.level),
        "communication": data.communication.get("messages", []),
        "versions": kit.versions.order_by("-loaded_at"),
        "can_read_animator": access.can_read_library_animator_kits(request.user, kit),
        "breadcrumb_data": {"links": [{"url": "/kits/", "title": "Kits d'exercice"}], "current": kit.title},
    })


@login_required
@require_safe
def participant_pdf(request, slug):
    kit = _kit(slug)
    data = kit_data(kit.current)
    context = {"kit": participant_context(data, _defaults(data)), "generated_at": timezone.now(),
               "exercise": None}
    return pdf_response("exercises/pdf/participant_kit.html", context, f"kit-participant-{slug}")


def _animator_kit(request, slug: str) -> Kit:
    """The kit, for a content manager who is not under embargo for it (playing an exercise on it); else 404."""
    if not access.can_read_library_animator_kits(request.user):
        raise Http404
    kit = _kit(slug)
    if not access.can_read_library_animator_kits(request.user, kit):
        raise Http404
    return kit


@login_required
@require_safe
@no_store
def animator(request, slug):
    kit = _animator_kit(request, slug)
    data = kit_data(kit.current)
    return render(request, "kits/animator.html", {
        "animator": animator_context(data, _defaults(data)), "title": f"Kit animateur – {kit.title}",
        "kit_row": kit,
        "criteria": kit.current.grid.criteria(kit.level)})


@login_required
@require_safe
@no_store
def chronogramme_xlsx(request, slug):
    kit = _animator_kit(request, slug)
    data = kit_data(kit.current)
    content = export_workbook(data.stimuli, data.meta, kit.current.grid.criteria())
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="chronogramme-{slug}-v{kit.current.version}.xlsx"'
    return response


@login_required
@require_safe
def grid(request, slug):
    grid_row = EvaluationGrid.objects.filter(slug=slug).order_by("-loaded_at").first()
    if grid_row is None:
        raise Http404
    return render(request, "kits/grid.html", {"title": grid_row.title, "grid": grid_row,
                                              "levels": KitLevel.choices})
