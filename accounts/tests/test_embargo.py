"""The animator embargo as plain data: which exercises it covers (any version of a kit, any version of an overlay)."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import access

pytestmark = pytest.mark.django_db  # no query here, but the session's database setup (conftest) needs one


def _exercise(kit_id, overlays=()):
    return SimpleNamespace(kit_version=SimpleNamespace(kit_id=kit_id), overlays=list(overlays))


def test_an_embargo_covers_every_exercise_on_its_kits_or_overlays():
    embargo = access.Embargo(kits=frozenset({7}), overlays=frozenset({"psychiatrie"}))
    assert embargo
    assert embargo.covers(_exercise(7))  # any version of the kit: the kit id, not the version
    assert embargo.covers(_exercise(8, [{"slug": "psychiatrie", "version": "2.0.0", "context": "psychiatrie"}]))
    assert not embargo.covers(_exercise(8, [{"slug": "ssr", "version": "1.0.0", "context": "ssr"}]))
    assert not embargo.covers(_exercise(8))


def test_nobody_signed_out_is_under_embargo_and_an_empty_one_covers_nothing():
    assert access.animator_embargo(AnonymousUser()) is access.NO_EMBARGO
    assert not access.NO_EMBARGO and not access.NO_EMBARGO.covers(_exercise(7))
    assert not access.can_read_library_animator_kits(AnonymousUser())
