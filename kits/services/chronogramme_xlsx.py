"""Chronogramme ⇄ XLSX. Export then import gives back the same stimuli (lossless); a bad cell gets its own error.

Uploaded workbooks are untrusted: size and decompression limits are checked before openpyxl parses them, and
openpyxl parses XML through defusedxml.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from kits.models import Channel
from kits.services.assembly import check_stimuli
from kits.services.schemas import stimulus_validator
from kits.services.stimuli import canonical, format_offset, parse_offset, sort_key

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 2000
SHEET = "Chronogramme"
ATTACHMENTS_SHEET = "Pièces jointes"
README_SHEET = "Lisez-moi"

COLUMNS: list[tuple[str, str, int]] = [  # field, header, width
    ("id", "Identifiant", 11), ("order", "Ordre", 7), ("phase", "Phase", 7), ("offset", "Décalage (HH:MM:SS)", 12),
    ("story_time", "Heure simulée", 12), ("sender", "Émetteur", 18), ("recipients", "Destinataires", 22),
    ("channel", "Canal", 10), ("title", "Titre", 40), ("content", "Contenu", 70), ("script", "Script", 60),
    ("expected_reactions", "Réactions attendues (une par ligne)", 60), ("criteria", "Critères", 16),
    ("animator_notes", "Notes d'animation", 50), ("hints", "Relances (une par ligne)", 50),
    ("optional", "Facultatif", 10), ("contingency", "Secours", 9), ("noise", "Bruit", 7),
    ("depends_on", "Dépend de", 14), ("pressure", "Pression (1-3)", 9),
]
HEADERS = {field: header for field, header, _ in COLUMNS}
COMMA_LISTS = ("recipients", "criteria", "depends_on")
LINE_LISTS = ("expected_reactions", "hints")
FLAGS = ("optional", "contingency", "noise")
TRUE_WORDS = {"oui", "o", "x", "vrai", "true", "1", "yes"}
FALSE_WORDS = {"non", "n", "faux", "false", "0", "no", ""}
CHANNEL_BY_LABEL = {label.casefold(): value for value, label in Channel.choices}


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    message: str
    stimulus: str = ""

    def __str__(self) -> str:
        where = f"ligne {self.row}" + (f" ({self.stimulus})" if self.stimulus else "") + (
            f", colonne « {self.column} »" if self.column else "")
        return f"{where[0].upper()}{where[1:]} : {self.message}"


class ChronogrammeImportError(Exception):
    def __init__(self, errors: list[CellError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


# --- export ------------------------------------------------------------------------------------

def export_workbook(stimuli: list[dict], meta: dict, criteria: list[dict] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([header for _, header, _ in COLUMNS])
    for index, (_, _, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="000091")
    attachments = [["Stimulus", "Nom", "Description", "Contenu"]]
    for stimulus in sorted((canonical(s) for s in stimuli), key=sort_key):
        row = []
        for field, _, _ in COLUMNS:
            value = stimulus.get(field)
            if field in COMMA_LISTS:
                value = ", ".join(value)
            elif field in LINE_LISTS:
                value = "\n".join(value)
            elif field in FLAGS:
                value = "oui" if value else "non"
            elif value is None:
                value = ""
            row.append(value)
        sheet.append(row)
        for attachment in stimulus.get("attachments", []):
            attachments.append([stimulus["id"], attachment["name"], attachment["description"], attachment["content"]])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            _as_text(cell)
    sheet.freeze_panes = "B2"
    last = sheet.max_row + 200
    channel_column = openpyxl.utils.get_column_letter([f for f, _, _ in COLUMNS].index("channel") + 1)
    validation = DataValidation(type="list", formula1='"' + ",".join(Channel.values) + '"', allow_blank=False)
    validation.add(f"{channel_column}2:{channel_column}{last}")
    sheet.add_data_validation(validation)
    extra = book.create_sheet(ATTACHMENTS_SHEET)
    for line in attachments:
        extra.append(line)
    for cells in extra.iter_rows(min_row=2):
        for cell in cells:
            _as_text(cell)
    _readme(book.create_sheet(README_SHEET), meta, criteria or [])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _as_text(cell) -> None:
    """Text stays text: a value starting with « = » is never turned into a formula (nor lost on re-import)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        cell.number_format = "@"


def _readme(sheet, meta: dict, criteria: list[dict]) -> None:
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 90
    rows = [
        ("Kit", f"{meta.get('title', '')} (v{meta.get('version', '')})"),
        ("Mode d'emploi", "Modifiez l'onglet Chronogramme puis réimportez le fichier. Gardez les identifiants "
                          "(S-001…) : ils relient les stimuli aux observations et au RETEX. Listes séparées par "
                          "des virgules (destinataires, critères, dépendances) ou une par ligne (réactions, "
                          "relances). Décalage au format HH:MM:SS depuis le lancement."),
        ("Canaux", ", ".join(f"{value} ({label})" for value, label in Channel.choices)),
        ("", ""), ("Phases", ""),
        *[(p["id"], p["title"]) for p in meta.get("phases", [])],
        ("", ""), ("Rôles de la cellule", "cellule = toute la cellule"),
        *[(r["id"], r["label"]) for r in meta.get("cell_roles", [])],
        ("", ""), ("Acteurs simulés", ""),
        *[(a["id"], a["label"]) for a in meta.get("actors", [])],
        ("", ""), ("Critères", ""),
        *[(c["id"], c["title"]) for c in criteria],
    ]
    for key, text in rows:
        sheet.append([key, text])


# --- import ------------------------------------------------------------------------------------

def _check_container(data: bytes) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise ChronogrammeImportError([CellError(0, "", f"fichier trop volumineux (plus de "
                                                        f"{MAX_UPLOAD_BYTES // 1024 // 1024} Mo)")])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > 200 or sum(e.file_size for e in entries) > MAX_UNCOMPRESSED_BYTES:
                raise ChronogrammeImportError([CellError(0, "", "classeur refusé : contenu décompressé trop "
                                                                "volumineux")])
    except zipfile.BadZipFile as exc:
        raise ChronogrammeImportError([CellError(0, "", "ce fichier n'est pas un classeur Excel (.xlsx) lisible")]) \
            from exc
    if not openpyxl.DEFUSEDXML:
        raise RuntimeError("defusedxml est requis pour lire des classeurs téléversés")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _offset(value: Any) -> str:
    if isinstance(value, dt.timedelta):
        return format_offset(int(value.total_seconds()))
    if isinstance(value, dt.time):
        return format_offset(value.hour * 3600 + value.minute * 60 + value.second)
    if isinstance(value, dt.datetime):
        return format_offset(value.hour * 3600 + value.minute * 60 + value.second)
    text = _text(value).strip()
    if text.count(":") == 1:
        text += ":00"
    if len(text) == 7:  # 0:05:00
        text = "0" + text
    return format_offset(parse_offset(text))


def _cell(field: str, value: Any) -> Any:
    if field in COMMA_LISTS:
        return [part.strip() for part in _text(value).replace(";", ",").split(",") if part.strip()]
    if field in LINE_LISTS:
        return [line for line in _text(value).split("\n") if line.strip()]
    if field in FLAGS:
        word = _text(value).strip().casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"« {value} » : attendu oui ou non")
    if field in ("order", "pressure"):
        text = _text(value).strip()
        if not text.isdigit():
            raise ValueError(f"« {value} » n'est pas un nombre entier positif")
        return int(text)
    if field == "offset":
        return _offset(value)
    if field == "channel":
        text = _text(value).strip()
        if text in Channel.values:
            return text
        if text.casefold() in CHANNEL_BY_LABEL:
            return CHANNEL_BY_LABEL[text.casefold()]
        raise ValueError(f"canal « {text} » inconnu (attendu : {', '.join(Channel.values)})")
    if field in ("id", "phase", "story_time", "sender"):
        return _text(value).strip()
    return _text(value)


UNREADABLE = ("classeur illisible ou endommagé ({}) : enregistrez-le de nouveau depuis Excel ou LibreOffice "
              "au format .xlsx, ou repartez du classeur exporté par la plateforme")


def _read_book(data: bytes) -> tuple[list[tuple], list[tuple] | None]:
    """Every row of the chronogramme sheet and of the attachments sheet (None when absent), read in one go.

    openpyxl reads a read-only workbook lazily: a damaged archive (bad CRC, truncated deflate stream, missing
    part) only fails while the rows are iterated, as zipfile.BadZipFile, zlib.error, KeyError, EOFError or an XML
    error. Reading everything here turns any of them into ChronogrammeImportError before anything is validated.
    """
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if SHEET not in book.sheetnames:
                raise ChronogrammeImportError([CellError(0, "", f"onglet « {SHEET} » introuvable")])
            rows = list(book[SHEET].iter_rows(values_only=True, max_row=MAX_ROWS + 2))
            attachment_rows = (list(book[ATTACHMENTS_SHEET].iter_rows(min_row=2, values_only=True))
                               if ATTACHMENTS_SHEET in book.sheetnames else None)
        finally:
            book.close()
    except ChronogrammeImportError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure (zipfile, zlib, KeyError, openpyxl, XML) is a bad file
        raise ChronogrammeImportError([CellError(0, "", UNREADABLE.format(exc.__class__.__name__))]) from exc
    return rows, attachment_rows


def import_workbook(data: bytes, meta: dict, criteria: set[str]) -> list[dict]:
    """The stimuli of an uploaded workbook, or ChronogrammeImportError listing every bad cell."""
    _check_container(data)
    rows, attachment_rows = _read_book(data)
    if not rows:
        raise ChronogrammeImportError([CellError(1, "", "onglet vide")])
    header = [_text(h).strip() for h in rows[0]]
    errors: list[CellError] = []
    positions = {}
    for field, label, _ in COLUMNS:
        if label in header:
            positions[field] = header.index(label)
        elif field not in ("script",):
            errors.append(CellError(1, label, "colonne manquante"))
    if errors:
        raise ChronogrammeImportError(errors)
    if len(rows) > MAX_ROWS + 1:
        raise ChronogrammeImportError([CellError(MAX_ROWS + 2, "", f"plus de {MAX_ROWS} stimuli")])
    stimuli: list[dict] = []
    row_of: dict[str, int] = {}
    for number, values in enumerate(rows[1:], start=2):
        if all(v in (None, "") for v in values):
            continue
        stimulus: dict[str, Any] = {}
        for field, position in positions.items():
            raw = values[position] if position < len(values) else None
            try:
                stimulus[field] = _cell(field, raw)
            except ValueError as exc:
                errors.append(CellError(number, HEADERS[field], str(exc)))
        if not stimulus.get("script"):
            stimulus.pop("script", None)
        row_of[stimulus.get("id", "")] = number
        stimuli.append(stimulus)
    _attach(attachment_rows, stimuli, row_of, errors)
    if errors:
        raise ChronogrammeImportError(errors)
    validator = stimulus_validator()
    for stimulus in stimuli:
        number = row_of[stimulus["id"]]
        candidate = canonical(stimulus)
        for error in validator.iter_errors(candidate):
            field = error.absolute_path[0] if error.absolute_path else "script"  # root: the script rule
            message = _explain(error, candidate)
            errors.append(CellError(number, HEADERS.get(field, field), message))
    if errors:
        raise ChronogrammeImportError(errors)
    for problem in check_stimuli(stimuli, meta, criteria, "chronogramme"):
        _, sid, message = problem.split(" : ", 2)
        errors.append(CellError(row_of.get(sid, 0), "", message, sid))
    if errors:
        raise ChronogrammeImportError(errors)
    return [canonical(s) for s in sorted(stimuli, key=sort_key)]


def _explain(error, stimulus: dict) -> str:
    if error.validator == "pattern":
        return f"« {error.instance} » n'a pas le format attendu"
    if error.validator == "minLength" or (error.validator == "minItems" and not error.instance):
        return "valeur obligatoire"
    if not error.absolute_path:
        if stimulus.get("channel") in ("phone", "verbal"):
            return "un appel ou une annonce orale doit avoir un script"
        return "seuls les appels et annonces orales ont un script"
    if error.validator in ("minimum", "maximum"):
        return f"« {error.instance} » hors des bornes autorisées"
    if error.validator == "uniqueItems":
        return "valeur en double dans la liste"
    return error.message


def _attach(attachment_rows: list[tuple] | None, stimuli: list[dict], row_of: dict[str, int],
            errors: list[CellError]) -> None:
    if attachment_rows is None:
        return
    by_id = {s.get("id"): s for s in stimuli}
    for number, values in enumerate(attachment_rows, start=2):
        values = [*values, None, None, None, None][:4]
        if all(v in (None, "") for v in values):
            continue
        owner, name, description, content = (_text(v) for v in values)
        if owner.strip() not in by_id:
            errors.append(CellError(number, f"{ATTACHMENTS_SHEET} › Stimulus",
                                    f"stimulus « {owner} » absent du chronogramme"))
            continue
        if not (name.strip() and description.strip() and content.strip()):
            errors.append(CellError(number, ATTACHMENTS_SHEET, "nom, description et contenu sont obligatoires"))
            continue
        by_id[owner.strip()].setdefault("attachments", []).append(
            {"name": name, "description": description, "content": content})

