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
