"""In a real browser: the PCA lead builds a BIA from an example, edits a process, sees the gaps and the recovery
order, and downloads the plan (PDF binder, editable DOCX, offline HTML), each opened and checked."""

import io
import re
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from conftest import log_in
from continuity.models import BiaStatus, Project

pytestmark = pytest.mark.browser


def test_build_a_bia_from_an_example_and_download_the_plan(transactional_db, directory, kits, live_server, browser,
                                                         tmp_path: Path):
    base = live_server.url
    page = browser.new_context(accept_downloads=True).new_page()
    log_in(page, base, "rssi.chu-nantes@care.demo")
    page.click("nav >> text=Continuité (PCRA)")
    page.wait_for_url(f"{base}/continuite/")
    page.fill("#title", "PCRA du CHU de Nantes 2027")
    page.select_option("#scope_kind", "ght")
    page.select_option("#example", "ch-general")
    page.click("[data-testid=create-project]")
    page.wait_for_url(re.compile(r".*/continuite/\d+/$"))
    project = Project.objects.get(title="PCRA du CHU de Nantes 2027")
    assert "0 % de l'activité couverte" in page.inner_text("[data-testid=coverage]")
    assert "objectif 66 %" in page.inner_text("[data-testid=coverage]")

    # the BIA: open the emergency process, validate it with a shorter DMIA
    page.click("[data-testid=pcra-nav] >> text=BIA")
    page.click("[data-testid=process-urgences] a")
    page.fill("#dmia_hours", "abc")
    page.click("[data-testid=save-process]")
    assert "Nombre attendu" in page.inner_text("[data-testid=error-dmia_hours]")
    page.fill("#dmia_hours", "2")
    page.select_option("#bia_status", BiaStatus.VALIDATED)
    page.click("[data-testid=save-process]")
    page.wait_for_url(f"{base}/continuite/{project.pk}/bia/")
    assert "validé" in page.inner_text("[data-testid=process-urgences]").lower()
    assert project.processes.get(code="urgences").dmia_hours == 2

    # gaps and recovery order
    page.click("[data-testid=pcra-nav] >> text=Écarts et ordre de reprise")
    assert "urgences" in page.inner_text("[data-testid=resumption-urgences]").lower()
    assert "de plus" in page.inner_text("[data-testid=resumption-urgences]").lower()
    assert page.locator("[data-testid=gaps] [data-testid=gap]").count() > 10
    rows = page.locator("[data-testid=order] tbody tr").evaluate_all("rows => rows.map(r => r.dataset.testid)")
    assert rows.index("step-ad") < rows.index("step-dpi")
    assert page.locator("[data-testid=timeline] svg rect").count() == len(rows)

    # the plan, in the three formats
    page.click("[data-testid=pcra-nav] >> text=Projet")
    assert "Un plateau médico-technique" in page.inner_text("[data-testid=requirements]")
    with page.expect_download() as info:
        page.click("[data-testid=download-pdf]")
    pdf = PdfReader(io.BytesIO(Path(info.value.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert len(pdf.pages) >= 10 and "Accueil et prise en charge des urgences" in text
    with page.expect_download() as info:
        page.click("[data-testid=download-docx]")
    document = Document(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert any("urgences" in p.text for p in document.paragraphs) and document.tables
    with page.expect_download() as info:
        page.click("[data-testid=download-html]")
    offline = Path(info.value.path()).read_text(encoding="utf-8")
    links = re.findall(r'(?:src|href)="([^"]*)"', offline)
    assert "<svg" in offline and not [link for link in links if link.startswith(("http:", "https:", "//"))]
    # the offline file opens and reads without any server
    target = tmp_path / "pcra.html"
    target.write_text(offline, encoding="utf-8")
    offline_page = browser.new_context(offline=True).new_page()
    offline_page.goto(target.as_uri())
    assert "Accueil et prise en charge des urgences" in offline_page.inner_text("body")
