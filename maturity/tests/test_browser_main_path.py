"""The main path in a real browser (Debian's chromium driven by Playwright)."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import log_in

pytestmark = pytest.mark.browser


def test_rssi_assessment_seen_by_own_ars_not_by_other_region(transactional_db, directory, live_server, browser):
    base = live_server.url
    rssi = browser.new_context().new_page()
    log_in(rssi, base, "rssi.chu-nantes@care.demo")
    rssi.click("nav >> text=Autoévaluation")
    rssi.click("button:has-text('Remplir l’autoévaluation'), button:has-text(\"Remplir l'autoévaluation\")")
    questions = rssi.locator("fieldset[data-question]")
    count = questions.count()
    assert count >= 25
    for index in range(count):
        question_id = questions.nth(index).get_attribute("data-question")
        rssi.check(f"#q-{question_id}-c", force=True)  # third answer of each question (score 2)
    rssi.click("[data-testid=submit]")  # opens the confirmation modal
    rssi.click("[data-testid=confirm-submit]")
    rssi.wait_for_selector("[data-testid=recommended-level]")
    assert rssi.inner_text("[data-testid=recommended-level]") == "Intermédiaire"
    assert rssi.locator("svg.care-chart rect").count() >= 16
    rssi.context.close()

    ars = browser.new_context().new_page()
    log_in(ars, base, "ars.pdl@care.demo", TOTPDevice.objects.get(user__email="ars.pdl@care.demo"))
    ars.goto(f"{base}/maturite/perimetre/?region=52&q=")
    ars.fill("#f-annee", "")
    table = ars.locator("[data-testid=latest-levels]")
    assert "Intermédiaire" in ars.locator("tr", has_text="CHU DE NANTES SITE HOTEL DIEU").inner_text()
    assert table.count() == 1
    ars.context.close()

    other = browser.new_context().new_page()
    log_in(other, base, "ars.bretagne@care.demo", TOTPDevice.objects.get(user__email="ars.bretagne@care.demo"))
    other.goto(f"{base}/maturite/perimetre/")
    assert "CHU DE NANTES" not in other.content()
    from maturity.models import Assessment

    assessment = Assessment.objects.get(establishment_id="440000271")
    response = other.goto(f"{base}/maturite/{assessment.pk}/")
    assert response.status == 404
    assert "Page non trouvée" in other.content()
    other.context.close()
