from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.confirmation import require_confirmation
from exercises.forms import AcceptInvitationForm, MemberForm
from exercises.models import Member
from exercises.services import preparation as service
from exercises.services.communication import send_invitation
from exercises.views import managed_exercise


def _invite(request, member, token: str) -> None:
    """Sends the personal link to the invitee only: never shown on screen, so that only the owner of the address can
    use it (the animator could otherwise create the invitee's account with a password of his choice)."""
    link = request.build_absolute_uri(reverse("exercises:invitation", args=[token]))
    send_invitation(member.exercise, member, link)


@login_required
@require_http_methods(["GET", "POST"])
def members(request, pk):
    exercise = managed_exercise(request, pk)
    data = service.exercise_kit(exercise)
    form = MemberForm(request.POST or None, cell_roles=data.meta["cell_roles"])
    if request.method == "POST" and form.is_valid():
        try:
            member, token = service.do_add_member(request.user, exercise, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            _invite(request, member, token)
            messages.success(request, f"{member.full_name} ajouté(e) ; invitation envoyée à {member.email} "
                                      f"(lien personnel valable {settings.CARE_INVITATION_DAYS} jours).")
            return redirect("exercises:members", pk=pk)
    roles = {r["id"]: r["label"] for r in data.meta["cell_roles"]}
    rows = [{"member": m, "cell_role_label": roles.get(m.cell_role, ""), "remove_modal": f"confirm-remove-{m.pk}",
             "invitation_expired": service.invitation_expired(m),
             "removal_text": f"{m.full_name} ({m.email}) n'aura plus accès à l'exercice et son lien d'invitation ne "
                             "fonctionnera plus ; pour le réintégrer, il faudra l'inviter de nouveau."}
            for m in exercise.members.select_related("user")]
    covered = {m.cell_role for m in exercise.members.all() if m.cell_role}
    return render(request, "exercises/members.html", {
        "title": "Participants", "exercise": exercise, "form": form, "rows": rows,
        "uncovered_roles": [label for rid, label in roles.items() if rid not in covered],
        "invitation_days": settings.CARE_INVITATION_DAYS,
    })


@login_required
@require_POST
def member_action(request, pk, member_pk):
    exercise = managed_exercise(request, pk)
    member = get_object_or_404(Member, exercise=exercise, pk=member_pk)
    try:
        if request.POST.get("action") == "remove":
            require_confirmation(request.POST)
            service.do_remove_member(request.user, member)
            messages.success(request, f"{member.full_name} retiré(e) de l'exercice.")
        else:
            _invite(request, member, service.do_renew_invitation(request.user, member))
            messages.success(request, f"Nouvelle invitation envoyée à {member.email} (l'ancien lien ne fonctionne "
                                      f"plus ; le nouveau est valable {settings.CARE_INVITATION_DAYS} jours).")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("exercises:members", pk=pk)


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    member = service.member_for_token(token)
    if member is None:
        return render(request, "exercises/invitation_invalid.html", {
            "title": "Invitation", "expired": service.token_expired(token)}, status=404)
    from django.contrib.auth import get_user_model

    has_account = get_user_model().objects.filter(email__iexact=member.email).exists()
    if request.user.is_authenticated:
        try:
            service.do_accept_invitation(member, request.user)
        except PermissionDenied:
            return render(request, "exercises/invitation_invalid.html", {
                "title": "Invitation", "wrong_account": True, "email": member.email}, status=403)
        messages.success(request, f"Bienvenue dans l'exercice « {member.exercise.title} ».")
        return redirect("exercises:detail", pk=member.exercise_id)
    if has_account:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    form = AcceptInvitationForm(request.POST or None, initial={"full_name": member.full_name})
    if request.method == "POST" and form.is_valid():
        user = service.do_create_invited_account(member, form.cleaned_data["full_name"],
                                                 form.cleaned_data["password"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Compte créé. Voici votre exercice.")
        return redirect("exercises:detail", pk=member.exercise_id)
    return render(request, "exercises/invitation.html", {"title": "Invitation", "member": member, "form": form})
