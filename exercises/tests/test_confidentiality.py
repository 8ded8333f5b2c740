"""The animator kit (briefing, hidden ground truth, chronogramme, scripts, notes) never reaches a player, an observer
or anybody outside the animation team before the end of the exercise: every route, every format, the API, search."""

import io
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from pypdf import PdfReader

from accounts.models import User
from accounts.roles import Role
from conftest import CHU_NANTES
from exercises.models import Status
from exercises.services import preparation


def _routes(prefixes=("exercises:", "kits:", "live:", "retex:", "steering:", "continuity:")) -> list[tuple[str, str]]:
    """(name, pattern) of every named route of the exercise, kit and API URL sets."""
    found = []

    def walk(patterns, namespace="", prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, ns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                full = prefix + str(pattern.pattern)
                name = namespace + pattern.name
                if name.startswith(prefixes) or (full.startswith("api/v1/") and ("kit" in full or "exerci" in full)):
                    found.append((name, full))

    walk(get_resolver().url_patterns)
    return found


def _url(pattern: str, values: dict) -> str:
    url = "/" + pattern
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), url)
    url = url.replace("^", "").replace("$", "").replace("\\.", ".")
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values.get(m.group(1), "json")), url)
    return url.replace("\\", "")


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "pdf" in kind:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    if "spreadsheet" in kind:  # every cell, so a chronogramme (or any animator text) in a workbook is caught
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                         for value in row if value is not None)
    return content.decode(errors="replace")


def _secrets(exercise) -> list[str]:
    data = preparation.exercise_kit(exercise)
    secrets = []
    for key in ("briefing", "ground_truth", "animation_tips", "hot_debrief_guide", "initial_situation"):
        lines = [line.strip() for line in data.animator[key].splitlines() if len(line.strip()) > 40]
        secrets += [lines[0][:40], lines[len(lines) // 2][:40]]
    for stimulus in data.stimuli[:60]:
        if len(stimulus["title"]) > 25:
            secrets.append(stimulus["title"][:30])
        if stimulus.get("script"):
            secrets.append(stimulus["script"].strip().splitlines()[0][:35])
        if len(stimulus["animator_notes"]) > 40:
            secrets.append(stimulus["animator_notes"].strip()[:35])
    return [s for s in secrets if "{{" not in s]


@pytest.fixture
def outsiders(exercise, player, observer, make_user, directory):
    member = make_user("agent@chu.example", Role.MEMBER, establishment_id=CHU_NANTES)
    director = User.objects.get(email="directeur.chu-nantes@care.demo")  # director, not in the exercise
    other_region = User.objects.get(email="ars.bretagne@care.demo")
    return {"joueur": player, "observateur": observer, "agent": member, "directeur hors équipe": director,
            "ARS d'une autre région": other_region}


def test_every_route_is_listed(exercise):
    names = {name for name, _ in _routes()}
    assert {"exercises:animator_kit", "exercises:animator_kit_pdf", "exercises:binder_pdf", "exercises:chronogramme",
            "exercises:chronogramme_xlsx", "kits:animator", "kits:chronogramme_xlsx", "exercise-chronogramme",
            "kit-detail", "exercises:variables", "exercises:communication", "live:console", "live:feed",
            "live:export"} <= names
    assert len(names) >= 25


def test_no_route_shows_animator_material_to_anyone_outside_the_animation_team(client, exercise, outsiders,
                                                                             rssi_nantes, verified_client):
    secrets = _secrets(exercise)
    assert len(secrets) > 60
    lead = exercise.members.get(is_lead=True)
    _, token = preparation.do_add_member(rssi_nantes, exercise, email="nouveau@chu.example", full_name="Nouveau",
                                         role="observer")
    values = {"pk": exercise.pk, "member_pk": lead.pk, "delivery_pk": 1, "slug": "mco-intermediaire", "action_pk": 1,
              "name": "non-exerces", "fmt": "xlsx", "process_pk": 1, "resource_pk": 1,
              "token": "jeton-invalide",
              "format": "json"}
    routes = _routes()
    for label, user in outsiders.items():
        verified_client(user)  # logged in, with the second factor for regional roles
        for name, pattern in routes:
            if label.startswith("ARS") and name in ("kits:animator", "kits:chronogramme_xlsx"):
                continue  # a regional content manager reads the library's animator kits, by design
            url = _url(pattern, values)
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                if response.status_code >= 300:
                    assert response.status_code != 302 or "second-facteur" not in response["Location"], label
                    continue
                body = _text(response)
                leaked = [s for s in secrets if s in body]
                assert not leaked, f"{label} voit le kit animateur par {method.upper()} {url} : {leaked[:2]}"
    # the exercise state was not changed by any of these requests
    exercise.refresh_from_db()
    assert exercise.status == Status.DRAFT and exercise.members.count() == 4


def test_animator_routes_answer_404_and_the_animation_team_gets_them(client, exercise, player, rssi_nantes):
    protected = ["kit-animateur/", "kit-animateur.pdf", "classeur.pdf", "chronogramme/", "chronogramme.xlsx",
                 "variables/", "participants/", "communication/", "logistique/"]
    client.force_login(player)
    for suffix in protected:
        assert client.get(f"/exercices/{exercise.pk}/{suffix}").status_code == 404, suffix
    assert client.get(f"/api/v1/exercices/{exercise.pk}/chronogramme/").status_code == 404
    assert client.get("/kits/mco-intermediaire/kit-animateur/").status_code == 404
    assert client.get("/kits/mco-intermediaire/chronogramme.xlsx").status_code == 404
    client.force_login(rssi_nantes)
    for suffix in protected:
        assert client.get(f"/exercices/{exercise.pk}/{suffix}").status_code == 200, suffix
    api = client.get(f"/api/v1/exercices/{exercise.pk}/chronogramme/").json()
    assert len(api) == exercise.stimuli.count()


def test_search_never_looks_into_the_animator_kit(client, exercise, player):
    from kits.services.library import published_kits
    from kits.services.rendering import texts_of

    public = " ".join(" ".join(texts_of([k.current.title, k.current.summary, k.current.objectives,
                                         k.current.cell_roles, k.current.participant, k.current.communication]))
                      for k in published_kits()).casefold()
    truth = exercise.kit_version.animator["ground_truth"].casefold()
    animator_only = sorted({w for w in re.findall(r"[a-zà-ÿ]{9,}", truth) if w not in public})
    assert len(animator_only) >= 3
    client.force_login(player)
    for word in animator_only[:5]:
        page = client.get("/kits/", {"q": word}).content.decode()
        assert 'data-testid="kit-card"' not in page, word
    found = client.get("/kits/", {"q": "glossaire rançongiciel"}).content.decode()
    assert 'data-testid="kit-card"' in found  # the search itself works on public parts
    api = client.get("/api/v1/kits/mco-intermediaire/").json()
    assert "animator" not in api and "ground_truth" not in str(api)


def test_after_the_end_players_and_observers_read_the_animator_kit(client, exercise, player, observer):
    exercise.status = Status.ENDED
    exercise.save()
    for user in (player, observer):
        client.force_login(user)
        page = client.get(f"/exercices/{exercise.pk}/kit-animateur/")
        assert page.status_code == 200 and "Vérité cachée" in page.content.decode()
        assert client.get(f"/exercices/{exercise.pk}/variables/").status_code == 404  # still not the team's tools


def test_a_content_manager_playing_the_exercise_is_a_player_first(client, exercise, rssi_nantes, verified_client):
    ars = User.objects.get(email="ars.pdl@care.demo")
    ars_client = verified_client(ars)
    assert ars_client.get(f"/exercices/{exercise.pk}/kit-animateur/").status_code == 200  # regional content manager
    member, _ = preparation.do_add_member(rssi_nantes, exercise, email=ars.email, full_name="Sophie Martin",
                                         role="player", cell_role="direction")
    preparation.do_accept_invitation(member, ars)
    ars.refresh_from_db()
    assert ars_client.get(f"/exercices/{exercise.pk}/kit-animateur/").status_code == 404
    assert ars_client.get(f"/api/v1/exercices/{exercise.pk}/chronogramme/").status_code == 404


# --- the animator embargo: a player or an observer of an exercise that is not over reads its scenario nowhere ------

def _sibling(author, *, kit="mco-intermediaire", contexts=(), animator=None):
    """Another exercise at CHU de Nantes, prepared by `author`, with `animator` accepted in its animation team."""
    import datetime as dt

    from django.utils import timezone

    from kits.models import Kit
    from organisations.models import Establishment

    sibling = preparation.do_create_exercise(
        author, Establishment.objects.get(pk=CHU_NANTES), Kit.objects.get(slug=kit), contexts=list(contexts),
        scheduled_start=timezone.now() + dt.timedelta(days=60), place="Salle B", title=f"Exercice frère {kit}")
    if animator is not None:
        member, _ = preparation.do_add_member(author, sibling, email=animator.email, full_name="Animateur",
                                              role="animator")
        preparation.do_accept_invitation(member, animator)
    return sibling


def _take_seat(exercise, user, role="player"):
    lead = exercise.members.get(is_lead=True).user
    member, _ = preparation.do_add_member(lead, exercise, email=user.email, full_name=user.get_full_name() or "X",
                                          role=role, cell_role="direction" if role == "player" else "")
    preparation.do_accept_invitation(member, user)


def _set_status(exercise, status):
    exercise.status = status
    exercise.save()


SIBLING_ANIMATOR_ROUTES = ["kit-animateur/", "kit-animateur.pdf", "classeur.pdf", "chronogramme/", "chronogramme.xlsx",
                           "variables/", "participants/", "communication/"]


def _walk_without_leak(client, label, values, secrets, skip=()):
    """Every route of the exercise, kit and API URL sets, GET and POST: no animator-only passage in any answer."""
    for name, pattern in _routes():
        if name in skip:
            continue
        url = _url(pattern, values)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code >= 300:
                continue
            body = _text(response)
            leaked = [s for s in secrets if s in body]
            assert not leaked, f"{label} voit le kit animateur par {method.upper()} {url} : {leaked[:2]}"


@pytest.mark.parametrize("sibling_status", [Status.DRAFT, Status.ENDED])
def test_a_player_never_reads_the_scenario_through_a_sibling_exercise(client, exercise, rssi_nantes, sibling_status):
    """(a) The director plays the exercise; a colleague made her animator of another exercise on the same kit (and
    one on another kit with the same overlay): none of their animator routes answers, even once that one is over."""
    director = User.objects.get(email="directeur.chu-nantes@care.demo")
    sibling = _sibling(rssi_nantes, animator=director)
    same_overlay = _sibling(rssi_nantes, kit="mco-debutant", contexts=["psychiatrie"], animator=director)
    other = _sibling(rssi_nantes, kit="mco-debutant", animator=director)
    client.force_login(director)
    assert client.get(f"/exercices/{sibling.pk}/kit-animateur/").status_code == 200  # before she plays: her team's
    _take_seat(exercise, director)
    _set_status(exercise, Status.RUNNING)
    for target in (sibling, same_overlay):
        _set_status(target, sibling_status)
    for target in (sibling, same_overlay):
        for suffix in SIBLING_ANIMATOR_ROUTES:
            assert client.get(f"/exercices/{target.pk}/{suffix}").status_code == 404, (target.title, suffix)
        assert client.get(f"/api/v1/exercices/{target.pk}/chronogramme/").status_code == 404
        assert client.get(f"/exercices/{target.pk}/direct/export.xlsx").status_code == 404  # live export
        assert client.get(f"/exercices/{target.pk}/animation/").status_code == 404  # live console
        page = client.get(f"/exercices/{target.pk}/").content.decode()
        assert "kit-animateur/" not in page and "chronogramme/" not in page and "console" not in page
    secrets = _secrets(exercise) + _secrets(sibling)
    _walk_without_leak(client, "joueuse animatrice d'un exercice frère", {
        "pk": sibling.pk, "member_pk": 1, "delivery_pk": 1, "slug": "mco-intermediaire", "action_pk": 1,
        "name": "non-exerces", "fmt": "xlsx", "process_pk": 1, "resource_pk": 1, "token": "jeton-invalide",
        "format": "json"}, secrets)
    # her other exercise, on another kit without the overlay, is hers as before
    if sibling_status == Status.DRAFT:
        assert client.get(f"/exercices/{other.pk}/kit-animateur/").status_code == 200
        assert client.get(f"/exercices/{other.pk}/variables/").status_code == 200


def test_a_player_cannot_prepare_an_exercise_from_the_kit_in_play(client, exercise, rssi_nantes):
    import datetime as dt

    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from exercises.models import Exercise
    from kits.models import Kit
    from organisations.models import Establishment

    director = User.objects.get(email="directeur.chu-nantes@care.demo")
    _take_seat(exercise, director, role="observer")
    _set_status(exercise, Status.PLANNED)  # not started yet: already embargoed
    chu = Establishment.objects.get(pk=CHU_NANTES)
    start = timezone.now() + dt.timedelta(days=90)
    with pytest.raises(PermissionDenied, match="exercice en cours sur le kit"):
        preparation.do_create_exercise(director, chu, Kit.objects.get(slug="mco-intermediaire"), contexts=[],
                                       scheduled_start=start, place="Salle")
    with pytest.raises(PermissionDenied, match="contextualisation"):
        preparation.do_create_exercise(director, chu, Kit.objects.get(slug="mco-debutant"), contexts=["psychiatrie"],
                                       scheduled_start=start, place="Salle")
    count = Exercise.objects.count()
    client.force_login(director)
    form = client.get("/exercices/nouveau/", {"etablissement": CHU_NANTES}).content.decode()
    assert 'value="mco-intermediaire"' not in form and "Non proposé(s)" in form
    refused = client.post("/exercices/nouveau/", {
        "etablissement": CHU_NANTES, "kit": "mco-intermediaire", "scheduled_start": "2031-03-04T09:00",
        "place": "Salle"})
    assert refused.status_code == 200 and Exercise.objects.count() == count
    refused = client.post("/exercices/nouveau/", {
        "etablissement": CHU_NANTES, "kit": "mco-debutant", "contexts": ["psychiatrie"],
        "scheduled_start": "2031-03-04T09:00", "place": "Salle"})
    assert refused.status_code == 200 and "contextualisation" in refused.content.decode()
    assert Exercise.objects.count() == count
    # another kit without the overlay is fine, and so is everything once the exercise is over
    preparation.do_create_exercise(director, chu, Kit.objects.get(slug="mco-debutant"), contexts=[],
                                   scheduled_start=start, place="Salle")
    _set_status(exercise, Status.ENDED)
    director = User.objects.get(pk=director.pk)  # the embargo is cached on the user object, as the scope is
    created = preparation.do_create_exercise(director, chu, Kit.objects.get(slug="mco-intermediaire"),
                                             contexts=["psychiatrie"], scheduled_start=start, place="Salle")
    assert client.get(f"/exercices/{created.pk}/kit-animateur/").status_code == 200


@pytest.mark.parametrize("email", ["ars.pdl@care.demo", "equipe.nationale@care.demo"])
def test_a_content_manager_holding_a_seat_reads_no_library_animator_kit_of_that_kit(client, exercise, verified_client,
                                                                                  email):
    """(b) A regional content manager (ARS) or the national team, player in a running exercise: the library's animator
    kit, its chronogramme, the API and search give nothing of that kit; (c) it all comes back at the end."""
    manager = User.objects.get(email=email)
    verified_client(manager)
    assert client.get("/kits/mco-intermediaire/kit-animateur/").status_code == 200  # a content manager, by design
    _take_seat(exercise, manager)
    _set_status(exercise, Status.RUNNING)
    assert client.get("/kits/mco-intermediaire/kit-animateur/").status_code == 404
    assert client.get("/kits/mco-intermediaire/chronogramme.xlsx").status_code == 404
    detail = client.get("/kits/mco-intermediaire/").content.decode()
    assert "kit-animateur/" not in detail and "chronogramme.xlsx" not in detail
    assert client.get("/kits/mco-debutant/kit-animateur/").status_code == 200  # the other kits are not in play
    assert "kit-animateur/" in client.get("/kits/mco-debutant/").content.decode()
    for suffix in ("kit-animateur/", "chronogramme.xlsx"):
        assert client.get(f"/exercices/{exercise.pk}/{suffix}").status_code == 404
    assert client.get(f"/api/v1/exercices/{exercise.pk}/chronogramme/").status_code == 404
    # search: only the public parts, for a content manager as for anybody
    from kits.services.library import published_kits
    from kits.services.rendering import texts_of

    public = " ".join(" ".join(texts_of([k.current.title, k.current.summary, k.current.objectives,
                                         k.current.cell_roles, k.current.participant, k.current.communication]))
                      for k in published_kits()).casefold()
    truth = exercise.kit_version.animator["ground_truth"].casefold()
    animator_only = sorted({w for w in re.findall(r"[a-zà-ÿ]{9,}", truth) if w not in public})
    for word in animator_only[:5]:
        assert 'data-testid="kit-card"' not in client.get("/kits/", {"q": word}).content.decode(), word
    secrets = _secrets(exercise)
    _walk_without_leak(client, f"{email} joueur", {
        "pk": exercise.pk, "member_pk": 1, "delivery_pk": 1, "slug": "mco-intermediaire", "action_pk": 1,
        "name": "non-exerces", "fmt": "xlsx", "process_pk": 1, "resource_pk": 1, "token": "jeton-invalide",
        "format": "json"}, secrets)
    # (c) the embargo lifts when the exercise ends
    _set_status(exercise, Status.ENDED)
    assert client.get("/kits/mco-intermediaire/kit-animateur/").status_code == 200
    assert "Vérité cachée" in client.get(f"/exercices/{exercise.pk}/kit-animateur/").content.decode()
    xlsx = client.get("/kits/mco-intermediaire/chronogramme.xlsx")
    assert xlsx.status_code == 200 and any(s in _text(xlsx) for s in secrets)


def test_a_cancelled_exercise_lifts_the_embargo_and_animating_never_sets_one(client, exercise, rssi_nantes, ars_pdl,
                                                                           verified_client):
    verified_client(ars_pdl)
    _take_seat(exercise, ars_pdl, role="observer")
    assert client.get("/kits/mco-intermediaire/kit-animateur/").status_code == 404
    _set_status(exercise, Status.CANCELLED)
    assert client.get("/kits/mco-intermediaire/kit-animateur/").status_code == 200
    # the RSSI animates the exercise: under no embargo, in the library or in a sibling exercise
    from accounts import access

    _set_status(exercise, Status.RUNNING)
    assert not access.animator_embargo(rssi_nantes)
    sibling = _sibling(rssi_nantes)
    client.force_login(rssi_nantes)
    assert client.get(f"/exercices/{sibling.pk}/kit-animateur/").status_code == 200


def test_the_embargo_costs_one_query_per_user_however_many_seats(exercise, rssi_nantes, player,
                                                                 django_assert_num_queries):
    """(d) One query, whatever the number of exercises played; then cached on the user object for the request."""
    from accounts import access

    for kit, contexts in (("mco-debutant", ["ssr"]), ("mco-confirme", []), ("mco-intermediaire", ["had"])):
        _take_seat(_sibling(rssi_nantes, kit=kit, contexts=contexts), player, role="observer")
    _set_status(exercise, Status.RUNNING)
    from exercises.models import Exercise

    exercise = Exercise.objects.select_related("kit_version").get(pk=exercise.pk)  # as the views read it
    player = User.objects.get(pk=player.pk)
    with django_assert_num_queries(1):
        embargo = access.animator_embargo(player)
    with django_assert_num_queries(0):
        assert access.animator_embargo(player) is embargo
        assert access.is_embargoed(player, exercise)
    assert len(embargo.kits) == 3 and "psychiatrie" in " ".join(embargo.overlays)
