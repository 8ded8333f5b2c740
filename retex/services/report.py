"""The RETEX report: one context assembled once (a fixed number of queries), rendered to PDF (WeasyPrint, light
print stylesheet) and to editable DOCX (python-docx)."""

from __future__ import annotations

from collections import Counter

from django.utils import timezone

from exercises.models import Exercise, MemberRole
from retex.models import PRIORITY_ORDER, Retex
from retex.services import debrief
from retex.services.analysis import (
    below_expected,
    milestone_delays,
    objective_scores,
    ratings_by_criterion,
    stimuli_timeline,
)
from retex.services.recommendations import themes
from retex.services.workflow import crisis_log

SCALE_LABELS = {"NO": "Non observé", "0": "Non réalisé", "1": "Difficultés majeures", "2": "Difficultés mineures",
                "3": "Sans difficulté", "": "—"}


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def report_context(retex: Retex) -> dict:
    exercise: Exercise = retex.exercise
    members = list(exercise.members.order_by("role", "full_name", "email"))
    role_counts = Counter(m.role for m in members)
    roles = {r["id"]: r["label"] for r in exercise.kit_version.cell_roles}
    entries = crisis_log(exercise)
    objectives = objective_scores(exercise, retex.consolidated)
    ratings = ratings_by_criterion(exercise)
    recommendations = sorted(retex.recommendations.filter(selected=True),
                             key=lambda r: (PRIORITY_ORDER.get(r.priority, 9), r.pk))
    theme_labels = {t["id"]: t["label"] for t in themes()}
    return {
        "retex": retex, "exercise": exercise, "establishment": exercise.establishment, "kit": exercise.kit,
        "generated_at": timezone.localtime(),
        "members": [{"name": m.full_name or m.email, "role": m.get_role_display(),
                     "cell_role": roles.get(m.cell_role, m.cell_role)} for m in members],
        "role_counts": [(label, role_counts.get(value, 0)) for value, label in MemberRole.choices],
        "timeline": [{**row, "at": clock(row["offset"])} for row in stimuli_timeline(exercise)],
        "milestones": [{**row, "at": clock(row["offset"])} for row in milestone_delays(
            exercise, retex.milestones, entries)],
        "log": [{"at": clock(e.offset), "kind": e.get_kind_display(), "text": e.text, "owner": e.owner,
                 "rationale": e.rationale, "status": e.get_status_display() if e.status else "",
                 "author": (e.author.full_name or e.author.email) if e.author else ""} for e in entries],
        "objectives": objectives,
        "criteria": [{"id": row.criterion["id"], "title": row.criterion["title"],
                      "objective": row.criterion["objective_title"], "expected": row.criterion["expected_value"],
                      "observers": row.ratings, "disagreement": row.disagreement,
                      "value": retex.consolidated.get(row.criterion["id"], ""),
                      "label": SCALE_LABELS.get(retex.consolidated.get(row.criterion["id"], ""), ""),
                      "below": below_expected(retex.consolidated.get(row.criterion["id"], ""),
                                              row.criterion["expected_value"]),
                      "comment": retex.comments.get(row.criterion["id"], "")} for row in ratings],
        "recommendations": [{"title": r.title, "text": r.text, "priority": r.get_priority_display(),
                             "theme": theme_labels.get(r.theme, r.theme), "criterion": r.criterion,
                             "owner": r.suggested_owner, "delay": r.suggested_delay_days, "evidence": r.evidence}
                            for r in recommendations],
        "debrief": debrief.summary(exercise),
        "paragraphs": {"context": _paragraphs(retex.context), "strengths": _paragraphs(retex.strengths),
                       "improvements": _paragraphs(retex.improvements)},
    }


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split("\n") if p.strip()]


def report_pdf(retex: Retex) -> bytes:
    from retex.services.report_pdf import build_report_pdf

    return build_report_pdf(report_context(retex))


def report_docx(retex: Retex) -> bytes:
    from retex.services.report_docx import build_docx

    return build_docx(report_context(retex))
