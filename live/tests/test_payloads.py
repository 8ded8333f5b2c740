"""Each audience's share of a live event is built from named keys only (live.services.payloads)."""

import pytest

from live.services import events, payloads

# no query here; marked so the file also runs alone (the session's database set-up loads the kits)
pytestmark = pytest.mark.django_db

STIMULUS = {"type": "stimulus", "id": 7, "code": "S-001", "channel": "phone", "channel_label": "Téléphone",
            "sender": "ars", "sender_label": "ARS", "recipients": ["direction"], "story_time": "J 08:10",
            "title": "Appel de l'ARS", "html": "<p>Allô ?</p>", "script_html": "<p>Si on vous demande…</p>",
            "attachments": [{"name": "note.txt", "content": "…", "animator_note": "à ne pas lire"}],
            "offset": 12.0, "late": False, "due_ms": 1, "sent_ms": 2, "expected_reactions": ["activer la cellule"],
            "hints": ["relancer"], "criteria": ["C1"], "animator_notes": "…", "rerouted_from": ["cellule"]}


def test_players_and_observers_get_new_dicts_of_the_named_keys_only():
    for share in (payloads.for_players(STIMULUS), payloads.for_observers(STIMULUS)):
        assert set(share) == set(payloads.STIMULUS_KEYS) & set(STIMULUS)
        assert not {"script_html", "due_ms", "expected_reactions", "hints", "criteria", "animator_notes"} & set(share)
        assert share["attachments"] == [{"name": "note.txt", "content": "…"}]
        assert share["attachments"][0] is not STIMULUS["attachments"][0]
    assert "script_html" in STIMULUS and "due_ms" in STIMULUS  # the original is untouched
    assert payloads.for_team(STIMULUS) == STIMULUS and payloads.for_team(STIMULUS) is not STIMULUS


def test_events_of_other_kinds():
    team_log = {"type": "log", "id": 1, "team": True, "text": "note d'animation"}
    assert payloads.for_players(team_log) is None and payloads.for_observers(team_log) is None
    assert payloads.for_players({"type": "receipt", "id": 1, "member": "X"}) is None  # the team's only
    assert payloads.for_players({"type": "held", "id": 1}) is None
    assert payloads.for_players({"type": "regroup"}) is None  # covers re-group on the server side
    assert payloads.for_audience("unknown", STIMULUS) == payloads.for_players(STIMULUS)  # fail closed


def test_groups_are_told_apart_by_audience():
    assert events.audience_of(events.group_team(3)) == payloads.TEAM
    assert events.audience_of(events.group_observers(3)) == payloads.OBSERVERS
    assert events.audience_of(events.group_cell(3)) == payloads.PLAYERS
    assert events.audience_of(events.group_role(3, "team")) == payloads.PLAYERS  # a role named like an audience
    assert events.audience_of(events.group_role(3, "x-observers")) == payloads.PLAYERS


def test_one_encoding_per_distinct_share(monkeypatch):
    sent = []
    monkeypatch.setattr(events, "send_messages", sent.extend)
    events.publish_batch([([events.group_role(3, "direction"), events.group_team(3), events.group_observers(3)],
                           STIMULUS)])
    assert len(sent) == 2  # the team's, and one for the players and the observers
    (cell_groups, cell), (team_groups, team) = sorted(sent, key=lambda m: len(m[1]["text"]))
    assert sorted(cell_groups) == sorted([events.group_role(3, "direction"), events.group_observers(3)])
    assert team_groups == [events.group_team(3)]
    assert "script_html" not in cell["text"] and "Si on vous demande" in team["text"]
