"""The PCRA document generated from the BIA, read back from each format: the PDF binder (pypdf), the editable DOCX
(python-docx) and the self-contained offline HTML page; the shared context's query count; a dependency cycle."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import CHU_NANTES
from continuity.models import Contact, PlanVersion, Process, Resource, SectionLink
from continuity.services.bia import analyse, do_create_project
from continuity.services.document import blocks, plan_document
from continuity.services.plan_docx import render_docx
from continuity.services.plan_html import render_html
from continuity.services.plan_pdf import render_pdf
from organisations.models import Establishment

HEADINGS = ("Qui", "Quand", "Quoi", "Où", "Comment", "Retour à la normale et ressaisie")


def flat(value: str) -> str:
    return " ".join(value.split())


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def make_project(user, example="ch-general", title="PCRA du CHU"):
    return do_create_project(user, Establishment.objects.get(pk=CHU_NANTES), title=title, example=example)


@pytest.fixture
def project(rssi_nantes):
    project = make_project(rssi_nantes)
    project.lead_name = "Mme Sophie Lemaire"
    project.save()
    director = Contact.objects.get(project=project, function="Directeur de l'établissement")
    director.name, director.phone, director.email = "Mme Claire Bertin", "02 40 08 33 33", "direction@chu.example"
    director.save()
    Contact.objects.create(project=project, function="Cadre de santé de garde", name="M. Paul Girard",
                           phone="02 40 08 44 44", backup_phone="06 12 34 56 78", order=50)
    PlanVersion.objects.create(project=project, number=1, note="Première version validée en comité de pilotage.",
                               snapshot={}, digest="x")
    return project


def test_blocks_render_paragraphs_bullets_and_continuations():
    parsed = blocks("Premier paragraphe\nsur deux lignes.\n\n- point un\n  suite du point un\n- point deux\n"
                    "Après la liste.\n## Titre **gras**\n1. numéroté")
    assert [b.kind for b in parsed] == ["p", "ul", "p", "h", "ul"]
    assert parsed[0].text == "Premier paragraphe sur deux lignes."
    assert parsed[1].items == ("point un suite du point un", "point deux")
    assert parsed[3].text == "Titre gras"
    assert parsed[4].items == ("numéroté",)
    assert blocks("") == []


def test_pdf_binder_holds_every_sheet_the_recovery_order_and_the_gaps(project):
    analysis = analyse(project)
    pages = pdf_pages(render_pdf(project))
    text = flat("\n".join(pages))
    cover = flat(pages[0])
    for expected in ("Plan de continuité et de reprise d'activité (PCRA)", "CHU DE NANTES", CHU_NANTES,
                     "Établissement", "version 1", "Mme Sophie Lemaire",
                     "Document à imprimer et à conserver hors du système d'information"):
        assert expected in cover
    assert "page 1 / " in pages[0]
    # table of contents, with the right page numbers
    contents = pages[1]
    assert "Sommaire" in contents and "Annuaire de crise" in contents
    first = analysis.processes[0]
    lines = [line.strip() for line in contents.splitlines()]
    after = lines[next(i for i, line in enumerate(lines) if line.startswith("Fiche 1 — ")):]
    sheet_page = int(next(line for line in after if line.isdigit()))
    assert flat(pages[sheet_page - 1]).startswith(f"Fiche 1 — {first.name}")
    # one sheet per process, most critical first, each starting a page, with the six headings
    starts = []
    for index, process in enumerate(analysis.processes, 1):
        number = next(i for i, page in enumerate(pages) if flat(page).startswith(f"Fiche {index} — {process.name}"))
        starts.append(number)
        sheet = "\n".join(pages[number:number + 3]).split(f"Fiche {index + 1} — ")[0]
        lines = {line.strip() for line in sheet.splitlines()}
        for heading in HEADINGS:
            assert heading in lines, (process.name, heading)
        assert "Le mode dégradé doit tenir" in flat(pages[number]) or "tient dans la DMIA" in flat(pages[number])
    assert starts == sorted(starts)
    assert [p.criticality for p in analysis.processes] == sorted((p.criticality for p in analysis.processes),
                                                                 reverse=True)
    # recovery order: the first resources, in order, in the table of section 4
    def section(title: str) -> str:
        start = next(i for i, page in enumerate(pages) if flat(page).startswith(title))
        return flat("\n".join(pages[start:]))

    recovery = section("4. Plan de reprise, dans l'ordre")
    positions = [recovery.index(step.name) for step in analysis.plan.steps[:4]]
    assert positions == sorted(positions)
    assert "Frise de reprise" in recovery
    # gaps
    gaps = section("5. Écarts entre besoins et capacités")
    assert "la durée pendant laquelle le mode dégradé doit tenir" in gaps
    gap = next(g for g in analysis.gaps if g.kind == "dmia" and not g.cumulative)
    assert analysis.names[gap.process] in gaps and analysis.names[gap.resource] in gaps
    assert "PDMA" in gaps
    # directory and annexes
    assert "Mme Claire Bertin" in text and "M. Paul Girard" in text and "06 12 34 56 78" in text
    for expected in ("Couverture de l'activité", "Matrice des impacts par processus", "Sécurité des patients",
                     "4 · Critique", "Historique des versions", "Première version validée", "Lexique",
                     "DMIA — durée maximale d'interruption admissible"):
        assert expected in text, expected


def test_docx_has_real_headings_tables_and_the_chart(project):
    from docx import Document

    analysis = analyse(project)
    document = Document(io.BytesIO(render_docx(project)))
    headings = {p.style.name: [] for p in document.paragraphs}
    for paragraph in document.paragraphs:
        headings[paragraph.style.name].append(paragraph.text)
    assert "1. Organisation et chaîne d'alerte" in headings["Heading 1"]
    assert "4. Plan de reprise, dans l'ordre" in headings["Heading 1"]
    assert "6. Annuaire de crise" in headings["Heading 1"]
    for index, process in enumerate(analysis.processes, 1):
        assert f"Fiche {index} — {process.name}" in headings["Heading 2"]
    for heading in HEADINGS:
        assert headings["Heading 3"].count(heading) == len(analysis.processes)
    tables = {tuple(c.text for c in t.rows[0].cells): t for t in document.tables}
    contacts = tables[("Fonction", "Nom", "Téléphone", "Secours", "Courriel")]
    rows = [[c.text for c in row.cells] for row in contacts.rows[1:]]
    assert ["Directeur de l'établissement", "Mme Claire Bertin", "02 40 08 33 33", "", "direction@chu.example"] in rows
    assert ["Cadre de santé de garde", "M. Paul Girard", "02 40 08 44 44", "06 12 34 56 78", ""] in rows
    assert ["", "", "", "", ""] in rows  # blank lines to fill by hand
    recovery = tables[("Rang", "Ressource", "Nature", "Début", "Prête", "Processus servis", "Le plus critique")]
    order = [(row.cells[0].text, row.cells[1].text) for row in recovery.rows[1:]]
    assert order == [(str(s.rank), s.name) for s in analysis.plan.steps]
    assert len(document.inline_shapes) >= 1
    images = [r for r in document.part.rels.values() if "image" in r.reltype]
    assert images and images[0].target_part.blob[:8] == b"\x89PNG\r\n\x1a\n"


def test_offline_html_is_self_contained_and_escaped(project):
    process = Process.objects.get(project=project, code="urgences")
    process.name = "Urgences <script>alert('pcra')</script>"
    process.save()
    html = render_html(project)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE)
    assert "http://" not in html and "https://" not in html
    assert "<link" not in html and not re.search(r"<script[^>]*\bsrc", html)
    assert "@import" not in html and "url(" not in html
    assert html.count("<script") == 1  # the small sheet filter, the page reads without it
    assert "<svg" in html and "<rect" in html
    assert "@page" in html and "page-break-before: always" in html
    assert "<script>alert(" not in html
    assert "Urgences &lt;script&gt;alert(&#x27;pcra&#x27;)&lt;/script&gt;" in html
    for code in project.processes.values_list("code", flat=True):
        assert f'id="processus-{code}"' in html
        assert f'href="#processus-{code}"' in html
    for anchor in ("organisation", "activation", "modes-degrades", "reprise", "ecarts", "contacts", "annexes"):
        assert f'id="{anchor}"' in html and f'href="#{anchor}"' in html
    assert "Mme Claire Bertin" in html and "Document à imprimer et à conserver hors du système d&#x27;information" \
        in html
    # the other formats print the same name as text
    assert "Urgences <script>alert('pcra')</script>" in flat("\n".join(pdf_pages(render_pdf(project))))
    render_docx(project)


def test_plan_document_costs_the_same_queries_for_many_or_few_processes(rssi_nantes, django_assert_max_num_queries):
    large = make_project(rssi_nantes, "ch-general", "Grand")
    small = make_project(rssi_nantes, "ehpad", "Petit")
    for project in (large, small):
        action = project.establishment.improvement_actions.create(title=f"Action {project.title}")
        SectionLink.objects.create(project=project, action=action, section="organisation")
    assert large.processes.count() > small.processes.count() + 5
    plan_document(large)  # content files cached once per process
    counts = []
    for project in (large, small):
        fresh = type(project).objects.get(pk=project.pk)
        with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as queries:
            context = plan_document(fresh)
        counts.append(len(queries))
        assert context["links"][0]["title"] == f"Action {project.title}"
    assert counts[0] == counts[1]


def test_a_dependency_cycle_is_reported_and_every_format_still_renders(project):
    core = Resource.objects.get(project=project, code="reseau-coeur")
    firewall = Resource.objects.get(project=project, code="pare-feu-internet")
    assert core in firewall.depends_on.all()
    core.depends_on.add(firewall)
    context = plan_document(project)
    assert context["cycles"] and {"Réseau cœur, commutateurs de distribution et Wi-Fi",
                                  "Pare-feu, accès Internet et liaisons avec le GHT"} <= set(context["cycles"][0])
    assert context["blocked"]
    text = flat("\n".join(pdf_pages(render_pdf(project))))
    assert "Attention : dépendances circulaires" in text
    assert "Réseau cœur, commutateurs de distribution et Wi-Fi → Pare-feu" in text or \
        "Pare-feu, accès Internet et liaisons avec le GHT → Réseau cœur" in text
    assert "Reprise impossible à estimer" in text
    from docx import Document

    document = Document(io.BytesIO(render_docx(project)))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "Attention : dépendances circulaires" in paragraphs and "Ressources bloquées" in paragraphs
    html = render_html(project)
    assert "Attention : dépendances circulaires" in html and 'role="alert"' in html


def test_a_project_without_bia_still_prints_a_usable_plan(rssi_nantes):
    project = make_project(rssi_nantes, example="", title="PCRA à démarrer")
    text = flat("\n".join(pdf_pages(render_pdf(project))))
    assert "Aucun processus analysé" in text and "Administrateur de garde" in text
    assert "Aucune ressource ordonnée : la frise ne peut pas être tracée." in text
    html = render_html(project)
    assert "Aucun processus analysé." in html and "<svg" not in html
    from docx import Document

    document = Document(io.BytesIO(render_docx(project)))
    assert any(p.text == "6. Annuaire de crise" for p in document.paragraphs)
