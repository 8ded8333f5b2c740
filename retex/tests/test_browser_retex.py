"""In a real browser: the animator ends the live exercise, a player fills the hot debrief, the animation team
consolidates and validates the RETEX, downloads the PDF and DOCX reports (opened and checked), and the
establishment marks an action of its improvement plan done."""

import io
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from conftest import log_in
from retex.models import Action, ActionStatus, DebriefResponse, Retex

pytestmark = pytest.mark.browser
PASSWORD = "Mot-de-passe-solide-2026"


def prepare_live_exercise(exercise, animator, player, observers):
    from live.models import Delivery
    from live.services import cell, control

    control.do_start(animator, exercise, speed=1.0)
    for delivery in Delivery.objects.filter(exercise=exercise, manual=False).order_by("due_offset")[:5]:
        control.do_trigger(animator, exercise, delivery.pk)
    cell.do_log(player, exercise, text="Activation de la cellule de crise", kind="decision", owner="Directrice")
    cell.do_log(player, exercise, text="Signalement au CERT Santé et appel de l'ARS", kind="action", owner="RSSI")
    for index, criterion in enumerate(c["id"] for c in exercise.kit_version.grid.criteria(exercise.kit.level)):
        for observer in observers:
            cell.do_rate(observer, exercise, criterion, "1" if index % 4 == 0 else "3")


def test_retex_end_to_end(transactional_db, exercise, rssi_nantes, player, observer, second_observer, live_server,
                          browser, tmp_path: Path):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def prepare():  # in a thread of its own: Playwright's event loop runs in this one (live events use async_to_sync)
        try:
            prepare_live_exercise(exercise, rssi_nantes, player, (observer, second_observer))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(prepare).result()
    base = live_server.url

    animator = browser.new_context(accept_downloads=True).new_page()
    log_in(animator, base, "rssi.chu-nantes@care.demo")
    animator.goto(f"{base}/exercices/{exercise.pk}/animation/")
    animator.click("[data-testid=stop]")  # FINEX, confirmed in its modal
    animator.click("[data-testid=confirm-stop]")
    animator.wait_for_load_state()
    animator.goto(f"{base}/exercices/{exercise.pk}/")
    animator.wait_for_selector("[data-testid=retex-link]")

    joueur = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(joueur, base, "joueur@chu.example", password=PASSWORD)
    joueur.goto(f"{base}/exercices/{exercise.pk}/")
    joueur.click("[data-testid=retex-link]")
    joueur.click("[data-testid=debrief-link]")
    joueur.fill("#Q-BIEN", "La main courante a été ouverte tout de suite.")
    joueur.fill("#Q-DIFFICILE", "Savoir qui appeler à l'ARS.")
    joueur.fill("#Q-CHANGER", "Un annuaire de crise imprimé.")
    joueur.select_option("#Q-REALISME", "4")
    joueur.click("[data-testid=debrief-submit]")
    joueur.wait_for_selector("[data-testid=debrief-done]")
    assert DebriefResponse.objects.get(exercise=exercise).answers["Q-REALISME"] == "4"

    animator.click("[data-testid=retex-link]")
    assert "La main courante a été ouverte" in animator.inner_text("main")
    animator.click("[data-testid=save-consolidation]")
    animator.fill("#strengths", "Cellule activée rapidement\nMain courante tenue")
    animator.fill("#improvements", "Formaliser la chaîne d'alerte")
    animator.click("[data-testid=save-texts]")
    animator.click("[data-testid=generate]")
    assert animator.locator("[data-testid=recommendation]").count() > 0
    animator.click("[data-testid=validate]")  # opens the confirmation modal
    animator.click("[data-testid=confirm-validate]")
    animator.wait_for_selector("[data-testid=retex-status]:has-text('Validé')")
    retex = Retex.objects.get(exercise=exercise)
    assert retex.is_validated

    with animator.expect_download() as pdf_download:
        animator.click("[data-testid=report-pdf]")
    pdf_path = tmp_path / pdf_download.value.suggested_filename
    pdf_download.value.save_as(pdf_path)
    reader = PdfReader(io.BytesIO(pdf_path.read_bytes()))
    assert len(reader.pages) >= 3
    texts = [page.extract_text() for page in reader.pages]
    assert all(text.strip() for text in texts), "une page du PDF est vide"
    text = " ".join(texts).replace("\n", " ")
    for expected in ("Retour d'expérience", "Signalement au CERT Santé", "Formaliser la chaîne d'alerte",
                     "Préconisations", "La main courante a été ouverte"):
        assert expected in text, expected

    with animator.expect_download() as docx_download:
        animator.click("[data-testid=report-docx]")
    docx_path = tmp_path / docx_download.value.suggested_filename
    docx_download.value.save_as(docx_path)
    document = Document(str(docx_path))
    body = "\n".join(p.text for p in document.paragraphs)
    first_recommendation = retex.recommendations.filter(selected=True).order_by("pk").first().title
    assert "Retour d'expérience" in body and first_recommendation in body and "Cellule activée rapidement" in body
    assert document.inline_shapes  # the chart

    animator.click("[data-testid=plan-link]")
    action = Action.objects.filter(establishment=exercise.establishment).order_by("due_date", "pk").first()
    animator.click(f"text={action.title}")
    animator.select_option("[data-testid=status-select]", "done")
    animator.fill("#evidence", "Procédure d'alerte validée en comité de direction le 20 novembre.")
    animator.click("[data-testid=save-action]")
    animator.wait_for_selector("[data-testid=status]:has-text('Réalisée')")
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.done_at is not None
