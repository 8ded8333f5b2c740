"""Robustness of the exercise documents and messages: damaged chronogramme workbooks, line breaks in titles
(ICS, e-mail subjects), and animator documents never kept in a cache."""

import io
import zipfile

import pytest
from django.core import mail

from accounts.models import User
from exercises.models import Exercise
from exercises.services.communication import ics, subject_line
from exercises.services.preparation import exercise_kit
from kits.services.chronogramme_xlsx import ChronogrammeImportError, import_workbook

NO_STORE = "no-store, private"


def _flip_in_the_middle_of(content: bytes, part_prefix: str = "xl/worksheets/") -> bytes:
    """The workbook with bytes flipped in the middle of the compressed data of its largest worksheet."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = max((i for i in archive.infolist() if i.filename.startswith(part_prefix)), key=lambda i: i.compress_size)
    data = bytearray(content)
    name_length, extra_length = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little"), \
        int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    middle = start + info.compress_size // 2
    for i in range(middle, middle + 16):
        data[i] ^= 0xFF
    return bytes(data)


def test_a_corrupted_chronogramme_is_a_clear_error_and_changes_nothing(client, exercise, rssi_nantes):
    client.force_login(rssi_nantes)
    exported = client.get(f"/exercices/{exercise.pk}/chronogramme.xlsx").content
    before = list(exercise.stimuli.values_list("stimulus_id", "title", "content"))
    damaged = io.BytesIO(_flip_in_the_middle_of(exported))
    damaged.name = "chronogramme.xlsx"
    response = client.post(f"/exercices/{exercise.pk}/chronogramme/", {"file": damaged})
    assert response.status_code == 400
    page = response.content.decode()
    assert "classeur illisible ou endommagé" in page and "Import refusé" in page
    assert list(exercise.stimuli.values_list("stimulus_id", "title", "content")) == before


@pytest.mark.parametrize("damage", ["flip", "truncate", "missing_part", "not_xml"])
def test_every_kind_of_damaged_workbook_is_an_import_error(client, exercise, rssi_nantes, damage):
    client.force_login(rssi_nantes)
    exported = client.get(f"/exercices/{exercise.pk}/chronogramme.xlsx").content
    if damage == "flip":
        content = _flip_in_the_middle_of(exported)
    elif damage == "truncate":
        content = exported[: len(exported) * 2 // 3]
    else:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(exported)) as source, zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                if info.filename == "xl/worksheets/sheet1.xml":
                    if damage == "missing_part":
                        continue
                    target.writestr(info, b"<worksheet><sheetData><row")
                else:
                    target.writestr(info, source.read(info))
        content = out.getvalue()
    meta = exercise_kit(exercise).meta
    with pytest.raises(ChronogrammeImportError) as caught:
        import_workbook(content, meta, {c["id"] for c in exercise.kit_version.grid.criteria()})
    assert caught.value.errors and all(e.row == 0 for e in caught.value.errors)


def test_a_lone_carriage_return_in_a_title_cannot_inject_an_ics_property(exercise):
    Exercise.objects.filter(pk=exercise.pk).update(title="Exercice\rATTENDEE:mailto:x@evil",
                                                   place="Salle\nORGANIZER:mailto:y@evil\r\nX")
    exercise.refresh_from_db()
    text = ics(exercise, "Ligne 1\rLigne 2\nLigne 3\r\nATTENDEE:mailto:z@evil" + " très long" * 30)
    lines = text.split("\r\n")
    assert not any(line.startswith(("ATTENDEE", "ORGANIZER")) for line in lines)
    assert "\r" not in text.replace("\r\n", "") and "\n" not in text.replace("\r\n", "")
    assert "SUMMARY:Exercice\\nATTENDEE:mailto:x@evil" in text
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert "DESCRIPTION:Ligne 1\\nLigne 2\\nLigne 3\\nATTENDEE:mailto:z@evil" in unfolded


def test_adding_a_member_to_an_exercise_titled_with_a_carriage_return_sends_the_mail(client, exercise, rssi_nantes):
    Exercise.objects.filter(pk=exercise.pk).update(title="A\rB")
    client.force_login(rssi_nantes)
    mail.outbox.clear()
    response = client.post(f"/exercices/{exercise.pk}/participants/", {
        "full_name": "Marie Curie", "email": "marie.curie@chu.example", "role": "player", "cell_role": "communication"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Invitation : A B"
    message.message()  # the headers are valid (no BadHeaderError)
    assert "\nA\r" not in message.attachments[0][1]


def test_subject_line_keeps_one_line():
    assert subject_line("Invitation : A\rB\r\nC\nD\x00E\u2028F") == "Invitation : A B C D E F"


def test_animator_documents_of_an_exercise_are_never_cached(client, exercise, rssi_nantes, player):
    client.force_login(rssi_nantes)
    for url in ("kit-animateur/", "kit-animateur.pdf", "classeur.pdf", "chronogramme/", "chronogramme.xlsx",
                "animation/", "direct/export.xlsx"):
        response = client.get(f"/exercices/{exercise.pk}/{url}")
        assert response.status_code == 200, url
        assert response["Cache-Control"] == NO_STORE, url
    client.force_login(player)  # the participant kit is not an animator document
    assert "no-store" not in client.get(f"/exercices/{exercise.pk}/kit-participant/").get("Cache-Control", "")


def test_library_animator_kit_and_chronogramme_are_never_cached(directory, kits, verified_client):
    client = verified_client(User.objects.get(email="ars.pdl@care.demo"))
    for url in ("/kits/mco-debutant/kit-animateur/", "/kits/mco-debutant/chronogramme.xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == NO_STORE, url
