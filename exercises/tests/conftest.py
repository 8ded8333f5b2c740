import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import User
from conftest import CHU_NANTES
from exercises.models import Exercise, MemberRole
from exercises.services import preparation
from kits.models import Kit
from organisations.models import Establishment


@pytest.fixture
def exercise(directory, kits, rssi_nantes):
    """A prepared exercise at CHU de Nantes: the RSSI leads the animation; a player, an observer, a member."""
    establishment = Establishment.objects.get(pk=CHU_NANTES)
    start = timezone.now() + dt.timedelta(days=20)
    created = preparation.do_create_exercise(rssi_nantes, establishment, Kit.objects.get(slug="mco-intermediaire"),
                                             contexts=["psychiatrie"], scheduled_start=start, place="Salle du conseil")
    for email, role, cell_role in (("joueur@chu.example", MemberRole.PLAYER, "direction"),
                                   ("observateur@chu.example", MemberRole.OBSERVER, "")):
        member, _ = preparation.do_add_member(rssi_nantes, created, email=email, full_name=email.split("@")[0].title(),
                                              role=role, cell_role=cell_role)
        user = User.objects.create_user(email=email, password="Mot-de-passe-solide-2026")
        preparation.do_accept_invitation(member, user)
    return Exercise.objects.get(pk=created.pk)


@pytest.fixture
def player(exercise):
    return User.objects.get(email="joueur@chu.example")


@pytest.fixture
def observer(exercise):
    return User.objects.get(email="observateur@chu.example")
