"""A regional campaign: the ARS schedules exercises across its establishments and follows those held."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from conftest import CH_SAINT_NAZAIRE, CHU_NANTES, CHU_RENNES
from organisations.models import Region
from steering.models import Campaign, CampaignEntry
from steering.services import campaigns


def test_campaign_schedules_and_follows_progress(client, steering_data, ars_pdl, ars_bretagne, verified_client,
                                                 rssi_nantes, year):
    verified_client(ars_pdl)
    response = client.post("/pilotage/campagnes/", {"region": "52", "year": year, "title": "Campagne GRADeS 2026",
                                                    "provider": "Prestataire unique"})
    campaign = Campaign.objects.get()
    assert response["Location"].endswith(f"/pilotage/campagnes/{campaign.pk}/")
    client.post(response["Location"], {"action": "add", "department": "44"})
    client.post(response["Location"], {"action": "add", "finess": [CHU_RENNES]})  # another region: ignored
    entries = CampaignEntry.objects.filter(campaign=campaign)
    assert entries.filter(establishment_id=CHU_NANTES).exists() and not entries.filter(
        establishment_id=CHU_RENNES).exists()
    entry = entries.exclude(establishment_id__in=[CHU_NANTES, CH_SAINT_NAZAIRE]).first()
    client.post(response["Location"], {"action": "plan", "entry": entry.pk, "planned_on": f"{year}-10-02"})
    entry.refresh_from_db()
    assert entry.planned_on.month == 10
    rows, totals = campaigns.progress(campaign)
    assert totals["done"] == 2 and totals["total"] == entries.count() and totals["planned"] == 1
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="campaign-done">2 / ' in page
    with pytest.raises(ValidationError):
        campaigns.do_plan_entry(ars_pdl, entry, f"{year + 1}-01-10")
    with pytest.raises(PermissionDenied):
        campaigns.do_plan_entry(ars_bretagne, entry, f"{year}-11-10")
    verified_client(ars_bretagne)
    assert client.get(response["Location"]).status_code == 404
    assert client.post("/pilotage/campagnes/", {"region": "52", "year": year, "title": "X"}).status_code == 404
    client.force_login(rssi_nantes)
    assert client.get("/pilotage/campagnes/").status_code == 404


def test_only_the_regions_referents_and_the_nation_run_campaigns(directory, ars_pdl, ars_bretagne):
    pdl = Region.objects.get(pk="52")
    from accounts import access

    assert access.can_manage_campaign(ars_pdl, pdl)
    assert not access.can_manage_campaign(ars_bretagne, pdl)
    assert access.can_manage_campaign(User.objects.get(email="equipe.nationale@care.demo"), pdl)
    assert not access.can_manage_campaign(User.objects.get(email="rssi.chu-nantes@care.demo"), pdl)
