"""A stimulus as a plain dict (the YAML form) and its conversion to and from model rows."""

from __future__ import annotations

import re
from typing import Any

OFFSET_RE = re.compile(r"^(\d{2}):([0-5]\d):([0-5]\d)$")
FIELD_ORDER = [
    "id", "order", "phase", "offset", "story_time", "sender", "recipients", "channel", "title", "content",
    "script", "attachments", "expected_reactions", "criteria", "animator_notes", "hints", "optional",
    "contingency", "noise", "depends_on", "pressure",
]
LIST_FIELDS = ("recipients", "expected_reactions", "criteria", "hints", "depends_on")
FLAG_FIELDS = ("optional", "contingency", "noise")


def parse_offset(text: str) -> int:
    match = OFFSET_RE.match(text or "")
    if not match:
        raise ValueError(f"« {text} » n'est pas une durée au format HH:MM:SS")
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def format_offset(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def canonical(stimulus: dict[str, Any]) -> dict[str, Any]:
    """The normal form: every key in FORMAT.md order, empty optional parts omitted."""
    result: dict[str, Any] = {}
    for key in FIELD_ORDER:
        value = stimulus.get(key)
        if key in ("script",) and not value:
            continue
        if key == "attachments" and not value:
            continue
        if key in LIST_FIELDS:
            value = list(value or [])
        elif key in FLAG_FIELDS:
            value = bool(value)
        elif key == "animator_notes":
            value = value or ""
        elif key == "pressure":
            value = int(value or 1)
        result[key] = value
    return result


def to_fields(stimulus: dict[str, Any]) -> dict[str, Any]:
    """Model field values (kits.models.StimulusFields) for a stimulus dict."""
    data = canonical(stimulus)
    return {
        "stimulus_id": data["id"], "order": data["order"], "phase": data["phase"],
        "offset_seconds": parse_offset(data["offset"]), "story_time": data["story_time"],
        "sender": data["sender"], "recipients": data["recipients"], "channel": data["channel"],
        "title": data["title"], "content": data["content"], "script": data.get("script", ""),
        "attachments": data.get("attachments", []), "expected_reactions": data["expected_reactions"],
        "criteria": data["criteria"], "animator_notes": data["animator_notes"], "hints": data["hints"],
        "optional": data["optional"], "contingency": data["contingency"], "noise": data["noise"],
        "depends_on": data["depends_on"], "pressure": data["pressure"],
    }


def from_row(row) -> dict[str, Any]:
    return canonical({
        "id": row.stimulus_id, "order": row.order, "phase": row.phase, "offset": format_offset(row.offset_seconds),
        "story_time": row.story_time, "sender": row.sender, "recipients": row.recipients, "channel": row.channel,
        "title": row.title, "content": row.content, "script": row.script, "attachments": row.attachments,
        "expected_reactions": row.expected_reactions, "criteria": row.criteria,
        "animator_notes": row.animator_notes, "hints": row.hints, "optional": row.optional,
        "contingency": row.contingency, "noise": row.noise, "depends_on": row.depends_on,
        "pressure": row.pressure,
    })


def sort_key(stimulus: dict[str, Any]) -> tuple[int, int]:
    return parse_offset(stimulus["offset"]), stimulus["order"]
