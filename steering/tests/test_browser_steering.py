"""The dashboards in a real browser: the ARS opens its regional dashboard, filters by department, downloads an
export; the national team opens the national view, switches tabs and year."""

import io

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook

from conftest import log_in

pytestmark = pytest.mark.browser


def test_regional_and_national_dashboards(transactional_db, steering_data, live_server, browser, year):
    base = live_server.url
    ars = browser.new_context(accept_downloads=True).new_page()
    log_in(ars, base, "ars.pdl@care.demo", TOTPDevice.objects.get(user__email="ars.pdl@care.demo"))
    ars.click("nav >> text=Pilotage")
    ars.wait_for_selector("[data-testid=map]")
    assert ars.locator("[data-testid=map] path[data-department='44']").count() == 1
    assert "2 /" in ars.inner_text("[data-testid=done]")
    ars.select_option("#f-dep", "44")
    ars.click("[data-testid=apply-filters]")
    ars.wait_for_url("**departement=44**")
    assert "SITE HOTEL DIEU" not in ars.inner_text("[data-testid=missing]")  # it has exercised
    assert "SITE LAENNEC" in ars.inner_text("[data-testid=missing]")
    ars.click("[data-testid=group-status]")
    assert "Public" in ars.inner_text("[data-testid=breakdown]")
    with ars.expect_download() as download:
        ars.click("[data-testid=export-obligation-status-xlsx]")
    with open(download.value.path(), "rb") as handle:
        rows = list(load_workbook(io.BytesIO(handle.read())).active.iter_rows(values_only=True))
    assert rows[0][0] == "Statut" and sum(r[2] for r in rows[1:]) == 2
    ars.click("[data-testid=tab-evaluation]")
    assert "CC-01" in ars.inner_text("[data-testid=evaluation-table]")
    ars.context.close()

    national = browser.new_context().new_page()
    log_in(national, base, "equipe.nationale@care.demo",
           TOTPDevice.objects.get(user__email="equipe.nationale@care.demo"))
    national.goto(f"{base}/pilotage/")
    assert "Bretagne" in national.inner_text("[data-testid=breakdown]")
    national.click("[data-testid=tab-maturity]")
    national.wait_for_selector("[data-testid=maturity-table]")
    national.select_option("#f-annee", str(year - 1))
    national.click("[data-testid=apply-filters]")
    national.wait_for_url(f"**annee={year - 1}**")
    national.click("[data-testid=tab-plans]")
    assert "Réagir" in national.inner_text("[data-testid=plans-table]")
    national.context.close()
