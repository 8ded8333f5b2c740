from django.http import Http404

from accounts import access
from exercises.models import Exercise


def visible_exercise(request, pk: int) -> Exercise:
    return access.get_visible_or_404(
        request.user, Exercise.objects.select_related("establishment", "establishment__region", "establishment__ght",
                                                      "kit_version", "kit_version__kit", "kit_version__grid"), pk=pk)


def managed_exercise(request, pk: int) -> Exercise:
    """The exercise, for its animation team only; anybody else gets a 404 (its existence is not even confirmed)."""
    exercise = visible_exercise(request, pk)
    if not access.can_manage_exercise(request.user, exercise):
        raise Http404
    return exercise


def animator_exercise(request, pk: int) -> Exercise:
    exercise = visible_exercise(request, pk)
    if not access.can_read_animator_kit(request.user, exercise):
        raise Http404
    return exercise
