"""What each audience of a live exercise may receive, by allow-list.

The animation team gets every event whole (the animator's telephone script, due times…). The crisis cell (players)
and the observers get NEW dicts built from the keys named here, and nothing else: a key added to a payload later
(an animator's note, the expected reactions, the hints) reaches them only once it is named below. Events of a kind
not named here (receipts, held stimuli…) are the team's only.

Used by every publication (live.services.events.publish_batch, per destination group) and by the catch-up snapshot
(live.services.snapshot), so the WebSocket, the snapshot and the polling feed give the same thing to each audience.
"""

from __future__ import annotations

TEAM, OBSERVERS, PLAYERS = "team", "observers", "players"

# What the crisis-cell page (static/live/live.js) renders of a stimulus; the observers' page uses the same keys.
STIMULUS_KEYS = ("type", "id", "code", "channel", "channel_label", "sender", "sender_label", "recipients",
                 "story_time", "title", "html", "attachments", "offset", "late", "sent_ms",
                 "read")  # read: this player opened it (their own catch-up snapshot only)
ATTACHMENT_KEYS = ("name", "content")
MESSAGE_KEYS = ("type", "id", "from_actor", "to_actor", "to_roles", "author", "subject", "body", "channel", "offset",
                "reply_to")
LOG_KEYS = ("type", "id", "team", "kind", "text", "owner", "rationale", "status", "offset", "author",
            "update")  # update: a new status of an entry already sent
CLOCK_KEYS = ("type", "running", "offset", "speed", "server_ms", "ended")


def _pick(event: dict, keys: tuple[str, ...]) -> dict:
    return {key: event[key] for key in keys if key in event}


def _stimulus(event: dict) -> dict:
    picked = _pick(event, STIMULUS_KEYS)
    if "attachments" in picked:
        picked["attachments"] = [_pick(a, ATTACHMENT_KEYS) for a in picked["attachments"] or []]
    if "recipients" in picked:
        picked["recipients"] = list(picked["recipients"] or [])
    return picked


def _cell_side(event: dict) -> dict | None:
    """What players and observers may get of an event (None: nothing at all)."""
    kind = event.get("type")
    if kind == "stimulus":
        return _stimulus(event)
    if kind == "message":
        picked = _pick(event, MESSAGE_KEYS)
        if "to_roles" in picked:
            picked["to_roles"] = list(picked["to_roles"] or [])
        return picked
    if kind == "log":
        return None if event.get("team") else _pick(event, LOG_KEYS)
    if kind == "clock":
        return _pick(event, CLOCK_KEYS)
    return None


def for_team(event: dict) -> dict:
    """The animation team sees everything."""
    return dict(event)


def for_observers(event: dict) -> dict | None:
    return _cell_side(event)


def for_players(event: dict) -> dict | None:
    return _cell_side(event)


BUILDERS = {TEAM: for_team, OBSERVERS: for_observers, PLAYERS: for_players}


def for_audience(audience: str, event: dict) -> dict | None:
    """Unknown audiences get what players get (fail closed)."""
    return BUILDERS.get(audience, for_players)(event)
