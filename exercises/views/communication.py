from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from exercises.forms import SendForm
from exercises.services import communication as service
from exercises.views import managed_exercise, visible_exercise


@login_required
@require_http_methods(["GET", "POST"])
def communication(request, pk):
    exercise = managed_exercise(request, pk)
    form = SendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispatch = service.do_send_message(request.user, exercise, request.POST.get("message", ""),
                                               form.cleaned_data["audience"], form.cleaned_data["extra"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"« {dispatch.subject} » envoyé à {len(dispatch.recipients)} destinataire(s).")
            return redirect("exercises:communication", pk=pk)
    sent = {}
    for dispatch in exercise.dispatches.all():
        sent.setdefault(dispatch.message_id, dispatch)
    return render(request, "exercises/communication.html", {
        "title": "Kit communication", "exercise": exercise, "messages_kit": service.messages(exercise),
        "form": form, "sent": sent})


@login_required
@require_safe
def calendar(request, pk):
    exercise = visible_exercise(request, pk)
    response = HttpResponse(service.ics(exercise), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="exercice-{exercise.pk}.ics"'
    return response
