"""The kit library pages: every signed-in user reads the public parts; content managers read the animator kits."""

import io

import openpyxl
from pypdf import PdfReader

from accounts.models import User


def test_library_lists_filters_and_searches(client, directory, kits, rssi_nantes):
    client.force_login(rssi_nantes)
    page = client.get("/kits/").content.decode()
    assert page.count('data-testid="kit-card"') == 4
    assert "{{" not in page
    assert client.get("/kits/", {"niveau": "confirme"}).content.decode().count('data-testid="kit-card"') == 1
    assert client.get("/kits/", {"q": "préfecture"}).content.decode().count('data-testid="kit-card"') >= 1
    assert client.get("/kits/", {"q": "motintrouvablequelconque"}).content.decode().count(
        'data-testid="kit-card"') == 0


def test_kit_page_shows_public_parts_only_to_establishment_users(client, directory, kits, rssi_nantes):
    client.force_login(rssi_nantes)
    page = client.get("/kits/mco-confirme/").content.decode()
    assert "Fiches réflexes" in page and "Glossaire" in page and "Kit communication" in page
    assert "Vérité cachée" not in page and "/kits/mco-confirme/kit-animateur/" not in page
    assert client.get("/kits/mco-confirme/kit-animateur/").status_code == 404
    grid = client.get("/kits/grilles/grille-cyber-v1/").content.decode()
    assert "AL-04" in grid and "Non observé" in grid
    pdf = client.get("/kits/mco-confirme/kit-participant.pdf")
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) >= 5


def test_content_managers_read_animator_kits_and_export_chronogrammes(directory, kits, verified_client):
    client = verified_client(User.objects.get(email="ars.pdl@care.demo"))
    page = client.get("/kits/regional-ars-prefecture/kit-animateur/").content.decode()
    assert "Vérité cachée" in page and "Support de présentation" in page and "Trame de RETEX" in page
    response = client.get("/kits/mco-debutant/chronogramme.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Chronogramme", "Pièces jointes", "Lisez-moi"]
    assert book["Chronogramme"].max_row >= 26
