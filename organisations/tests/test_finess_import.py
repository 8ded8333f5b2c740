import time
from pathlib import Path

import pytest
from django.core.management import call_command

from conftest import require_shared_data
from organisations.models import Establishment, Ght, Region
from organisations.services.directory_sources import demo_sources
from organisations.services.finess_import import import_establishments
from organisations.services.geo_import import import_geography, import_ght

HEADER = ("nofinesset,nofinessej,rs,categetab,libcategetab,categagretab,libcategagretab,codesph,libsph,codeape,"
          "siret,adresse,codepostal,commune,departement,libdepartement,region,libregion,telephone,dateouv,datemaj,"
          "latitude,longitude\n")


@pytest.fixture
def geography(db):
    sources = demo_sources()
    import_geography(sources.regions, sources.departments)
    import_ght(sources.ght)


def test_demo_extract_loads_with_contexts_status_and_region(geography):
    sources = demo_sources()
    report = import_establishments(sources.establishments, statuses_path=sources.statuses)
    assert report.created == report.read == Establishment.objects.count() > 1000
    assert not report.rejected
    assert Region.objects.count() == 18 and Ght.objects.count() == 135
    chu = Establishment.objects.get(pk="440000271")
    assert (chu.region_id, chu.department_id, chu.status, chu.sector) == ("52", "44", "public", "sanitaire")
    assert chu.context_list == ["mco"] and chu.legal_entity_id == "440000289"
    assert round(chu.latitude, 2) == 47.21
    assert set(Establishment.objects.values_list("region_id", flat=True)) == {"52", "53"}
    assert Establishment.objects.filter(contexts__contains="psychiatrie").exists()


def test_import_is_idempotent_and_reports_changes(geography, tmp_path):
    sources = demo_sources()
    import_establishments(sources.establishments, statuses_path=sources.statuses)
    second = import_establishments(sources.establishments, statuses_path=sources.statuses)
    assert (second.created, second.updated, second.unchanged) == (0, 0, second.read)
    changed = tmp_path / "changed.csv"
    lines = sources.establishments.read_text(encoding="utf-8").splitlines(keepends=True)
    changed.write_text(lines[0] + lines[1].replace(lines[1].split(",")[2], "NOUVEAU NOM"), encoding="utf-8")
    third = import_establishments(changed)
    assert (third.created, third.updated) == (0, 1)
    assert Establishment.objects.get(pk=lines[1].split(",")[0]).name == "NOUVEAU NOM"


def test_bad_rows_are_rejected_with_their_reason_and_good_rows_kept(geography, tmp_path):
    bad = tmp_path / "bad.csv"
    good_row = ("440000271,440000289,CHU,101,CHR,1101,CHR,1,EPS,8610Z,26440013600018,1 PL X,44093,NANTES,44,"
                "Loire-Atlantique,52,Pays de la Loire,,1901-01-01,2020-06-16,47.2,-1.55\n")
    bad.write_text(HEADER + good_row + good_row + "12AB,,SANS NUMERO" + ",," * 10 + "\n"
                   + "980000999,,WALLIS,101,CHR,1101,CHR,1,,,,,98600,UVEA,986,,,,,,,,\n"
                   + "440000998,,,101,CHR,1101,CHR,1,,,,,44000,NANTES,44,,,,,,,,\n", encoding="utf-8")
    report = import_establishments(bad)
    reasons = [reason for _, _, reason in report.rejected]
    assert report.created == 1
    assert "numéro FINESS ET en double dans le fichier" in reasons
    assert "numéro FINESS ET invalide" in reasons
    assert "raison sociale vide" in reasons
    assert any("hors des 18 régions" in r for r in reasons)
    assert [line for line, _, _ in report.rejected] == [3, 4, 5, 6]


def test_official_etalab_stock_layout_with_lambert93_coordinates(geography, tmp_path):
    stock = tmp_path / "etalab-cs1100507-stock.csv"
    structure = ["structureet", "440000271", "440000289", "CHU DE NANTES", "CENTRE HOSPITALIER UNIVERSITAIRE",
                 "", "", "1", "PL", "ALEXIS RICORDEAU", "", "BP 1005", "109", "44", "LOIRE ATLANTIQUE",
                 "44093 NANTES CEDEX 1", "0240087323", "", "101", "Centre Hospitalier Régional (C.H.R.)", "1101",
                 "Centres Hospitaliers Régionaux", "26440013600018", "8610Z", "03", "ARS / DG EPS", "1",
                 "Etablissement public de santé", "1901-01-01", "1901-01-01", "2020-06-16", ""]
    geoloc = ["geolocalisation", "440000271", "355866.6", "6689358.3", "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93",
              "2020-06-17"]
    stock.write_text("finess;etalab;95;2021-01-08\n" + ";".join(structure) + "\n" + ";".join(geoloc) + "\n",
                     encoding="latin-1")
    report = import_establishments(stock)
    assert report.created == 1
    chu = Establishment.objects.get(pk="440000271")
    assert chu.address == "1 PL ALEXIS RICORDEAU | BP 1005"
    assert (chu.postal_code, chu.city, chu.department_id) == ("44093", "NANTES CEDEX 1", "44")
    assert abs(chu.latitude - 47.21) < 0.02 and abs(chu.longitude + 1.55) < 0.02


def test_unknown_layout_is_a_clear_error(geography, tmp_path):
    other = tmp_path / "autre.csv"
    other.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="format non reconnu"):
        import_establishments(other)


@pytest.mark.shared_data
def test_full_national_directory_from_shared_data(db, capsys):
    require_shared_data()
    started = time.perf_counter()
    call_command("import_directory")
    first = time.perf_counter() - started
    out = capsys.readouterr().out
    assert Establishment.objects.count() >= 95_000
    assert Ght.objects.count() == 135
    assert "95333 lignes lues" in out
    call_command("import_directory")
    assert "0 créées, 0 mises à jour" in capsys.readouterr().out
    print(f"import complet : {first:.1f} s")  # reported in the notes, not asserted


def test_import_command_rejects_a_missing_file(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_directory", "--finess", str(Path("/nonexistent.csv")))
