"""Chronogramme ⇄ XLSX: a lossless round trip, one clear error per bad cell, and hostile files refused."""

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from kits.services.assembly import apply_overlay
from kits.services.chronogramme_xlsx import COLUMNS, ChronogrammeImportError, export_workbook, import_workbook
from kits.services.loader import grid_criteria, read_content
from kits.services.stimuli import canonical, sort_key

HEADER = {field: index + 1 for index, (field, _, _) in enumerate(COLUMNS)}


@pytest.fixture(scope="module")
def content():
    return read_content()


def _kit(content, slug):
    grids, kits, overlays = content
    kit = next(k for k in kits if k.slug == slug)
    return kit, grid_criteria(grids[kit.meta["grid"]]), overlays


def test_round_trip_is_lossless_for_every_kit_and_overlay(content):
    grids, kits, overlays = content
    combinations = [(k, None) for k in kits] + [(k, o) for k in kits for o in overlays if k.slug in o["applies_to"]]
    assert len(combinations) == 4 + 15
    for kit, overlay in combinations:
        data = apply_overlay(kit, overlay) if overlay else kit
        criteria = grid_criteria(grids[kit.meta["grid"]])
        exported = export_workbook(data.stimuli, data.meta)
        back = import_workbook(exported, data.meta, criteria)
        expected = sorted((canonical(s) for s in data.stimuli), key=sort_key)
        assert back == expected, f"{kit.slug} + {overlay and overlay['id']}"
    # attachments travel through their own sheet
    assert any(s.get("attachments") for k in kits for s in k.stimuli)


def _workbook(kit) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(export_workbook(kit.stimuli, kit.meta)))


def _bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_each_bad_cell_gets_its_own_error_with_row_and_column(content):
    kit, criteria, _ = _kit(content, "mco-debutant")
    book = _workbook(kit)
    sheet = book["Chronogramme"]
    sheet.cell(row=2, column=HEADER["offset"], value="1h05")
    sheet.cell(row=3, column=HEADER["channel"], value="pigeon voyageur")
    sheet.cell(row=4, column=HEADER["optional"], value="peut-être")
    sheet.cell(row=5, column=HEADER["pressure"], value="forte")
    with pytest.raises(ChronogrammeImportError) as caught:
        import_workbook(_bytes(book), kit.meta, criteria)
    messages = [str(e) for e in caught.value.errors]
    assert messages == [
        "Ligne 2, colonne « Décalage (HH:MM:SS) » : « 1h05 » n'est pas une durée au format HH:MM:SS",
        "Ligne 3, colonne « Canal » : canal « pigeon voyageur » inconnu (attendu : email, phone, sms, press, "
        "social, letter, handout, verbal, broadcast)",
        "Ligne 4, colonne « Facultatif » : « peut-être » : attendu oui ou non",
        "Ligne 5, colonne « Pression (1-3) » : « forte » n'est pas un nombre entier positif",
    ]


def test_schema_and_reference_errors_point_at_their_rows(content):
    kit, criteria, _ = _kit(content, "mco-debutant")
    book = _workbook(kit)
    sheet = book["Chronogramme"]
    phone_row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, HEADER["channel"]).value == "phone")
    sheet.cell(row=phone_row, column=HEADER["script"], value="")
    sheet.cell(row=6, column=HEADER["story_time"], value="mardi 8h")
    with pytest.raises(ChronogrammeImportError) as caught:
        import_workbook(_bytes(book), kit.meta, criteria)
    messages = [str(e) for e in caught.value.errors]
    assert f"Ligne {phone_row}, colonne « Script » : un appel ou une annonce orale doit avoir un script" in messages
    assert "Ligne 6, colonne « Heure simulée » : « mardi 8h » n'a pas le format attendu" in messages

    book = _workbook(kit)
    book["Chronogramme"].cell(row=7, column=HEADER["sender"], value="martien")
    book["Chronogramme"].cell(row=8, column=HEADER["criteria"], value="CC-01, XX-42")
    with pytest.raises(ChronogrammeImportError) as caught:
        import_workbook(_bytes(book), kit.meta, criteria)
    messages = [str(e) for e in caught.value.errors]
    assert any(m == "Ligne 7 (S-006) : émetteur inconnu « martien » (absent des acteurs du kit)" for m in messages)
    assert any(m == "Ligne 8 (S-007) : critère « XX-42 » absent de la grille grille-cyber-v1" for m in messages)


def test_excel_time_cells_and_labels_are_understood(content):
    kit, criteria, _ = _kit(content, "mco-debutant")
    book = _workbook(kit)
    sheet = book["Chronogramme"]
    sheet.cell(row=3, column=HEADER["offset"], value=dt.time(0, 2, 30))
    sheet.cell(row=3, column=HEADER["channel"], value=sheet.cell(3, HEADER["channel"]).value)
    sheet.cell(row=3, column=HEADER["optional"], value="OUI")
    stimuli = import_workbook(_bytes(book), kit.meta, criteria)
    changed = next(s for s in stimuli if s["id"] == sheet.cell(3, HEADER["id"]).value)
    assert changed["offset"] == "00:02:30" and changed["optional"] is True


def test_hostile_or_broken_files_are_refused_cleanly(content):
    kit, criteria, _ = _kit(content, "mco-debutant")
    with pytest.raises(ChronogrammeImportError, match="n'est pas un classeur Excel"):
        import_workbook(b"id;titre\nS-001;x", kit.meta, criteria)
    with pytest.raises(ChronogrammeImportError, match="trop volumineux"):
        import_workbook(b"PK" + b"0" * (6 * 1024 * 1024), kit.meta, criteria)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (60 * 1024 * 1024) + b"</a>")
    with pytest.raises(ChronogrammeImportError, match="décompressé trop volumineux"):
        import_workbook(bomb.getvalue(), kit.meta, criteria)
    # an XML entity declaration (billion laughs / XXE) in a sheet: defusedxml refuses to parse it
    source = io.BytesIO(export_workbook(kit.stimuli, kit.meta))
    hostile = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(hostile, "w") as target:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<worksheet", b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]><worksheet',
                                    1)
            target.writestr(item, data)
    with pytest.raises(ChronogrammeImportError, match="classeur illisible"):
        import_workbook(hostile.getvalue(), kit.meta, criteria)
    book = _workbook(kit)
    del book["Chronogramme"]
    with pytest.raises(ChronogrammeImportError, match="onglet « Chronogramme » introuvable"):
        import_workbook(_bytes(book), kit.meta, criteria)
