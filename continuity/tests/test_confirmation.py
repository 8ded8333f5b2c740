"""Deleting a process, a resource or a contact of the BIA is irreversible: the pages ask in a modal and the views
refuse the deletion without confirmation=oui (nothing deleted, a clear message)."""

import pytest

from conftest import CHU_NANTES
from continuity.models import Contact, Process, Resource
from continuity.services import bia
from organisations.models import Establishment

REFUSAL = "Action irréversible : elle doit être confirmée."


@pytest.fixture
def project(directory, rssi_nantes):
    return bia.do_create_project(rssi_nantes, Establishment.objects.get(pk=CHU_NANTES), title="PCRA du CHU",
                                 scope_kind="ght", example="ch-general")


@pytest.mark.parametrize("kind", ["processus", "ressources"])
def test_deleting_a_process_or_a_resource_needs_the_confirmation(project, rssi_nantes, verified_client, kind):
    model = Process if kind == "processus" else Resource
    item = model.objects.filter(project=project).first()
    client = verified_client(rssi_nantes)
    url = f"/continuite/{project.pk}/bia/{kind}/{item.pk}/"
    page = client.get(url).content.decode()
    assert 'id="confirm-delete"' in page and 'aria-controls="confirm-delete"' in page
    refused = client.post(url, {"delete": "1"}, follow=True)
    assert REFUSAL in refused.content.decode() and refused.redirect_chain[-1][0] == url
    assert model.objects.filter(pk=item.pk).exists()
    done = client.post(url, {"delete": "1", "confirmation": "oui"})
    assert done.status_code == 302 and not model.objects.filter(pk=item.pk).exists()


def test_deleting_a_contact_needs_the_confirmation(project, rssi_nantes, verified_client):
    contact = Contact.objects.create(project=project, function="Directeur de garde", name="M. Garde",
                                     phone="0600000000")
    client = verified_client(rssi_nantes)
    url = f"/continuite/{project.pk}/annuaire/"
    page = client.get(url).content.decode()
    assert f'id="confirm-delete-{contact.pk}"' in page
    refused = client.post(url, {"contact": contact.pk, "delete": "1"}, follow=True)
    assert REFUSAL in refused.content.decode() and Contact.objects.filter(pk=contact.pk).exists()
    done = client.post(url, {"contact": contact.pk, "delete": "1", "confirmation": "oui"}, follow=True)
    assert "supprimé de l&#x27;annuaire" in done.content.decode()
    assert not Contact.objects.filter(pk=contact.pk).exists()
