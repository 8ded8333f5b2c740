"""Everything the exercise recorded, as an editable workbook."""

from __future__ import annotations

import io

import openpyxl
from openpyxl.styles import Font

from exercises.models import Exercise
from kits.services.stimuli import format_offset


def _sheet(book, title: str, header: list[str], rows) -> None:
    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(["" if v is None else v for v in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def live_workbook(exercise: Exercise) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    t = lambda seconds: format_offset(int(seconds or 0))  # noqa: E731
    _sheet(book, "Main courante", ["Heure d'exercice", "Type", "Texte", "Responsable", "Motif", "État", "Auteur"],
           [(t(e.offset), e.get_kind_display(), e.text, e.owner, e.rationale, e.get_status_display(),
             e.author.full_name if e.author else "") for e in exercise.log_entries.filter(team=False)
            .select_related("author")])
    _sheet(book, "Stimuli", ["Id", "Prévu", "Envoyé", "Retard (ms)", "En retard", "État", "Titre", "Lu par"],
           [(d.stimulus_code, t(d.due_offset), t(d.sent_offset) if d.sent_offset is not None else "",
             d.lateness_ms, "oui" if d.late else "", d.get_status_display(), d.payload.get("title", ""),
             ", ".join(r.member.full_name for r in d.receipts.all() if r.read_at))
            for d in exercise.deliveries.prefetch_related("receipts__member")])
    _sheet(book, "Messages", ["Heure d'exercice", "De", "À", "Objet", "Message"],
           [(t(m.offset), m.from_actor or (m.author.full_name if m.author else ""),
             m.to_actor or ", ".join(m.to_roles), m.subject, m.body)
            for m in exercise.live_messages.select_related("author")])
    _sheet(book, "Notes", ["Observateur", "Critère", "Note"],
           [(r.observer.full_name, r.criterion, r.value) for r in exercise.ratings.select_related("observer")])
    _sheet(book, "Observations", ["Heure d'exercice", "Observateur", "Critère", "Stimulus", "Observation"],
           [(t(o.offset), o.observer.full_name, o.criterion, o.delivery.stimulus_code if o.delivery else "", o.text)
            for o in exercise.observations.select_related("observer", "delivery")])
    _sheet(book, "Journal d'animation", ["Heure d'exercice", "Auteur", "Texte"],
           [(t(e.offset), e.author.full_name if e.author else "", e.text)
            for e in exercise.log_entries.filter(team=True).select_related("author")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
