"""Live pages: the animator console, the crisis cell, the observers' grid, and their JSON actions (thin)."""

import json
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts import access
from core.confirmation import require_confirmation
from core.http import no_store
from exercises.models import MemberRole
from exercises.services import roles
from exercises.services.preparation import exercise_kit
from exercises.views import managed_exercise, visible_exercise
from kits.models import Channel
from kits.services.stimuli import format_offset
from live.models import LatePolicy, LiveState, LogKind, LogStatus, Rating
from live.services import cell, control
from live.services.export import live_workbook
from live.services.snapshot import snapshot_for
from retex.services.plan import followed_criteria


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
@no_store
def console(request, pk):
    exercise = managed_exercise(request, pk)
    data = exercise_kit(exercise)
    state = LiveState.objects.filter(exercise=exercise).first()
    deliveries = list(exercise.deliveries.select_related("stimulus").prefetch_related(
        "receipts__member", "replies__author"))
    members = list(exercise.members.all())
    played = roles.played_roles(members)
    role_labels = {r["id"]: r["label"] for r in data.meta["cell_roles"]} | {"cellule": "Toute la cellule"}
    for delivery in deliveries:
        delivery.recipient_labels = [role_labels.get(r, r) for r in delivery.recipients]
        delivery.reaches_nobody = roles.reaches_nobody(delivery.recipients, played)
    previews = control.jump_previews(exercise, state, deliveries) if state else {}
    phases = [{**p, "skipped": previews.get(p["id"], []), "available": p["id"] in previews}
              for p in data.meta["phases"]]
    return render(request, "live/console.html", {
        "title": "Console d'animation", "exercise": exercise, "state": state, "deliveries": deliveries,
        "phases": phases, "actors": data.meta["actors"], "cell_roles": data.meta["cell_roles"],
        "coverage": roles.role_coverage(exercise, data.meta["cell_roles"], members),
        "players": [m for m in members if m.role == MemberRole.PLAYER],
        "story_points": json.dumps([[s["offset"], s["story_time"]] for s in data.stimuli]),
        "late_policies": LatePolicy.choices, "team_log": exercise.log_entries.filter(team=True),
        "channels": Channel.choices,
        "nobody_count": sum(1 for d in deliveries if d.reaches_nobody and d.status != "skipped"),
        "sent_nobody": sum(1 for d in deliveries if d.reaches_nobody and d.status == "sent"),
    })


@login_required
@require_POST
def control_action(request, pk):
    exercise = managed_exercise(request, pk)
    action = request.POST.get("action")
    try:
        if action == "start":
            control.do_start(request.user, exercise, speed=float(request.POST.get("speed", 1) or 1),
                             late_policy=request.POST.get("late_policy", LatePolicy.DELIVER))
        elif action == "pause":
            control.do_pause(request.user, exercise)
        elif action == "resume":
            control.do_resume(request.user, exercise)
        elif action == "stop":
            require_confirmation(request.POST)
            control.do_stop(request.user, exercise)
            messages.success(request, "Exercice terminé (FINEX) : chaque joueur et observateur en est informé.")
        elif action == "speed":
            control.do_set_speed(request.user, exercise, float(request.POST.get("speed", 1)))
        elif action == "jump":
            require_confirmation(request.POST)
            skipped = control.do_jump(request.user, exercise, request.POST.get("phase", ""))
            messages.info(request, f"Phase {request.POST.get('phase')} : " + (
                f"{len(skipped)} stimulus(s) marqué(s) « non joué » : "
                + ", ".join(d.stimulus_code for d in skipped) if skipped else "aucun stimulus sauté."))
        elif action == "reroute":
            row = control.do_reroute(request.user, exercise, _int(request.POST.get("delivery"), 0),
                                     request.POST.getlist("roles"))
            messages.success(request, f"{row.stimulus_code} réorienté.")
        elif action == "cover":
            member = control.do_set_cover(request.user, exercise, _int(request.POST.get("member"), 0),
                                          request.POST.getlist("covers"))
            messages.success(request, f"{member.full_name} reçoit aussi les stimuli de : "
                                      f"{', '.join(member.covers) or 'aucun autre rôle'}.")
        elif action == "add":
            control.do_add_stimulus(request.user, exercise, sender=request.POST.get("sender", ""),
                                    recipients=request.POST.getlist("recipients") or ["cellule"],
                                    channel=request.POST.get("channel", "email"), title=request.POST.get("title", ""),
                                    content=request.POST.get("content", ""), offset=request.POST.get("offset", ""))
        elif action == "answer":
            cell.do_answer_as_actor(request.user, exercise, actor=request.POST.get("actor", ""),
                                    to_roles=request.POST.getlist("to_roles") or ["cellule"],
                                    subject=request.POST.get("subject", ""), body=request.POST.get("body", ""),
                                    channel=request.POST.get("channel", "email"),
                                    delivery_id=_int(request.POST.get("delivery")))
        elif action == "team_log":
            cell.do_log(request.user, exercise, text=request.POST.get("text", ""), team=True)
        else:
            raise ValidationError("Action inconnue.")
    except (ValidationError, ValueError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    anchor = request.POST.get("anchor", "")
    return redirect(reverse("live:console", args=[pk]) + (anchor if re.fullmatch(r"#[\w-]{1,40}", anchor) else ""))


@login_required
@require_POST
def delivery_action(request, pk, delivery_pk):
    exercise = managed_exercise(request, pk)
    action = request.POST.get("action")
    try:
        if action == "trigger":
            control.do_trigger(request.user, exercise, delivery_pk)
        elif action == "skip":
            control.do_skip(request.user, exercise, delivery_pk)
        elif action == "postpone":
            control.do_postpone(request.user, exercise, delivery_pk, _int(request.POST.get("seconds"), 300))
        elif action == "edit":
            control.do_edit_stimulus(request.user, exercise, delivery_pk, title=request.POST.get("title", ""),
                                     content=request.POST.get("content", ""))
        else:
            raise ValidationError("Action inconnue.")
    except ValidationError as exc:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"error": " ".join(exc.messages)}, status=400)
        messages.error(request, " ".join(exc.messages))
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"ok": True})
    return redirect("live:console", pk=pk)


@login_required
def crisis_cell(request, pk):
    exercise = visible_exercise(request, pk)
    member = cell.member_of(request.user, exercise)
    if member is None or member.role != MemberRole.PLAYER:
        raise Http404
    data = exercise_kit(exercise)
    labels = {r["id"]: r["label"] for r in data.meta["cell_roles"]}
    return render(request, "live/cell.html", {
        "title": "Cellule de crise", "exercise": exercise, "member": member,
        "role_label": labels.get(member.cell_role, ""),
        "covered_labels": [labels.get(r, r) for r in member.covers if r != member.cell_role],
        "cell_roles": [r for r in data.meta["cell_roles"] if r["id"] != member.cell_role],
        "role_labels": json.dumps(labels | {"cellule": "Toute la cellule"}),
        "debrief_url": reverse("retex:debrief", args=[exercise.pk]),
        "actors": data.meta["actors"], "log_kinds": LogKind.choices, "log_statuses": LogStatus.choices})


@login_required
def observe(request, pk):
    exercise = visible_exercise(request, pk)
    member = cell.member_of(request.user, exercise)
    if member is None or member.role != MemberRole.OBSERVER:
        raise Http404
    ratings = dict(Rating.objects.filter(exercise=exercise, observer=member).values_list("criterion", "value"))
    followed = followed_criteria(exercise.establishment)  # open actions of the last RETEX: watch them closely
    criteria = [{**c, "current": ratings.get(c["id"], ""), "followed": followed.get(c["id"], [])}
                for c in exercise.kit_version.grid.criteria(exercise.kit.level)]
    return render(request, "live/observe.html", {
        "title": "Grille d'observation", "exercise": exercise, "criteria": criteria,
        "scale": exercise.kit_version.grid.scale, "debrief_url": reverse("retex:debrief", args=[exercise.pk]),
        "observations": _timed(exercise.observations.filter(observer=member).select_related("delivery"))})


def _timed(observations) -> list:
    rows = list(observations)
    for row in rows:
        row.offset_label = format_offset(max(0, int(row.offset)))
    return rows


@login_required
def feed(request, pk):
    """The same snapshot as the WebSocket's, for clients that cannot keep a live connection (polling)."""
    exercise = visible_exercise(request, pk)
    events = snapshot_for(request.user, exercise)
    if events is None:
        raise Http404
    return JsonResponse({"events": events})


@login_required
@require_POST
def cell_action(request, pk):
    exercise = visible_exercise(request, pk)
    action = request.POST.get("action")
    try:
        if action in ("read", "ack"):
            cell.do_receipt(request.user, exercise, _int(request.POST.get("delivery"), 0), acknowledge=action == "ack")
        elif action == "reply":
            to = request.POST.get("to", "") or f"actor:{request.POST.get('to_actor', '')}"
            kind, _, target = to.partition(":")
            cell.do_reply(request.user, exercise, body=request.POST.get("body", ""),
                          delivery_id=_int(request.POST.get("delivery")),
                          to_actor=target if kind == "actor" else "", to_role=target if kind == "role" else "",
                          subject=request.POST.get("subject", ""))
        elif action == "log":
            cell.do_log(request.user, exercise, text=request.POST.get("text", ""),
                        kind=request.POST.get("kind", LogKind.ENTRY), owner=request.POST.get("owner", ""),
                        rationale=request.POST.get("rationale", ""))
        elif action == "action_status":
            cell.do_set_action_status(request.user, exercise, _int(request.POST.get("entry"), 0),
                                      request.POST.get("status", ""))
        elif action == "rate":
            cell.do_rate(request.user, exercise, request.POST.get("criterion", ""), request.POST.get("value", ""))
        elif action == "observe":
            observation = cell.do_observe(request.user, exercise, text=request.POST.get("text", ""),
                                          criterion=request.POST.get("criterion", ""),
                                          delivery_id=_int(request.POST.get("delivery")),
                                          log_entry_id=_int(request.POST.get("log_entry")))
            return JsonResponse({"ok": True, "observation": {
                "id": observation.pk, "criterion": observation.criterion, "text": observation.text,
                "offset": observation.offset,
                "delivery": observation.delivery.stimulus_code if observation.delivery else ""}})
        else:
            raise ValidationError("Action inconnue.")
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"ok": True})


@login_required
@no_store
def export(request, pk):
    """Crisis log, messages, stimuli sent, ratings and observations: the team any time, everyone after the end."""
    exercise = visible_exercise(request, pk)
    if not access.can_read_animator_kit(request.user, exercise):
        raise Http404
    response = HttpResponse(live_workbook(exercise),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="main-courante-{slugify(exercise.title)}.xlsx"'
    return response


