"""The one place where access is decided.

Every list, detail page, export and API endpoint that shows user data goes through `restrict()` or
`get_visible_or_404()`. A model declares `scope_path`, the path from it to its Establishment ("" for
Establishment itself); objects outside the user's scope do not exist for that user (404, never 403).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from accounts.roles import (
    ASSESSMENT_EDITOR_ROLES,
    CONTENT_MANAGER_ROLES,
    EXERCISE_PREPARER_ROLES,
    ROLE_SCOPE,
    SECOND_FACTOR_ROLES,
    Role,
    ScopeKind,
)

_CACHE_ATTR = "_care_scope"
_EMBARGO_ATTR = "_care_embargo"


@dataclass(frozen=True)
class Scope:
    national: bool = False
    regions: frozenset[str] = frozenset()
    ghts: frozenset[str] = frozenset()
    establishments: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    # (role, scope kind, target id) triples, for ability checks
    grants: frozenset[tuple[str, str, str]] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (self.national or self.regions or self.ghts or self.establishments)

    @property
    def is_steering(self) -> bool:
        return self.national or bool(self.regions or self.ghts)

    def establishment_q(self, prefix: str = "") -> Q:
        if self.national:
            return Q()
        q = Q(pk__in=[])
        if self.regions:
            q |= Q(**{f"{prefix}region_id__in": sorted(self.regions)})
        if self.ghts:
            q |= Q(**{f"{prefix}ght_id__in": sorted(self.ghts)})
        if self.establishments:
            key = f"{prefix}pk__in" if prefix else "pk__in"
            q |= Q(**{key: sorted(self.establishments)})
        return q


EMPTY = Scope()


def scope_of(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    national = False
    regions, ghts, establishments, roles, grants = set(), set(), set(), set(), set()
    for role, region, ght, establishment in user.role_assignments.values_list(
        "role", "region_id", "ght_id", "establishment_id"
    ):
        kind = ROLE_SCOPE.get(role)
        roles.add(role)
        if kind == ScopeKind.NATIONAL:
            national = True
            grants.add((role, kind, ""))
        elif kind == ScopeKind.REGION and region:
            regions.add(region)
            grants.add((role, kind, region))
        elif kind == ScopeKind.GHT and ght:
            ghts.add(ght)
            grants.add((role, kind, ght))
        elif kind == ScopeKind.ESTABLISHMENT and establishment:
            establishments.add(establishment)
            grants.add((role, kind, establishment))
    scope = Scope(national, frozenset(regions), frozenset(ghts), frozenset(establishments),
                  frozenset(roles), frozenset(grants))
    setattr(user, _CACHE_ATTR, scope)
    return scope


def _prefix(model: type[Model]) -> str:
    path = getattr(model, "scope_path", None)
    if path is None:
        raise TypeError(f"{model.__name__} ne déclare pas scope_path : impossible de le filtrer par périmètre.")
    return f"{path}__" if path else ""


def restrict(user, queryset: QuerySet) -> QuerySet:
    """The part of `queryset` that `user` may see: their structures' objects, and for models declaring
    `member_path` (an exercise), the objects they were made a member of."""
    scope = scope_of(user)
    prefix = _prefix(queryset.model)
    member_path = getattr(queryset.model, "member_path", None)
    member_q = Q(**{member_path: user}) if member_path and user is not None and user.is_authenticated else None
    if scope.national:
        return queryset
    if scope.is_empty:
        return queryset.filter(member_q).distinct() if member_q is not None else queryset.none()
    q = scope.establishment_q(prefix)
    if member_q is not None:
        return queryset.filter(pk__in=queryset.filter(q | member_q).values("pk"))
    return queryset.filter(q)


def get_visible_or_404(user, queryset: QuerySet, **lookup) -> Model:
    try:
        return restrict(user, queryset).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def visible_regions(user) -> QuerySet:
    from organisations.models import Region

    scope = scope_of(user)
    if scope.national:
        return Region.objects.all()
    establishments = restrict(user, _establishments())
    return Region.objects.filter(
        Q(code__in=scope.regions) | Q(code__in=establishments.values("region_id"))
    ).distinct()


def visible_ghts(user) -> QuerySet:
    from organisations.models import Ght

    scope = scope_of(user)
    if scope.national:
        return Ght.objects.all()
    return Ght.objects.filter(
        Q(region_id__in=scope.regions) | Q(code__in=scope.ghts)
        | Q(code__in=restrict(user, _establishments()).exclude(ght=None).values("ght_id"))
    ).distinct()


def _establishments() -> QuerySet:
    from organisations.models import Establishment

    return Establishment.objects.all()


# --- abilities ---------------------------------------------------------------------------------

def _holds(scope: Scope, roles: set[str], kind: str, target: str | None) -> bool:
    return any(r in roles and k == kind and t == (target or "") for r, k, t in scope.grants)


def can_edit_assessment(user, establishment) -> bool:
    return _holds(scope_of(user), ASSESSMENT_EDITOR_ROLES, ScopeKind.ESTABLISHMENT, establishment.pk)


def can_manage_ght_membership(user, establishment) -> bool:
    scope = scope_of(user)
    if Role.NATIONAL in scope.roles:
        return True
    return _holds(scope, {Role.ARS_REFERENT, Role.GRADES_REFERENT}, ScopeKind.REGION, establishment.region_id)


def can_manage_campaign(user, region) -> bool:
    """A regional campaign is run by the region's ARS or GRADeS referents, or the national team."""
    scope = scope_of(user)
    if Role.NATIONAL in scope.roles:
        return True
    return _holds(scope, {Role.ARS_REFERENT, Role.GRADES_REFERENT}, ScopeKind.REGION, region.pk)


def can_see_steering(user) -> bool:
    return scope_of(user).is_steering


def requires_second_factor(user) -> bool:
    return bool(scope_of(user).roles & SECOND_FACTOR_ROLES)


def editable_establishments(user) -> QuerySet:
    """Establishments whose self-assessment the user may fill."""
    ids = [t for r, k, t in scope_of(user).grants if k == ScopeKind.ESTABLISHMENT and r in ASSESSMENT_EDITOR_ROLES]
    return _establishments().filter(pk__in=ids)


# --- exercises ---------------------------------------------------------------------------------
# An exercise member has exactly one role in it (animation team, observer, player); that role comes first:
# a player or an observer never reads the animator kit before the end, whatever their other roles.

def is_content_manager_for(user, establishment) -> bool:
    """National team, and ARS / GRADeS referents of the establishment's region (regional content managers)."""
    scope = scope_of(user)
    if Role.NATIONAL in scope.roles:
        return True
    return _holds(scope, CONTENT_MANAGER_ROLES, ScopeKind.REGION, establishment.region_id)


def can_read_library_animator_kits(user, kit=None) -> bool:
    """Regional and national content managers read the library's animator kits and chronogrammes, except (when
    `kit` is given) those of a kit under their embargo. Without `kit`: whether they may read some of them."""
    if not scope_of(user).roles & (CONTENT_MANAGER_ROLES | {Role.NATIONAL}):
        return False
    return kit is None or kit.pk not in animator_embargo(user).kits


def can_prepare_exercise_for(user, establishment) -> bool:
    scope = scope_of(user)
    return (_holds(scope, EXERCISE_PREPARER_ROLES, ScopeKind.ESTABLISHMENT, establishment.pk)
            or (establishment.ght_id is not None and _holds(scope, {Role.GHT_REFERENT}, ScopeKind.GHT,
                                                            establishment.ght_id))
            or is_content_manager_for(user, establishment))


def preparable_establishments(user) -> QuerySet:
    scope = scope_of(user)
    if Role.NATIONAL in scope.roles:
        return _establishments()
    q = Q(pk__in=[t for r, k, t in scope.grants if k == ScopeKind.ESTABLISHMENT and r in EXERCISE_PREPARER_ROLES])
    q |= Q(ght_id__in=[t for r, k, t in scope.grants if k == ScopeKind.GHT and r == Role.GHT_REFERENT])
    q |= Q(region_id__in=[t for r, k, t in scope.grants if k == ScopeKind.REGION and r in CONTENT_MANAGER_ROLES])
    return _establishments().filter(q)


def exercise_role(user, exercise) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    cache = exercise.__dict__.setdefault("_care_member_role", {})
    if user.pk not in cache:
        cache[user.pk] = exercise.members.filter(user=user).values_list("role", flat=True).first()
    return cache[user.pk]


def can_manage_exercise(user, exercise) -> bool:
    """Prepare and run it: the animation team, and content managers who are not playing or observing it.
    Running an exercise shows its whole scenario, so nobody does it while under embargo for its kit or overlays
    (see `animator_embargo`), not even its own animation team."""
    role = exercise_role(user, exercise)
    allowed = role == Role.ANIMATOR if role is not None else is_content_manager_for(user, exercise.establishment)
    return allowed and not is_embargoed(user, exercise)


def can_read_animator_kit(user, exercise) -> bool:
    """Animator kit, chronogramme and stimuli: the animation team; everyone who sees the exercise once it is over;
    never someone under embargo for its kit or overlays (a player of another exercise on them, not yet over).
    The caller has already obtained `exercise` through restrict()/get_visible_or_404()."""
    if exercise.is_over:
        return not is_embargoed(user, exercise)
    return can_manage_exercise(user, exercise)


# --- the animator embargo ------------------------------------------------------------------------
# Whoever plays or observes an exercise that is not over (neither ended nor cancelled) must not read its scenario
# by another route: not through a sibling exercise on the same kit (any version of it, even one they animate or
# one that is over), not through another exercise using one of its context overlays, not through the kit library,
# and they may not prepare an exercise from that kit. Animating an exercise puts nobody under embargo; the embargo
# lifts when the exercise ends or is cancelled.

# exercises.Status values, spelled out here: accounts is below exercises (core/tests/test_layering.py)
_NOT_OVER_EXCLUDED = ("ended", "cancelled")


@dataclass(frozen=True)
class Embargo:
    kits: frozenset[int] = frozenset()  # Kit ids (every version of a kit is the same secret)
    overlays: frozenset[str] = frozenset()  # Overlay slugs (every version, too)

    def __bool__(self) -> bool:
        return bool(self.kits or self.overlays)

    def covers(self, exercise) -> bool:
        if not self:
            return False
        if exercise.kit_version.kit_id in self.kits:
            return True
        return any(o.get("slug") in self.overlays for o in exercise.overlays or () if isinstance(o, dict))


NO_EMBARGO = Embargo()


def animator_embargo(user) -> Embargo:
    """The kits and overlays whose animator material `user` may not read anywhere: those of the exercises they
    play or observe that are not over. One query, cached on the user object (like `scope_of`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_EMBARGO
    cached = getattr(user, _EMBARGO_ATTR, None)
    if cached is not None:
        return cached
    kits: set[int] = set()
    overlays: set[str] = set()
    rows = (user.exercise_memberships.filter(role__in=(Role.PLAYER, Role.OBSERVER))
            .exclude(exercise__status__in=_NOT_OVER_EXCLUDED)
            .values_list("exercise__kit_version__kit_id", "exercise__overlays"))
    for kit_id, applied in rows:
        kits.add(kit_id)
        overlays.update(o["slug"] for o in applied or () if isinstance(o, dict) and o.get("slug"))
    embargo = Embargo(frozenset(kits), frozenset(overlays)) if kits or overlays else NO_EMBARGO
    setattr(user, _EMBARGO_ATTR, embargo)
    return embargo


def is_embargoed(user, exercise) -> bool:
    """Whether the animator material of `exercise` (its kit, its overlays) is under `user`'s embargo."""
    return animator_embargo(user).covers(exercise)


def embargoed_kit_ids(user) -> frozenset[int]:
    """Kits `user` may not prepare an exercise from, nor read the animator kit of, for now."""
    return animator_embargo(user).kits


# --- RETEX and improvement plan ---------------------------------------------------------------

def can_read_retex(user, exercise, retex) -> bool:
    """The animation team while it is written; everyone who sees the exercise once it is validated, except someone
    under embargo for its kit or overlays (the report's timeline lists the stimuli)."""
    if retex is not None and retex.is_validated:
        return not is_embargoed(user, exercise)
    return exercise.is_over and can_manage_exercise(user, exercise)


def own_establishments(user) -> QuerySet:
    """The establishments the user holds a role in (not those seen through a GHT, a region or the nation)."""
    return _establishments().filter(
        pk__in=[t for _r, k, t in scope_of(user).grants if k == ScopeKind.ESTABLISHMENT])


def can_update_improvement_plan(user, establishment) -> bool:
    """The establishment's own people update its plan; the region and the nation read it."""
    return any(k == ScopeKind.ESTABLISHMENT and t == establishment.pk for _r, k, t in scope_of(user).grants)


# --- continuity (PCRA) --------------------------------------------------------------------------

def can_edit_continuity(user, establishment) -> bool:
    """The establishment's director, RSSI/DSI and PCA lead write its PCRA; a GHT referent writes those of the
    GHT's establishments; the region and the nation read."""
    scope = scope_of(user)
    return (_holds(scope, EXERCISE_PREPARER_ROLES, ScopeKind.ESTABLISHMENT, establishment.pk)
            or (establishment.ght_id is not None
                and _holds(scope, {Role.GHT_REFERENT}, ScopeKind.GHT, establishment.ght_id)))


def continuity_establishments(user) -> QuerySet:
    """Where the user may start a PCRA project."""
    scope = scope_of(user)
    q = Q(pk__in=[t for r, k, t in scope.grants if k == ScopeKind.ESTABLISHMENT and r in EXERCISE_PREPARER_ROLES])
    q |= Q(ght_id__in=[t for r, k, t in scope.grants if k == ScopeKind.GHT and r == Role.GHT_REFERENT])
    return _establishments().filter(q)


def navigation_for(user, path: str) -> list[dict]:
    if user is None or not user.is_authenticated:
        return []
    scope = scope_of(user)
    items = [{"label": "Accueil", "link": reverse("core:home")},
             {"label": "Exercices", "link": reverse("exercises:list")}]
    if not scope.is_empty:
        items.append({"label": "Kits", "link": reverse("kits:library")})
    if not scope.is_empty:
        items.append({"label": "Plan d'amélioration", "link": reverse("retex:plan")})
        items.append({"label": "Continuité (PCRA)", "link": reverse("continuity:list")})
    if scope.establishments:
        items.append({"label": "Autoévaluation", "link": reverse("maturity:my_assessments")})
    if scope.is_steering:
        items.append({"label": "Pilotage", "link": reverse("steering:obligation")})
        items.append({"label": "Maturité du périmètre", "link": reverse("maturity:overview")})
    if scope.establishments:
        items.append({"label": "Mes résultats", "link": reverse("steering:my_results")})
    if not scope.is_empty:
        items.append({"label": "Annuaire", "link": reverse("organisations:list")})
    for item in items:
        item["is_active"] = item["link"] == path or (item["link"] != "/" and path.startswith(item["link"]))
    return items
