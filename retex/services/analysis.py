"""What the exercise recorded, read for the RETEX: observers' ratings side by side, milestone delays, the stimuli
timeline with the cell's reactions, scores per objective. Reads only; a handful of queries per exercise."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from exercises.models import Exercise
from live.models import Delivery, DeliveryStatus, LiveState, LogEntry, Message, Observation, Rating
from retex.services import content

NUMERIC = ("0", "1", "2", "3")


def criteria_of(exercise: Exercise) -> list[dict]:
    level = exercise.kit.level
    return [{**c, "expected_value": (c.get("expected") or {}).get(level)}
            for c in exercise.kit_version.grid.criteria(level)]


@dataclass
class CriterionRatings:
    criterion: dict
    ratings: list[tuple[str, str]] = field(default_factory=list)  # (observer, value)

    @property
    def numeric(self) -> list[int]:
        return [int(v) for _, v in self.ratings if v in NUMERIC]

    @property
    def spread(self) -> int | None:
        values = self.numeric
        return max(values) - min(values) if len(values) > 1 else None

    @property
    def disagreement(self) -> bool:
        """Observers at least two steps apart, or one saw it and another did not."""
        values = {v for _, v in self.ratings}
        return (self.spread or 0) >= 2 or ("NO" in values and len(values) > 1)

    @property
    def suggested(self) -> str:
        values = self.numeric
        if not values:
            return "NO" if self.ratings else ""
        return str(int(statistics.median_low(values)))


def ratings_by_criterion(exercise: Exercise) -> list[CriterionRatings]:
    rows = defaultdict(list)
    for criterion, value, observer in (Rating.objects.filter(exercise=exercise)
                                       .order_by("observer__full_name", "pk")
                                       .values_list("criterion", "value", "observer__full_name")):
        rows[criterion].append((observer, value))
    return [CriterionRatings(c, rows.get(c["id"], [])) for c in criteria_of(exercise)]


def below_expected(value: str, expected) -> bool:
    return value in NUMERIC and expected is not None and int(value) < int(expected)


def objective_scores(exercise: Exercise, consolidated: dict[str, str]) -> list[dict]:
    """Per objective: the criteria with their value and expectation, and the share of the expected points reached
    (criteria not observed are left out of the share)."""
    objectives: dict[str, dict] = {}
    for c in criteria_of(exercise):
        entry = objectives.setdefault(c["objective_id"], {"id": c["objective_id"], "title": c["objective_title"],
                                                          "criteria": [], "reached": 0, "expected": 0})
        value = consolidated.get(c["id"], "")
        entry["criteria"].append({"id": c["id"], "title": c["title"], "value": value,
                                  "expected": c["expected_value"],
                                  "below": below_expected(value, c["expected_value"])})
        if value in NUMERIC and c["expected_value"] is not None:
            entry["reached"] += min(int(value), int(c["expected_value"]))
            entry["expected"] += int(c["expected_value"])
    for entry in objectives.values():
        entry["percent"] = round(100 * entry["reached"] / entry["expected"]) if entry["expected"] else None
    return list(objectives.values())


# --- milestones ---------------------------------------------------------------------------------------------------

def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def milestones_for(exercise: Exercise) -> list[dict]:
    grid = exercise.kit_version.grid.slug
    return [m for m in content.milestones()["milestones"] if grid in m.get("grids", [])]


def suggest_milestones(exercise: Exercise, entries: list[LogEntry]) -> dict[str, LogEntry]:
    """A first guess for the team: the earliest crisis-log entry whose text contains one of the milestone's
    keywords. The team confirms or corrects it on the RETEX page."""
    found = {}
    folded = [(entry, _fold(entry.text)) for entry in entries]
    for milestone in milestones_for(exercise):
        patterns = [re.compile(r"\b" + re.escape(_fold(k)) + r"\b") for k in milestone.get("keywords", [])]
        for entry, text in folded:
            if any(p.search(text) for p in patterns):
                found[milestone["id"]] = entry
                break
    return found


def milestone_delays(exercise: Exercise, chosen: dict, entries: list[LogEntry]) -> list[dict]:
    by_pk = {e.pk: e for e in entries}
    level = exercise.kit.level
    rows = []
    for milestone in milestones_for(exercise):
        choice = chosen.get(milestone["id"]) or {}
        entry = by_pk.get(choice.get("log_entry"))
        offset = entry.offset if entry else choice.get("offset")
        target = (milestone.get("target_minutes") or {}).get(level)
        minutes = round(offset / 60) if offset is not None else None
        rows.append({"id": milestone["id"], "label": milestone["label"], "description": milestone["description"],
                     "entry": entry, "offset": offset, "minutes": minutes, "target": target,
                     "reached": offset is not None,
                     "on_time": minutes is not None and target is not None and minutes <= target})
    return rows


# --- timeline -------------------------------------------------------------------------------------------------------

def stimuli_timeline(exercise: Exercise) -> list[dict]:
    """Every stimulus sent, in order, with the cell's reactions: first reading, acknowledgement, reply, and the
    observations linked to it. Delays are in exercise minutes."""
    state = LiveState.objects.filter(exercise=exercise).first()
    speed = state.speed if state else 1.0
    deliveries = list(Delivery.objects.filter(exercise=exercise, status=DeliveryStatus.SENT)
                      .select_related("stimulus").prefetch_related("receipts").order_by("sent_offset", "pk"))
    replies: dict[int, float] = {}
    for delivery_id, offset in (Message.objects.filter(exercise=exercise, delivery__isnull=False,
                                                       author__isnull=False)
                                .order_by("offset").values_list("delivery_id", "offset")):
        replies.setdefault(delivery_id, offset)
    observed = defaultdict(int)
    for delivery_id in Observation.objects.filter(exercise=exercise, delivery__isnull=False).values_list(
            "delivery_id", flat=True):
        observed[delivery_id] += 1

    def minutes_after(delivery: Delivery, moments) -> float | None:
        moments = [m for m in moments if m is not None]
        if not moments or delivery.sent_at is None:
            return None
        return round(max(0.0, (min(moments) - delivery.sent_at).total_seconds()) * speed / 60, 1)

    rows = []
    for d in deliveries:
        receipts = list(d.receipts.all())
        reply = replies.get(d.pk)
        rows.append({
            "code": d.stimulus_code, "offset": d.sent_offset or 0.0, "story_time": d.payload.get("story_time", ""),
            "channel": d.payload.get("channel_label", ""), "title": d.payload.get("title", ""),
            "sender": d.payload.get("sender_label", ""), "recipients": d.recipients, "late": d.late,
            "read_after": minutes_after(d, [r.read_at for r in receipts]),
            "ack_after": minutes_after(d, [r.acknowledged_at for r in receipts]),
            "reply_after": round((reply - (d.sent_offset or 0)) / 60, 1) if reply is not None else None,
            "observations": observed.get(d.pk, 0),
        })
    return rows
