"""A live exercise in a real browser: the animator starts and triggers, the player receives, replies and keeps the
crisis log, the animator answers as a simulated actor, the observer rates. The test server speaks HTTP only, so the
pages run on their fallback (periodic refresh of the same snapshot the WebSocket sends)."""

import re

import pytest

from conftest import log_in
from live.models import LogEntry, Message, Rating

pytestmark = pytest.mark.browser
PASSWORD = "Mot-de-passe-solide-2026"


def test_live_exercise_end_to_end(transactional_db, exercise, live_server, browser):
    base = live_server.url
    email_code = next(s.stimulus_id for s in exercise.stimuli.filter(channel="email", contingency=False)
                      if "direction" in s.recipients or "cellule" in s.recipients)  # the player is « direction »

    animator = browser.new_context().new_page()
    log_in(animator, base, "rssi.chu-nantes@care.demo")
    animator.goto(f"{base}/exercices/{exercise.pk}/")
    animator.click("[data-testid=console-link]")
    animator.click("[data-testid=start]")
    animator.wait_for_selector("[data-testid=timeline]")
    animator.click(f"[data-testid=trigger-{email_code}]")
    animator.wait_for_selector(f"[data-testid=trigger-{email_code}]", state="detached")

    player = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # phone-sized
    log_in(player, base, "joueur@chu.example", password=PASSWORD)
    player.goto(f"{base}/exercices/{exercise.pk}/")
    player.click("[data-testid=cell-link]")
    player.wait_for_selector("[data-testid=live-stimulus]", timeout=40_000)
    player.click("[data-testid=live-stimulus] [data-testid=open-item]")
    story_time = exercise.stimuli.get(stimulus_id=email_code).story_time
    player.wait_for_function("s => document.querySelector('[data-clock=story]').textContent === s", arg=story_time)
    player.click("[data-testid=reply]")
    player.fill("#reply-body", "Bien reçu, la cellule de crise est activée en salle du conseil.")
    player.click("[data-testid=send-reply]")
    player.wait_for_selector("#reply-form", state="hidden")
    assert Message.objects.filter(exercise=exercise, author__email="joueur@chu.example").count() == 1
    player.click("[data-testid=forward]")  # forward the same mail to another simulated actor
    forward_to = player.locator("#reply-to option").nth(1).get_attribute("value")
    player.select_option("#reply-to", forward_to)
    player.fill("#reply-body", "Pour information : message reçu ce matin par la direction.")
    player.click("[data-testid=send-reply]")
    player.wait_for_selector("#reply-form", state="hidden")
    forwarded = Message.objects.filter(exercise=exercise, author__email="joueur@chu.example").latest("pk")
    assert forward_to.startswith("actor:")
    assert forwarded.subject.startswith("TR : ") and forwarded.to_actor == forward_to[6:] and forwarded.delivery_id

    animator.reload()
    animator.click("#ctab-inbox")
    animator.wait_for_selector("[data-testid=inbox-message]", timeout=40_000)
    assert "répondu par" in animator.inner_text(f"[data-testid=answered-{email_code}]")
    assert "cellule de crise est activée" in animator.inner_text("#inbox")
    animator.click("#ctab-answer")
    animator.select_option("#actor", index=0)
    animator.fill("#answer-subject", "Rappel de l'ARS")
    animator.fill("#answer-body", "Merci de nous transmettre un premier point de situation à 10 h.")
    animator.click("[data-testid=answer]")

    player.wait_for_selector("[data-testid=live-message]", timeout=40_000)
    player.click("[data-testid=live-message] [data-testid=open-item]")
    assert "premier point de situation" in player.inner_text("#mailbox")
    player.click("#tab-log")
    player.select_option("#log-kind", "decision")
    player.fill("#log-text", "Isolement d'Internet et des accès distants")
    player.fill("#log-owner", "DSI")
    player.fill("#log-rationale", "Limiter la propagation")
    player.click("[data-testid=add-log]")
    player.wait_for_selector("[data-testid=log-entry]", timeout=40_000)
    entry = LogEntry.objects.get(exercise=exercise, team=False)
    assert (entry.kind, entry.owner, entry.rationale) == ("decision", "DSI", "Limiter la propagation")

    observer = browser.new_context().new_page()
    log_in(observer, base, "observateur@chu.example", password=PASSWORD)
    observer.goto(f"{base}/exercices/{exercise.pk}/observation/")
    criterion = observer.locator("input[data-rate]").first.get_attribute("data-rate")
    observer.check(f"#r-{criterion}-2", force=True)
    observer.wait_for_selector(f"#saved-{criterion}:has-text('enregistré')")
    assert Rating.objects.get(exercise=exercise, criterion=criterion).value == "2"

    animator.goto(f"{base}/exercices/{exercise.pk}/animation/")
    animator.click("[data-testid=stop]")
    animator.click("[data-testid=confirm-stop]")
    with animator.expect_download() as download:
        animator.click("text=Exporter la main courante")
    assert re.search(r"main-courante-.*\.xlsx$", download.value.suggested_filename)
    response = player.goto(f"{base}/exercices/{exercise.pk}/kit-animateur/")
    assert response.status == 200  # over: the players may now read the animator kit
