"""For every role, data outside the scope is invisible: 404 on pages, absent from lists and the API."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import access
from accounts.models import RoleAssignment, User
from accounts.roles import ROLE_SCOPE, Role, ScopeKind
from conftest import CH_SAINT_NAZAIRE, CHU_NANTES, CHU_RENNES
from maturity.models import Assessment
from organisations.models import Establishment, Ght, Region

# demo user → (finess they must see, finess that must not exist for them)
MATRIX = {
    "equipe.nationale@care.demo": ([CHU_NANTES, CH_SAINT_NAZAIRE, CHU_RENNES], []),
    "ars.pdl@care.demo": ([CHU_NANTES, CH_SAINT_NAZAIRE], [CHU_RENNES]),
    "grades.pdl@care.demo": ([CHU_NANTES, CH_SAINT_NAZAIRE], [CHU_RENNES]),
    "ars.bretagne@care.demo": ([CHU_RENNES], [CHU_NANTES, CH_SAINT_NAZAIRE]),
    "ght.loire-atlantique@care.demo": ([CHU_NANTES, CH_SAINT_NAZAIRE], [CHU_RENNES]),
    "rssi.chu-nantes@care.demo": ([CHU_NANTES], [CH_SAINT_NAZAIRE, CHU_RENNES]),
    "directeur.chu-nantes@care.demo": ([CHU_NANTES], [CH_SAINT_NAZAIRE, CHU_RENNES]),
    "rssi.chu-rennes@care.demo": ([CHU_RENNES], [CHU_NANTES, CH_SAINT_NAZAIRE]),
}


def expected_scope(user: User):
    qs = Establishment.objects.none()
    for a in user.role_assignments.all():
        if a.role == Role.NATIONAL:
            return Establishment.objects.all()
        qs = qs | Establishment.objects.filter(
            **({"region_id": a.region_id} if a.region_id else {"ght_id": a.ght_id} if a.ght_id
               else {"pk": a.establishment_id}))
    return qs


@pytest.fixture
def with_assessments(directory):
    from maturity.services.grids import default_grid

    grid = default_grid()
    for finess in (CHU_NANTES, CH_SAINT_NAZAIRE, CHU_RENNES):
        Assessment.objects.get_or_create(establishment_id=finess, grid=grid, year=2025,
                                         defaults={"status": "submitted", "level": "debutant", "percent": 20})


@pytest.mark.parametrize("email", sorted(MATRIX))
def test_role_matrix_pages_lists_and_api(email, with_assessments, verified_client):
    user = User.objects.get(email=email)
    client = verified_client(user)
    visible, hidden = MATRIX[email]
    expected = set(expected_scope(user).values_list("pk", flat=True))
    listed = client.get("/annuaire/").context["page_obj"].paginator.count
    assert listed == len(expected)
    api = client.get("/api/v1/etablissements/").json()
    assert api["count"] == len(expected)
    for finess in visible:
        assert client.get(f"/annuaire/{finess}/").status_code == 200
        assert client.get(f"/api/v1/etablissements/{finess}/").status_code == 200
        assessment = Assessment.objects.get(establishment_id=finess, year=2025)
        assert client.get(f"/maturite/{assessment.pk}/").status_code == 200
    for finess in hidden:
        assert client.get(f"/annuaire/{finess}/").status_code == 404
        assert client.get(f"/api/v1/etablissements/{finess}/").status_code == 404
        assessment = Assessment.objects.get(establishment_id=finess, year=2025)
        assert client.get(f"/maturite/{assessment.pk}/").status_code == 404
        assert client.get(f"/api/v1/autoevaluations/{assessment.pk}/").status_code == 404
        assert client.get("/annuaire/", {"q": finess}).context["page_obj"].paginator.count == 0
    api_assessments = {a["establishment"] for a in client.get("/api/v1/autoevaluations/").json()["results"]}
    assert api_assessments <= expected


@pytest.mark.parametrize("email", ["rssi.chu-nantes@care.demo", "ght.loire-atlantique@care.demo"])
def test_steering_page_is_hidden_from_non_regional_roles(email, directory, client):
    client.force_login(User.objects.get(email=email))
    expected = 200 if email.startswith("ght.") else 404
    assert client.get("/maturite/perimetre/").status_code == expected


def test_anonymous_sees_nothing(client, directory):
    assert client.get("/annuaire/").status_code == 302
    assert client.get("/api/v1/etablissements/").status_code == 403


def test_exercise_roles_cannot_be_granted_on_a_structure(make_user, directory):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_user("joueur@example.org", Role.PLAYER, establishment_id=CHU_NANTES)
    with pytest.raises(ValidationError):
        make_user("ars@example.org", Role.ARS_REFERENT, establishment_id=CHU_NANTES)


STRUCTURE_ROLES = [r for r in Role if ROLE_SCOPE[r] != ScopeKind.EXERCISE]


@st.composite
def worlds(draw):
    n_regions = draw(st.integers(1, 3))
    n_ghts = draw(st.integers(0, 3))
    ghts = [(f"G{i}", draw(st.integers(0, n_regions - 1))) for i in range(n_ghts)]
    establishments = []
    for i in range(draw(st.integers(1, 8))):
        region = draw(st.integers(0, n_regions - 1))
        candidates = [g for g, r in ghts if r == region]
        ght = draw(st.sampled_from([None, *candidates]))
        establishments.append((f"{i:09d}", region, ght))
    users = []
    for _ in range(draw(st.integers(1, 4))):
        grants = []
        for _ in range(draw(st.integers(0, 3))):
            role = draw(st.sampled_from(STRUCTURE_ROLES))
            kind = ROLE_SCOPE[role]
            if kind == ScopeKind.REGION:
                grants.append((role, {"region_id": f"R{draw(st.integers(0, n_regions - 1))}"}))
            elif kind == ScopeKind.GHT and ghts:
                grants.append((role, {"ght_id": draw(st.sampled_from(ghts))[0]}))
            elif kind == ScopeKind.ESTABLISHMENT:
                grants.append((role, {"establishment_id": draw(st.sampled_from(establishments))[0]}))
            elif kind == ScopeKind.NATIONAL:
                grants.append((role, {}))
        users.append(grants)
    return n_regions, ghts, establishments, users


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_restrict_matches_the_scope_rules_for_random_users_and_structures(world):
    n_regions, ghts, establishments, users = world
    with transaction.atomic():
        for r in range(n_regions):
            Region.objects.create(code=f"R{r}", name=f"Région {r}", ars_name=f"ARS {r}")
        for code, region in ghts:
            Ght.objects.create(code=code, short_name=code, name=code, region_id=f"R{region}")
        for finess, region, ght in establishments:
            Establishment.objects.create(finess=finess, name=f"E{finess}", region_id=f"R{region}", ght_id=ght)
        for index, grants in enumerate(users):
            user = User.objects.create_user(email=f"u{index}@example.org", password="x")
            for role, scope in grants:
                RoleAssignment.objects.get_or_create(user=user, role=role, **scope)
            oracle = set()
            for role, scope in grants:
                for finess, region, ght in establishments:
                    if (ROLE_SCOPE[role] == ScopeKind.NATIONAL
                            or scope.get("region_id") == f"R{region}"
                            or (ght is not None and scope.get("ght_id") == ght)
                            or scope.get("establishment_id") == finess):
                        oracle.add(finess)
            seen = set(access.restrict(user, Establishment.objects.all()).values_list("pk", flat=True))
            assert seen == oracle
            for finess, _, _ in establishments:
                if finess not in oracle:
                    with pytest.raises(Exception) as raised:
                        access.get_visible_or_404(user, Establishment.objects.all(), pk=finess)
                    assert raised.type.__name__ == "Http404"
        transaction.set_rollback(True)
