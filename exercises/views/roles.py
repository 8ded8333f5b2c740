"""Crisis-cell roles without a player: let a player cover them (preparation page and members page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from exercises.models import Member
from exercises.services import preparation, roles
from exercises.views import managed_exercise


@login_required
@require_POST
def cover(request, pk):
    exercise = managed_exercise(request, pk)
    member = get_object_or_404(Member, exercise=exercise, pk=request.POST.get("member") or 0)
    try:
        roles.do_set_cover(request.user, exercise, member, request.POST.getlist("covers"),
                           preparation.exercise_kit(exercise).meta["cell_roles"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        covered = ", ".join(member.covers) or "aucun autre rôle"
        messages.success(request, f"{member.full_name} tiendra aussi : {covered}.")
    return redirect("exercises:detail", pk=pk)
