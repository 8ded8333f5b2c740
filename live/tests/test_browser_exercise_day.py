"""A full exercise day in real browsers: an animator, two players, one unplayed role and an observer.

The animator sees the unplayed role before the start and a stimulus that reached nobody, and re-routes it; the
player's tab counter rises when it arrives on a tab that is not open; « lu » appears only once the player opens it;
the press feed shows the article as an article; FINEX needs confirmation and every player then sees the end and the
debrief link. The test server speaks HTTP only, so the pages run on their polling fallback."""

from pathlib import Path

import pytest

from conftest import log_in
from exercises.models import Member, MemberRole
from exercises.services import preparation
from live.models import Delivery, Receipt

pytestmark = pytest.mark.browser
PASSWORD = "Mot-de-passe-solide-2026"
SLOW = 40_000


def _second_player(exercise, rssi_nantes, make_user):
    member, _ = preparation.do_add_member(rssi_nantes, exercise, email="dsi@chu.example", full_name="Denis Dsi",
                                          role=MemberRole.PLAYER, cell_role="dsi_rssi")
    user = make_user("dsi@chu.example")
    user.set_password(PASSWORD)
    user.save()
    preparation.do_accept_invitation(member, user)
    return user


def test_exercise_day_with_two_players_an_unplayed_role_and_an_observer(transactional_db, exercise, rssi_nantes,
                                                                        make_user, live_server, browser):
    base = live_server.url
    Path("var/screens").mkdir(parents=True, exist_ok=True)
    _second_player(exercise, rssi_nantes, make_user)
    played = {"cellule", "direction", "dsi_rssi"}
    lost = next(s for s in exercise.stimuli.filter(channel="email", contingency=False).order_by("offset_seconds")
                if not played & set(s.recipients))

    animator = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    log_in(animator, base, "rssi.chu-nantes@care.demo")
    animator.goto(f"{base}/exercices/{exercise.pk}/")
    warning = animator.inner_text("[data-testid=unplayed-roles]")
    assert "sans joueur" in warning and lost.stimulus_id in warning
    animator.screenshot(path="var/screens/day-01-preparation.png", full_page=True)
    animator.click("[data-testid=console-link]")
    animator.click("[data-testid=start]")
    animator.wait_for_selector("[data-testid=timeline]")

    player = browser.new_context().new_page()
    log_in(player, base, "joueur@chu.example", password=PASSWORD)
    player.goto(f"{base}/exercices/{exercise.pk}/cellule/")
    player.click("[data-testid=tab-log]")  # the player is on the crisis log when the mail arrives
    second = browser.new_context().new_page()
    log_in(second, base, "dsi@chu.example", password=PASSWORD)
    second.goto(f"{base}/exercices/{exercise.pk}/cellule/")

    # the stimulus addressed to an unplayed role reaches nobody: flagged, then re-routed to the director
    animator.click(f"[data-testid=trigger-{lost.stimulus_id}]")
    animator.wait_for_selector(f"[data-testid=nobody-{lost.stimulus_id}]:has-text('atteint personne')")
    animator.screenshot(path="var/screens/day-02-console-nobody.png")
    animator.select_option(f"[data-testid=reroute-select-{lost.stimulus_id}]", "direction")
    animator.click(f"[data-testid=reroute-{lost.stimulus_id}]")
    animator.wait_for_selector(f"[data-testid=nobody-{lost.stimulus_id}]", state="detached")
    assert "Direction" in animator.inner_text(f"[data-testid=recipients-{lost.stimulus_id}]")

    # it arrives on the mail tab, which is not open: the counter rises and an alert shows
    player.wait_for_selector("[data-testid=count-mail]:has-text('1')", timeout=SLOW)
    assert player.is_visible("[data-testid=new-alert]")
    assert lost.title[:20] in player.inner_text("[data-testid=new-alert]")
    player.screenshot(path="var/screens/day-03-player-counter.png", full_page=True)
    row = Delivery.objects.get(exercise=exercise, stimulus__stimulus_id=lost.stimulus_id)
    director = Member.objects.get(exercise=exercise, cell_role="direction")
    assert not Receipt.objects.filter(delivery=row, member=director, read_at__isnull=False).exists()
    animator.reload()
    assert "lu par" not in animator.inner_text(f"[data-testid=receipts-{lost.stimulus_id}]")

    # « lu » once opened
    player.click("[data-testid=new-alert] [data-alert-go]")
    player.click(f"[data-delivery='{row.pk}'] [data-testid=open-item]")
    player.wait_for_selector("[data-testid=count-mail]", state="hidden")
    for _ in range(50):
        if Receipt.objects.filter(delivery=row, member=director, read_at__isnull=False).exists():
            break
        player.wait_for_timeout(100)
    assert Receipt.objects.get(delivery=row, member=director).read_at is not None
    animator.reload()  # receipts reach the console live over the WebSocket; the HTTP test server has none
    assert "lu par Joueur" in animator.inner_text(f"[data-testid=receipts-{lost.stimulus_id}]")
    assert second.locator(f"[data-delivery='{row.pk}']").count() == 0

    # a press article, added live for the whole cell, shows as an article in the press feed
    animator.click("#ctab-add")
    animator.select_option("#add-channel", "press")
    animator.select_option("#add-sender", "presse")
    animator.fill("#add-title", "L'hôpital paralysé par une cyberattaque")
    animator.fill("#add-content", "Urgences saturées, opérations reportées : la direction ne répond pas.")
    animator.click("[data-testid=add-stimulus]")
    player.wait_for_selector("[data-testid=count-feed]:has-text('1')", timeout=SLOW)
    player.click("[data-testid=tab-feed]")
    player.click("#feed [data-testid=open-item]")
    article = player.inner_text("[data-testid=press-article]")
    assert "L'hôpital paralysé par une cyberattaque" in article and "Urgences saturées" in article
    player.screenshot(path="var/screens/day-04-press.png", full_page=True)

    observer = browser.new_context().new_page()
    log_in(observer, base, "observateur@chu.example", password=PASSWORD)
    observer.goto(f"{base}/exercices/{exercise.pk}/observation/")
    observer.fill("#obs-text", "La direction a réorienté le message de la communication.")
    observer.click("[data-testid=add-observation]")
    observer.wait_for_selector("[data-testid=observation]:has-text('réorienté')")
    observer.reload()
    assert "réorienté le message" in observer.inner_text("[data-testid=observations]")

    # FINEX asks first; then every player sees the end and the debrief link
    animator.goto(f"{base}/exercices/{exercise.pk}/animation/")
    animator.click("[data-testid=stop]")
    animator.wait_for_selector("#confirm-stop[open], #confirm-stop.fr-modal--opened")
    animator.screenshot(path="var/screens/day-05-finex-modal.png")
    exercise.refresh_from_db()
    assert exercise.status == "running"
    animator.click("[data-testid=confirm-stop]")
    animator.wait_for_selector("text=Exercice terminé")
    for page in (player, second, observer):
        page.wait_for_selector("[data-testid=ended-notice]", state="visible", timeout=SLOW)
        assert page.get_attribute("[data-testid=debrief-link]", "href").endswith(
            f"/exercices/{exercise.pk}/retex/a-chaud/")
    assert player.inner_text("[data-testid=clock-state]") == "exercice terminé"
    player.screenshot(path="var/screens/day-06-ended.png", full_page=True)
