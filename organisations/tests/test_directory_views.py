import pytest

from conftest import CH_SAINT_NAZAIRE, CHU_NANTES, CHU_RENNES
from organisations.models import Establishment


@pytest.fixture
def national(directory, verified_client):
    from accounts.models import User

    return verified_client(User.objects.get(email="equipe.nationale@care.demo"))


def test_search_by_name_finess_and_city(national):
    assert "CHU DE NANTES SITE HOTEL DIEU" in national.get("/annuaire/", {"q": "hotel dieu"}).content.decode()
    page = national.get("/annuaire/", {"q": CHU_RENNES}).content.decode()
    assert "CHU RENNES" in page
    by_city = national.get("/annuaire/", {"q": "SAINT NAZAIRE"}).context["page_obj"]
    assert by_city.paginator.count >= 1 and all("NAZAIRE" in (e.city + e.name) for e in by_city)


def test_filters_by_region_department_category_and_ght(national):
    ctx = national.get("/annuaire/", {"region": "53"}).context
    assert ctx["page_obj"].paginator.count == Establishment.objects.filter(region_id="53").count()
    dept = national.get("/annuaire/", {"department": "85"}).context["page_obj"]
    assert {e.department_id for e in dept} == {"85"}
    cat = national.get("/annuaire/", {"category": "101"}).context["page_obj"]
    assert {e.category_id for e in cat} == {"101"}
    ght = national.get("/annuaire/", {"ght": "52101"}).context["page_obj"]
    assert ght.paginator.count > 0 and {e.ght_id for e in ght} == {"52101"}


def test_establishment_page(national):
    page = national.get(f"/annuaire/{CHU_NANTES}/").content.decode()
    assert "440000289" in page and "rattachement de démonstration" in page and "Loire-Atlantique" in page


def test_establishment_user_sees_only_its_establishment(client, rssi_nantes):
    client.force_login(rssi_nantes)
    assert client.get("/annuaire/").context["page_obj"].paginator.count == 1
    assert client.get(f"/annuaire/{CHU_NANTES}/").status_code == 200
    assert client.get(f"/annuaire/{CH_SAINT_NAZAIRE}/").status_code == 404
    assert client.get(f"/annuaire/{CHU_RENNES}/").status_code == 404


def test_regional_user_manages_ght_membership_in_its_region_only(ars_pdl, verified_client):
    client = verified_client(ars_pdl)
    response = client.post(f"/annuaire/{CH_SAINT_NAZAIRE}/ght/", {"ght": "52102"})
    assert response.status_code == 302
    e = Establishment.objects.get(pk=CH_SAINT_NAZAIRE)
    assert (e.ght_id, e.ght_is_demo) == ("52102", False)
    assert client.post(f"/annuaire/{CH_SAINT_NAZAIRE}/ght/", {"ght": "53101"}).status_code == 302
    assert Establishment.objects.get(pk=CH_SAINT_NAZAIRE).ght_id == "52102"  # other region's GHT refused
    assert client.post(f"/annuaire/{CHU_RENNES}/ght/", {"ght": "53101"}).status_code == 404


def test_establishment_user_cannot_change_ght_membership(client, rssi_nantes):
    client.force_login(rssi_nantes)
    assert client.post(f"/annuaire/{CHU_NANTES}/ght/", {"ght": ""}).status_code == 404
    assert Establishment.objects.get(pk=CHU_NANTES).ght_id == "52101"


def test_list_and_overview_query_counts_do_not_grow_with_rows(national, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        national.get("/annuaire/")
    with django_assert_max_num_queries(12):
        national.get("/maturite/perimetre/")
    with django_assert_max_num_queries(12):
        national.get("/api/v1/etablissements/")
