"""Kit documents of an exercise. Participant kit: everyone in the exercise. Animator kit, chronogramme, binder:
the animation team only until the exercise is over (accounts.access.can_read_animator_kit)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_safe

from accounts import access
from core.http import no_store
from core.pdf import pdf_response
from exercises.forms import ChronogrammeImportForm
from exercises.services import preparation as service
from exercises.services.communication import values as exercise_values
from exercises.views import animator_exercise, managed_exercise, visible_exercise
from kits.services.chronogramme_xlsx import MAX_UPLOAD_BYTES, ChronogrammeImportError, export_workbook, import_workbook
from kits.services.documents import animator_context, participant_context


def _participant_context(exercise):
    data = service.exercise_kit(exercise)
    return {"exercise": exercise, "kit": participant_context(data, exercise_values(exercise)),
            "generated_at": timezone.now()}


@login_required
@require_safe
def participant(request, pk):
    exercise = visible_exercise(request, pk)
    return render(request, "exercises/participant_kit.html", {
        **_participant_context(exercise), "title": "Kit participant"})


@login_required
@require_safe
def participant_pdf(request, pk):
    exercise = visible_exercise(request, pk)
    return pdf_response("exercises/pdf/participant_kit.html", _participant_context(exercise),
                        f"kit-participant-{exercise.pk}")


def _animator_context(exercise):
    data = service.exercise_kit(exercise)
    values = exercise_values(exercise)
    return {"exercise": exercise, "kit": participant_context(data, values),
            "animator": animator_context(data, values),
            "grid": exercise.kit_version.grid,
            "criteria": [{**c, "expected_here": c["expected"].get(exercise.kit.level)}
                         for c in exercise.kit_version.grid.criteria(exercise.kit.level)],
            "generated_at": timezone.now()}


@login_required
@require_safe
@no_store
def animator(request, pk):
    exercise = animator_exercise(request, pk)
    return render(request, "exercises/animator_kit.html", {**_animator_context(exercise), "title": "Kit animateur"})


@login_required
@require_safe
@no_store
def animator_pdf(request, pk):
    exercise = animator_exercise(request, pk)
    return pdf_response("exercises/pdf/animator_kit.html", _animator_context(exercise), f"kit-animateur-{exercise.pk}")


@login_required
@require_safe
@no_store
def binder_pdf(request, pk):
    """Everything needed to run the exercise on paper, without the platform."""
    exercise = animator_exercise(request, pk)
    from exercises.services.communication import messages as communication_messages

    context = {**_animator_context(exercise), "messages": communication_messages(exercise),
               "members": exercise.members.all()}
    return pdf_response("exercises/pdf/binder.html", context, f"classeur-exercice-{exercise.pk}")


@login_required
@require_http_methods(["GET", "POST"])
@no_store
def chronogramme(request, pk):
    exercise = animator_exercise(request, pk)
    can_edit = access.can_manage_exercise(request.user, exercise) and exercise.status in service.EDITABLE_STATUSES
    form = ChronogrammeImportForm()
    errors = []
    if request.method == "POST":
        exercise = managed_exercise(request, pk)
        form = ChronogrammeImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD_BYTES:
                errors = ["Fichier trop volumineux (5 Mo au plus)."]
            else:
                data = service.exercise_kit(exercise)
                criteria = {c["id"] for c in exercise.kit_version.grid.criteria()}
                try:
                    stimuli = import_workbook(upload.read(), data.meta, criteria)
                except ChronogrammeImportError as exc:
                    errors = [str(e) for e in exc.errors]
                else:
                    count = service.do_replace_chronogramme(request.user, exercise, stimuli,
                                                            f"import XLSX {upload.name[:40]}")
                    messages.success(request, f"Chronogramme importé : {count} stimuli.")
                    return redirect("exercises:chronogramme", pk=pk)
        if errors:
            messages.error(request, "Import refusé : le chronogramme de l'exercice n'a pas été modifié. "
                                    "Corrigez les erreurs ci-dessous et réimportez le fichier.")
    context = _animator_context(exercise)
    return render(request, "exercises/chronogramme.html", {
        **context, "title": "Chronogramme", "form": form, "import_errors": errors, "can_edit": can_edit and
        not exercise.is_over}, status=400 if errors else 200)


@login_required
@require_safe
@no_store
def chronogramme_xlsx(request, pk):
    exercise = animator_exercise(request, pk)
    data = service.exercise_kit(exercise)
    content = export_workbook(data.stimuli, data.meta, exercise.kit_version.grid.criteria())
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="chronogramme-{slugify(exercise.title)}.xlsx"'
    return response
