from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import access
from core.confirmation import require_confirmation
from exercises.forms import ExerciseForm, LogisticsForm
from exercises.models import Exercise, Status
from exercises.services import preparation as service
from exercises.services import roles
from exercises.services.recommendation import recommend
from exercises.views import managed_exercise, visible_exercise
from kits.services.documents import stimuli_view
from kits.services.library import published_kits
from retex.services.plan import open_actions


@login_required
@require_safe
def exercise_list(request):
    exercises = (access.restrict(request.user, Exercise.objects.all())
                 .select_related("establishment", "kit_version__kit").annotate(member_count=Count("members")))
    preparable = access.preparable_establishments(request.user)
    return render(request, "exercises/list.html", {
        "title": "Exercices de crise", "exercises": exercises, "can_prepare": preparable.exists(),
        "breadcrumb_data": {"current": "Exercices"},
    })


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    preparable = access.preparable_establishments(request.user).select_related("region", "ght").order_by("name")
    finess = request.GET.get("etablissement") or request.POST.get("etablissement")
    establishment = preparable.filter(pk=finess).first() if finess else None
    if establishment is None and preparable.count() == 1:
        establishment = preparable.first()
    embargo = access.embargoed_kit_ids(request.user)  # kits of exercises the user plays: never offered
    published = list(published_kits())
    kits = [k for k in published if k.pk not in embargo]
    embargoed = [k for k in published if k.pk in embargo]
    context = {"title": "Préparer un exercice", "establishment": establishment,
               "breadcrumb_data": {"links": [{"url": "/exercices/", "title": "Exercices"}],
                                   "current": "Préparer un exercice"}}
    if establishment is None:
        context["establishments"] = preparable[:300]
        context["establishment_count"] = preparable.count()
        return render(request, "exercises/choose_establishment.html", context)
    recommendation = recommend(establishment)
    initial = {"kit": recommendation.kit.slug if recommendation.kit else "", "contexts": recommendation.contexts}
    form = ExerciseForm(request.POST or None, kits=kits, embargoed=embargoed, initial=initial)
    if request.method == "POST" and form.is_valid():
        kit = next(k for k in kits if k.slug == form.cleaned_data["kit"])
        try:
            exercise = service.do_create_exercise(
                request.user, establishment, kit, contexts=form.cleaned_data["contexts"],
                scheduled_start=form.cleaned_data["scheduled_start"], place=form.cleaned_data["place"],
                title=form.cleaned_data["title"], duration_minutes=form.cleaned_data["duration_minutes"],
                provider=form.cleaned_data["provider"])
        except (PermissionDenied, ValidationError) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            form.add_error(None, message)
            messages.error(request, message)
        else:
            messages.success(request, "Exercice créé. Renseignez maintenant les variables du kit et invitez les "
                                      "participants.")
            return redirect("exercises:detail", pk=exercise.pk)
    context.update({"form": form, "recommendation": recommendation, "kits": kits,
                    "recommendation_embargoed": bool(recommendation.kit and recommendation.kit.pk in embargo)})
    return render(request, "exercises/create.html", context)


@login_required
@require_safe
def detail(request, pk):
    exercise = visible_exercise(request, pk)
    can_manage = access.can_manage_exercise(request.user, exercise)
    members = list(exercise.members.select_related("user"))
    my_role = access.exercise_role(request.user, exercise)
    context = {
        "title": exercise.title, "exercise": exercise, "can_manage": can_manage,
        "can_read_animator": access.can_read_animator_kit(request.user, exercise), "my_role": my_role,
        "members": members if can_manage else [m for m in members if m.role != "observer" or my_role],
        "stimulus_count": exercise.stimuli.count() if can_manage else None,
        "editable": exercise.status in service.EDITABLE_STATUSES,
        # members answer the hot debrief; others read a validated RETEX, unless its kit is under their embargo
        "retex_link": exercise.is_over and (my_role is not None or not access.is_embargoed(request.user, exercise)),
        "breadcrumb_data": {"links": [{"url": "/exercices/", "title": "Exercices"}], "current": exercise.title},
    }
    if can_manage:
        data = service.exercise_kit(exercise)
        context["missing_variables"] = [v["label"] for v in data.meta["variables"]
                                        if not exercise.variables.get(v["name"])]
        context["dispatch_count"] = exercise.dispatches.count()
        context["coverage"] = roles.role_coverage(exercise, data.meta["cell_roles"], members)
        context["unplayed"] = [line for line in context["coverage"] if not line.played]
        context["players"] = [m for m in members if m.role == "player"]
        context["can_cover"] = bool(context["players"]) and exercise.status in (
            *service.EDITABLE_STATUSES, Status.RUNNING, Status.PAUSED)
        if not exercise.is_over:  # progress since last year: the plan's open actions and the criteria they follow
            context["open_actions"] = list(open_actions(exercise.establishment)[:20])
    return render(request, "exercises/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def logistics(request, pk):
    exercise = managed_exercise(request, pk)
    form = LogisticsForm(request.POST or None, initial={
        "title": exercise.title, "scheduled_start": exercise.scheduled_start, "place": exercise.place,
        "duration_minutes": exercise.duration_minutes, "provider": exercise.provider})
    if request.method == "POST" and form.is_valid():
        try:
            service.do_update_logistics(request.user, exercise, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Informations pratiques enregistrées.")
            return redirect("exercises:detail", pk=pk)
    return render(request, "exercises/form_page.html", {
        "title": "Informations pratiques", "exercise": exercise, "form": form, "submit": "Enregistrer"})


@login_required
@require_POST
def set_status(request, pk):
    exercise = managed_exercise(request, pk)
    status = request.POST.get("status", "")
    try:
        if status == Status.CANCELLED:  # irreversible: asked in a modal (confirmation=oui)
            require_confirmation(request.POST)
        service.do_set_status(request.user, exercise, status)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Exercice : {exercise.get_status_display().lower()}.")
    return redirect("exercises:detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def variables(request, pk):
    exercise = managed_exercise(request, pk)
    data = service.exercise_kit(exercise)
    errors: dict = {}
    values = dict(exercise.variables)
    if request.method == "POST":
        values = {v["name"]: request.POST.get(f"var_{v['name']}", "") for v in data.meta["variables"]}
        try:
            service.do_update_variables(request.user, exercise, values)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Variables enregistrées : l'aperçu ci-dessous est à jour.")
            return redirect("exercises:variables", pk=pk)
    fields = [{**v, "value": values.get(v["name"], ""), "error": errors.get(v["name"])}
              for v in data.meta["variables"]]
    return render(request, "exercises/variables.html", {
        "title": "Variables et aperçu des stimuli", "exercise": exercise, "fields": fields,
        "stimuli": stimuli_view(data, exercise.variables), "editable": exercise.status in service.EDITABLE_STATUSES,
        "status_planned": Status.PLANNED,
    })

