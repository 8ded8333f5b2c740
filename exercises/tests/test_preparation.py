"""Preparing an exercise end to end through the pages: recommended kit, variables, people, messages, documents."""

import datetime as dt
import io
import re

import openpyxl
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import User
from conftest import CHU_NANTES
from core.models import AuditEntry
from exercises.models import Exercise, ExerciseStimulus, Member
from maturity.models import Assessment
from maturity.services.grids import default_grid


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_create_from_the_recommended_kit_with_contexts(client, directory, kits, rssi_nantes):
    Assessment.objects.create(establishment_id=CHU_NANTES, grid=default_grid(), year=2026, status="submitted",
                              level="confirme", percent=81.0, answers={})
    client.force_login(rssi_nantes)
    page = client.get(f"/exercices/nouveau/?etablissement={CHU_NANTES}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Niveau « confirmé » recommandé par l&#x27;autoévaluation 2026" in text
    assert re.search(r'<option value="mco-confirme"[^>]*selected', text)
    start = (timezone.localtime() + dt.timedelta(days=30)).strftime("%Y-%m-%dT09:30")
    response = client.post("/exercices/nouveau/", {
        "etablissement": CHU_NANTES, "kit": "mco-confirme", "contexts": ["psychiatrie"], "scheduled_start": start,
        "place": "Salle du directoire", "title": "", "duration_minutes": "", "provider": "GRADeS e-santé"})
    exercise = Exercise.objects.get()
    assert response["Location"] == f"/exercices/{exercise.pk}/"
    assert exercise.kit_version.kit.slug == "mco-confirme" and exercise.kit_version.version == "1.0.0"
    assert exercise.overlays == [{"slug": "overlay-psychiatrie", "version": "1.0.0", "context": "psychiatrie"}]
    assert exercise.stimuli.filter(stimulus_id__startswith="PSY-").exists()
    assert exercise.stimuli.count() > exercise.kit_version.stimuli.count()
    assert exercise.variables["etablissement_nom"] == "CHU DE NANTES SITE HOTEL DIEU HME"
    assert exercise.variables["ars_nom"].startswith("ARS")
    assert exercise.members.get().role == "animator" and exercise.members.get().is_lead
    assert AuditEntry.objects.filter(model_label="exercises.Exercise", action="create").exists()


def test_people_outside_the_establishment_cannot_create(client, directory, kits, make_user):
    other = User.objects.get(email="rssi.chu-rennes@care.demo")
    client.force_login(other)
    page = client.get(f"/exercices/nouveau/?etablissement={CHU_NANTES}")
    assert CHU_NANTES not in page.content.decode()  # not offered: falls back to its own establishment
    client.post("/exercices/nouveau/", {"etablissement": CHU_NANTES, "kit": "mco-debutant",
                                        "scheduled_start": "2027-03-09T09:00", "place": "x"})
    assert not Exercise.objects.filter(establishment_id=CHU_NANTES).exists()


def test_variables_fill_every_stimulus_preview(client, exercise, rssi_nantes):
    client.force_login(rssi_nantes)
    page = client.get(f"/exercices/{exercise.pk}/variables/").content.decode()
    assert page.count('data-testid="stimulus"') == exercise.stimuli.count()
    assert "{{" not in page.split("Aperçu des")[1]  # every variable replaced or flagged
    values = {f"var_{name}": value for name, value in exercise.variables.items()}
    values["var_dpi_nom"] = "Orbis <script>alert(1)</script>"
    response = client.post(f"/exercices/{exercise.pk}/variables/", values)
    assert response.status_code == 302
    page = client.get(f"/exercices/{exercise.pk}/variables/").content.decode()
    assert "Orbis &lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    exercise.refresh_from_db()
    assert exercise.variables["dpi_nom"].startswith("Orbis")


def test_invitation_creates_an_account_and_opens_the_exercise(client, exercise, rssi_nantes):
    client.force_login(rssi_nantes)
    mail.outbox.clear()
    response = client.post(f"/exercices/{exercise.pk}/participants/", {
        "full_name": "Marie Curie", "email": "Marie.Curie@chu.example", "role": "player", "cell_role": "communication"})
    assert response.status_code == 302
    invitation = mail.outbox[-1]
    assert invitation.to == ["marie.curie@chu.example"]
    assert invitation.attachments[0][0] == "exercice.ics" and "BEGIN:VEVENT" in invitation.attachments[0][1]
    link = re.search(r"http://testserver(/exercices/invitation/[^/\s]+/)", invitation.body).group(1)
    member = Member.objects.get(email="marie.curie@chu.example")
    assert member.token_hash and link.split("/")[-2] not in member.token_hash  # only the hash is stored
    client.logout()
    page = client.get(link)
    assert "Créez votre compte" in page.content.decode()
    weak = client.post(link, {"full_name": "Marie Curie", "password": "123456789012"})
    assert weak.status_code == 200 and not User.objects.filter(email="marie.curie@chu.example").exists()
    response = client.post(link, {"full_name": "Marie Curie", "password": "Un-mot-de-passe-solide-2027"})
    assert response["Location"] == f"/exercices/{exercise.pk}/"
    detail = client.get(f"/exercices/{exercise.pk}/").content.decode()
    assert "Vous : joueur" in detail
    assert client.get(link).status_code == 404  # single use: the link is spent
    assert Member.objects.get(email="marie.curie@chu.example").user.email == "marie.curie@chu.example"


def test_player_without_a_role_needs_a_cell_role(client, exercise, rssi_nantes):
    client.force_login(rssi_nantes)
    response = client.post(f"/exercices/{exercise.pk}/participants/", {
        "full_name": "Sans Rôle", "email": "sans.role@chu.example", "role": "player", "cell_role": ""})
    assert response.status_code == 200
    assert "Choisissez le rôle du joueur" in response.content.decode()
    assert not Member.objects.filter(email="sans.role@chu.example").exists()


def test_communication_kit_sends_messages_with_calendar(client, exercise, rssi_nantes):
    client.force_login(rssi_nantes)
    page = client.get(f"/exercices/{exercise.pk}/communication/").content.decode()
    assert page.count('data-testid="message"') == len(exercise.kit_version.communication["messages"])
    invitation = next(m for m in exercise.kit_version.communication["messages"] if m["kind"] == "invitation")
    mail.outbox.clear()
    response = client.post(f"/exercices/{exercise.pk}/communication/", {
        "message": invitation["id"], "audience": "all", "extra": "direction@chu.example"})
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [*exercise.members.values_list("email", flat=True), "direction@chu.example"])
    assert "{{" not in mail.outbox[0].body and "{{" not in mail.outbox[0].subject
    assert mail.outbox[0].attachments[0][2].startswith("text/calendar")
    assert exercise.dispatches.get().message_id == invitation["id"]
    bad = client.post(f"/exercices/{exercise.pk}/communication/", {
        "message": invitation["id"], "audience": "all", "extra": "pas-une-adresse"})
    assert "Adresse invalide : « pas-une-adresse »" in bad.content.decode()
    assert exercise.dispatches.count() == 1


def test_calendar_file_is_valid_ics(client, exercise, player):
    client.force_login(player)
    response = client.get(f"/exercices/{exercise.pk}/calendrier.ics")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    start = exercise.scheduled_start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_participant_kit_page_and_pdf(client, exercise, player):
    client.force_login(player)
    page = client.get(f"/exercices/{exercise.pk}/kit-participant/").content.decode()
    assert "Fiches réflexes" in page and "Glossaire" in page
    response = client.get(f"/exercices/{exercise.pk}/kit-participant.pdf")
    assert response["Content-Type"] == "application/pdf"
    pages, text = _pdf_text(response.content)
    assert pages >= 5
    assert "Règles du jeu" in text and "CHU DE NANTES" in text


def test_binder_prints_the_whole_kit(client, exercise, rssi_nantes):
    client.force_login(rssi_nantes)
    response = client.get(f"/exercices/{exercise.pk}/classeur.pdf")
    pages, text = _pdf_text(response.content)
    assert pages >= 30
    for part in ("Kit participant", "Kit communication", "Kit animateur", "Vérité cachée", "Grille d'évaluation",
                 "Participants"):
        assert part in text, part
    first = exercise.stimuli.order_by("offset_seconds", "order").first()
    assert first.stimulus_id in text


def test_chronogramme_import_replaces_or_keeps_everything(client, exercise, rssi_nantes):
    client.force_login(rssi_nantes)
    exported = client.get(f"/exercices/{exercise.pk}/chronogramme.xlsx").content
    book = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = book["Chronogramme"]
    sheet.cell(row=2, column=9, value="Titre adapté à notre hôpital")
    broken = io.BytesIO()
    original_offset = sheet.cell(row=3, column=4).value
    sheet.cell(row=3, column=4, value="demain")
    book.save(broken)
    broken.seek(0)
    before = list(exercise.stimuli.values_list("stimulus_id", "title"))
    broken.name = "chronogramme.xlsx"
    response = client.post(f"/exercices/{exercise.pk}/chronogramme/", {"file": broken})
    assert response.status_code == 400
    assert "Ligne 3, colonne « Décalage (HH:MM:SS) »" in response.content.decode()
    assert list(exercise.stimuli.values_list("stimulus_id", "title")) == before  # nothing lost
    sheet.cell(row=3, column=4, value=original_offset)
    good = io.BytesIO()
    book.save(good)
    good.seek(0)
    good.name = "chronogramme.xlsx"
    response = client.post(f"/exercices/{exercise.pk}/chronogramme/", {"file": good})
    assert response.status_code == 302
    first_id = sheet.cell(row=2, column=1).value
    assert ExerciseStimulus.objects.get(exercise=exercise, stimulus_id=first_id).title == "Titre adapté à notre hôpital"
    assert exercise.stimuli.count() == len(before)
    garbage = io.BytesIO(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")
    garbage.name = "piege.xlsx"
    response = client.post(f"/exercices/{exercise.pk}/chronogramme/", {"file": garbage})
    assert response.status_code == 400 and "pas un classeur Excel" in response.content.decode()
    assert exercise.stimuli.count() == len(before)


def test_logistics_and_status_changes_are_audited(client, exercise, rssi_nantes):
    client.force_login(rssi_nantes)
    start = timezone.localtime(exercise.scheduled_start).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/exercices/{exercise.pk}/logistique/", {"title": "Exercice cyber 2027", "scheduled_start": start,
                                                           "duration_minutes": 150, "place": "Amphi", "provider": ""})
    client.post(f"/exercices/{exercise.pk}/etat/", {"status": "planned"})
    exercise.refresh_from_db()
    assert (exercise.title, exercise.place, exercise.status) == ("Exercice cyber 2027", "Amphi", "planned")
    changes = AuditEntry.objects.filter(model_label="exercises.Exercise", action="update").values_list("changes",
                                                                                                       flat=True)
    assert any("place" in c for c in changes) and any("status" in c for c in changes)


def test_cancelling_needs_the_confirmation(client, exercise, rssi_nantes):
    client.force_login(rssi_nantes)
    page = client.get(f"/exercices/{exercise.pk}/").content.decode()
    assert 'aria-controls="confirm-cancel"' in page and 'id="confirm-cancel"' in page
    response = client.post(f"/exercices/{exercise.pk}/etat/", {"status": "cancelled"}, follow=True)
    assert "Action irréversible : elle doit être confirmée." in response.content.decode()
    exercise.refresh_from_db()
    assert exercise.status == "draft"
    client.post(f"/exercices/{exercise.pk}/etat/", {"status": "planned"})  # reversible: no confirmation asked
    exercise.refresh_from_db()
    assert exercise.status == "planned"
    client.post(f"/exercices/{exercise.pk}/etat/", {"status": "cancelled", "confirmation": "oui"})
    exercise.refresh_from_db()
    assert exercise.status == "cancelled"


def test_removing_a_member_needs_the_confirmation(client, exercise, rssi_nantes, observer):
    client.force_login(rssi_nantes)
    member = Member.objects.get(exercise=exercise, user=observer)
    page = client.get(f"/exercices/{exercise.pk}/participants/").content.decode()
    assert f'id="confirm-remove-{member.pk}"' in page
    url = f"/exercices/{exercise.pk}/participants/{member.pk}/"
    response = client.post(url, {"action": "remove"}, follow=True)
    assert "Action irréversible : elle doit être confirmée." in response.content.decode()
    assert Member.objects.filter(pk=member.pk).exists()
    response = client.post(url, {"action": "remove", "confirmation": "oui"}, follow=True)
    assert "retiré(e) de l&#x27;exercice" in response.content.decode()
    assert not Member.objects.filter(pk=member.pk).exists()
