"""The home page: what is next for the signed-in person. Read-only upward imports, listed in
core/tests/test_layering.py: maturity (levels), exercises (memberships), retex (hot debrief, RETEX to validate,
overdue actions) and steering (the region's obligation rate, from its own service). A fixed number of queries
whatever the number of exercises, actions or regions' establishments (tested)."""

from __future__ import annotations

from django.db.models import Case, Exists, OuterRef, Q, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.roles import EXERCISE_PREPARER_ROLES, Role, ScopeKind
from exercises.models import Exercise, Member, MemberRole, Status
from maturity.services.assessments import current_year, level_distribution, with_latest_level
from retex.models import Action, DebriefResponse, RetexStatus
from retex.services.plan import overdue_q
from steering.services import obligation

LIVE = (Status.RUNNING, Status.PAUSED)
UPCOMING = (Status.RUNNING, Status.PAUSED, Status.PLANNED, Status.DRAFT)
SHOWN = 5  # rows per list; the count says how many there are in all
LIVE_PAGE = {MemberRole.PLAYER: ("live:cell", "Rejoindre la cellule de crise"),
             MemberRole.OBSERVER: ("live:observe", "Ouvrir la grille d'observation"),
             MemberRole.ANIMATOR: ("live:console", "Ouvrir la console d'animation")}


def _next_exercises(user) -> list[dict]:
    """The person's exercises to come or running (running first, then by date), each with the page to open: during
    the exercise the crisis cell, the observers' grid or the console; before it the exercise page (the console for
    the animation team once it is planned)."""
    members = (Member.objects.filter(user=user, exercise__status__in=UPCOMING)
               .select_related("exercise__establishment")
               .order_by(Case(When(exercise__status__in=LIVE, then=0), default=1), "exercise__scheduled_start",
                         "pk")[:SHOWN])
    rows = []
    for member in members:
        exercise = member.exercise
        if exercise.status in LIVE:
            name, label = LIVE_PAGE[member.role]
        elif member.role == MemberRole.ANIMATOR and exercise.status == Status.PLANNED:
            name, label = "live:console", "Ouvrir la console d'animation"
        else:
            name, label = "exercises:detail", "Voir l'exercice"
        rows.append({"exercise": exercise, "role": member.get_role_display(), "live": exercise.status in LIVE,
                     "url": reverse(name, args=[exercise.pk]), "label": label})
    return rows


def _debriefs_to_fill(user) -> list[Member]:
    """Ended exercises of which the person is a member (every role has questions) and has not answered the hot
    debrief yet, while the questionnaire is open (the RETEX not validated)."""
    answered = DebriefResponse.objects.filter(member=OuterRef("pk"))
    return list(Member.objects.filter(user=user, exercise__status=Status.ENDED)
                .exclude(exercise__retex__status=RetexStatus.VALIDATED).exclude(Exists(answered))
                .select_related("exercise").order_by("-exercise__scheduled_start")[:SHOWN])


def _retex_to_validate(user) -> list[Exercise]:
    """Ended exercises whose RETEX is not validated, for their animation team and for the preparers of the
    establishment or its GHT who do not play or observe it (not for the regional and national content managers:
    they may, but it is not theirs to do)."""
    grants = access.scope_of(user).grants
    own = [t for r, k, t in grants if k == ScopeKind.ESTABLISHMENT and r in EXERCISE_PREPARER_ROLES]
    ghts = [t for r, k, t in grants if k == ScopeKind.GHT and r == Role.GHT_REFERENT]
    membership = Member.objects.filter(exercise=OuterRef("pk"), user=user)
    team = Q(Exists(membership.filter(role=MemberRole.ANIMATOR))) | (
        (Q(establishment_id__in=own) | Q(establishment__ght_id__in=ghts))
        & ~Q(Exists(membership.filter(role__in=(MemberRole.PLAYER, MemberRole.OBSERVER)))))
    return list(access.restrict(user, Exercise.objects.filter(status=Status.ENDED))
                .exclude(retex__status=RetexStatus.VALIDATED).filter(team)
                .select_related("establishment").order_by("-scheduled_start")[:SHOWN])


def _overdue_actions(user) -> dict:
    """Overdue actions of the improvement plans of the person's own establishments."""
    actions = Action.objects.filter(overdue_q(), establishment__in=access.own_establishments(user).values("pk"))
    return {"count": actions.count(),
            "rows": list(actions.select_related("establishment").order_by("due_date", "pk")[:SHOWN])}


def _obligation_rates(user, scope) -> list[dict]:
    """For a regional referent: each region's obligation figures of the year, from the steering service itself."""
    if scope.national or not scope.regions:
        return []
    year = timezone.localdate().year
    return [{"region": region, "year": year,
             "summary": obligation.summary(user, obligation.Filters(year=year, region=region.pk))}
            for region in access.visible_regions(user).order_by("name")]


def home(request):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    user = request.user
    scope = access.scope_of(user)
    year = current_year()
    context = {"title": "Accueil", "scope": scope, "year": year, "todo": []}
    editable = with_latest_level(access.editable_establishments(user)).order_by("name")
    for establishment in editable:
        if establishment.latest_year != year:
            context["todo"].append({"text": f"Remplir l'autoévaluation {year} de {establishment.name}",
                                    "url": "maturity:my_assessments"})
    context["my_establishments"] = editable
    if scope.is_steering:
        distribution = level_distribution(user, year=year)
        context["distribution"] = distribution
        if distribution["not_assessed"]:
            context["todo"].append({"text": f"{distribution['not_assessed']} établissement(s) du périmètre sans "
                                            f"autoévaluation en {year}", "url": "maturity:overview"})
    context["regions"] = access.visible_regions(user) if scope.regions else []
    context.update(next_exercises=_next_exercises(user), debriefs=_debriefs_to_fill(user),
                   retex_to_validate=_retex_to_validate(user), overdue=_overdue_actions(user),
                   obligation_rates=_obligation_rates(user, scope))
    return render(request, "core/home.html", context)
