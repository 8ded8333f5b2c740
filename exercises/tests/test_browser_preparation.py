"""In a real browser: the RSSI prepares an exercise from the recommended kit and invites a player, who opens the
participant kit and cannot reach the animator kit."""

import re

import pytest
from django.core import mail

from conftest import CHU_NANTES, log_in
from exercises.models import Exercise, Member
from maturity.models import Assessment
from maturity.services.grids import default_grid

pytestmark = pytest.mark.browser


def test_prepare_from_recommended_kit_then_player_reads_participant_kit(transactional_db, directory, kits,
                                                                        live_server, browser):
    Assessment.objects.filter(establishment_id=CHU_NANTES).delete()
    Assessment.objects.create(establishment_id=CHU_NANTES, grid=default_grid(), year=2026, status="submitted",
                              level="intermediaire", percent=55.0, answers={})
    base = live_server.url
    rssi = browser.new_context().new_page()
    log_in(rssi, base, "rssi.chu-nantes@care.demo")
    rssi.click("nav >> text=Exercices")
    rssi.click("text=Préparer un exercice")
    assert "Kit recommandé" in rssi.inner_text("[data-testid=recommendation]")
    assert "intermédiaire" in rssi.inner_text("[data-testid=recommendation]")
    assert rssi.input_value("select[name=kit]") == "mco-intermediaire"
    rssi.fill("input[name=scheduled_start]", "2027-03-09T09:30")
    rssi.fill("input[name=place]", "Salle du conseil, bâtiment administratif")
    rssi.click("button:has-text('Créer l')")
    rssi.wait_for_selector("[data-testid=status]")
    exercise = Exercise.objects.get()
    assert exercise.kit_version.kit.slug == "mco-intermediaire"

    rssi.click("a:has-text('Variables du kit')")
    rssi.wait_for_url(re.compile(r'.*/variables/$'))
    rssi.fill("#var_dpi_nom", "Orbis")
    rssi.click("button:has-text('Enregistrer et actualiser')")
    assert "Orbis" in rssi.inner_text("[data-testid=stimulus] >> nth=0") or "Orbis" in rssi.content()

    rssi.goto(f"{base}/exercices/{exercise.pk}/participants/")
    rssi.fill("input[name=full_name]", "Paul Joueur")
    rssi.fill("input[name=email]", "paul.joueur@chu.example")
    rssi.select_option("select[name=role]", "player")
    rssi.select_option("select[name=cell_role]", "communication")
    rssi.click("button:has-text('Inviter')")
    rssi.wait_for_selector("text=Paul Joueur")
    link = re.search(r"https?://[^/\s]+(/exercices/invitation/[^/\s]+/)", mail.outbox[-1].body).group(1)
    # someone invited by mistake is removed, after confirming in the modal
    rssi.fill("input[name=full_name]", "Zoé Erreur")
    rssi.fill("input[name=email]", "zoe.erreur@chu.example")
    rssi.select_option("select[name=role]", "observer")
    rssi.click("button:has-text('Inviter')")
    rssi.wait_for_selector("text=Zoé Erreur")
    zoe = Member.objects.get(email="zoe.erreur@chu.example")
    rssi.click(f"[data-testid=remove-{zoe.pk}]")
    rssi.click(f"#confirm-remove-{zoe.pk} [data-testid=confirm-remove]")
    rssi.wait_for_selector("text=Zoé Erreur retiré(e) de l'exercice")
    assert not Member.objects.filter(pk=zoe.pk).exists()
    rssi.context.close()

    player = browser.new_context(accept_downloads=True).new_page()
    player.goto(base + link)
    player.fill("input[name=password]", "Un-mot-de-passe-solide-2027")
    player.click("button:has-text('Créer mon compte')")
    player.wait_for_selector("[data-testid=my-role]")
    assert "joueur" in player.inner_text("[data-testid=my-role]").lower()
    assert "Kit animateur" not in player.content()
    player.click("[data-testid=participant-kit-link]")
    player.wait_for_selector("[data-testid=sheet]")
    assert player.locator("[data-testid=sheet]").count() >= 5
    assert "Règles du jeu" in player.content()
    with player.expect_download() as download:
        player.click("text=Télécharger le kit participant (PDF)")
    assert download.value.suggested_filename.endswith(".pdf")
    response = player.goto(f"{base}/exercices/{exercise.pk}/kit-animateur/")
    assert response.status == 404
    player.context.close()

    # cancelling the exercise is asked for in a modal
    rssi = browser.new_context().new_page()
    log_in(rssi, base, "rssi.chu-nantes@care.demo")
    rssi.goto(f"{base}/exercices/{exercise.pk}/")
    rssi.click("[data-testid=cancel-exercise]")
    rssi.click("[data-testid=confirm-cancel]")
    rssi.wait_for_selector("[data-testid=status]:has-text('Annulé')")
    exercise.refresh_from_db()
    assert exercise.status == "cancelled"
    rssi.context.close()
