"""Invitation links prove the ownership of the address: sent by e-mail to the invitee only (never shown to the
animator, who could otherwise create the invitee's account with a password of his choice), and they expire."""

import datetime as dt
import re

from django.core import mail
from django.utils import timezone

from accounts.models import User
from exercises.models import Member
from exercises.services import preparation

LINK = re.compile(r"http://testserver(/exercices/invitation/[^/\s]+/)")


def _invite(client, exercise, email="marie.curie@chu.example"):
    mail.outbox.clear()
    response = client.post(f"/exercices/{exercise.pk}/participants/", {
        "full_name": "Marie Curie", "email": email, "role": "player", "cell_role": "communication"}, follow=True)
    assert response.status_code == 200
    return response.content.decode(), LINK.search(mail.outbox[-1].body).group(1)


def test_the_link_is_only_in_the_e_mail_never_on_the_page(client, exercise, rssi_nantes):
    client.force_login(rssi_nantes)
    page, link = _invite(client, exercise)
    assert mail.outbox[-1].to == ["marie.curie@chu.example"]
    token = link.split("/")[-2]
    assert "invitation envoyée à marie.curie@chu.example" in page
    assert token not in page and "/exercices/invitation/" not in page
    member = Member.objects.get(email="marie.curie@chu.example")
    mail.outbox.clear()
    renewed = client.post(f"/exercices/{exercise.pk}/participants/{member.pk}/", {"action": "resend"}, follow=True)
    new_link = LINK.search(mail.outbox[-1].body).group(1)
    assert new_link != link and mail.outbox[-1].to == ["marie.curie@chu.example"]
    html = renewed.content.decode()
    assert "Nouvelle invitation envoyée à marie.curie@chu.example" in html
    assert new_link.split("/")[-2] not in html and "/exercices/invitation/" not in html


def test_an_expired_invitation_is_refused(client, exercise, rssi_nantes, settings):
    client.force_login(rssi_nantes)
    _page, link = _invite(client, exercise)
    client.logout()
    member = Member.objects.get(email="marie.curie@chu.example")
    Member.objects.filter(pk=member.pk).update(
        invited_at=timezone.now() - dt.timedelta(days=settings.CARE_INVITATION_DAYS, minutes=1))
    page = client.get(link)
    assert page.status_code == 404 and "a expiré" in page.content.decode()
    assert "nouvelle invitation" in page.content.decode()
    response = client.post(link, {"full_name": "Marie Curie", "password": "Un-mot-de-passe-solide-2027"})
    assert response.status_code == 404
    assert not User.objects.filter(email="marie.curie@chu.example").exists()
    assert preparation.member_for_token(link.split("/")[-2]) is None
    client.force_login(rssi_nantes)
    assert "expirée" in client.get(f"/exercices/{exercise.pk}/participants/").content.decode()


def test_an_invitation_is_valid_until_it_expires(client, exercise, rssi_nantes, settings):
    settings.CARE_INVITATION_DAYS = 3
    client.force_login(rssi_nantes)
    _page, link = _invite(client, exercise)
    client.logout()
    Member.objects.filter(email="marie.curie@chu.example").update(
        invited_at=timezone.now() - dt.timedelta(days=2, hours=23))
    assert "Créez votre compte" in client.get(link).content.decode()
    Member.objects.filter(email="marie.curie@chu.example").update(invited_at=timezone.now() - dt.timedelta(days=3))
    assert client.get(link).status_code == 404
