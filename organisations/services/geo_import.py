"""Regions (the 18 ARS), departments and the GHT list."""

from __future__ import annotations

from pathlib import Path

from organisations.models import Department, Ght, Region
from organisations.services.finess_import import iter_csv

GRADES_NAMES = {
    "52": "GCS e-santé Pays de la Loire", "53": "GCS e-Santé Bretagne", "11": "GCS SESAN",
    "84": "GCS SARA", "75": "GIP ESEA Nouvelle-Aquitaine", "76": "GIP e-santé Occitanie",
    "93": "GRADeS ieSS", "44": "Pulsy", "32": "GIP Sant& Numérique Hauts-de-France",
    "28": "GIP Normand'e-santé", "24": "GIP e-Santé Centre-Val de Loire", "27": "GRADeS BFC",
    "94": "GRADeS Corse",
}


def _upsert(model, pk: str, values: dict) -> int:
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        model(pk=pk, **values).save()
        return 1
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    if changed:
        obj.save()
    return 0


def import_geography(regions_csv: Path, departments_csv: Path) -> tuple[int, int]:
    created_regions = created_departments = 0
    region_codes = set()
    for row in iter_csv(regions_csv):
        if row.get("zone") not in (None, "metro", "drom"):
            continue
        code = row["code_region"].strip()
        region_codes.add(code)
        created_regions += _upsert(Region, code, {
            "name": row["nom_region"].strip(),
            "ars_name": (row.get("ars_libelle_derive") or f"ARS {row['nom_region']}").strip(),
            "grades_name": GRADES_NAMES.get(code, f"GRADeS {row['nom_region'].strip()}"),
        })
    for row in iter_csv(departments_csv):
        if row["code_region"].strip() not in region_codes:
            continue
        created_departments += _upsert(Department, row["code_departement"].strip(), {
            "name": row["nom_departement"].strip(), "region_id": row["code_region"].strip()})
    return created_regions, created_departments


def import_ght(path: Path) -> tuple[int, list[str]]:
    """Accepts the slim list (`,`) or the full SAE GHT table (`;`)."""
    with open(path, encoding="utf-8-sig") as fh:
        header = fh.readline()
    delimiter = ";" if header.count(";") > header.count(",") else ","
    regions = set(Region.objects.values_list("code", flat=True))
    created, rejected = 0, []
    for row in iter_csv(path, delimiter):
        code = (row.get("code_ght") or row.get("CODE_GHT") or "").strip()
        if code.isdigit() and len(code) == 4:  # overseas codes lost their leading zero in spreadsheets
            code = code.zfill(5)
        region = (row.get("code_region") or code[:2]).strip().zfill(2)
        if region not in regions:
            rejected.append(f"{code} : région {region} inconnue")
            continue
        created += _upsert(Ght, code, {
            "short_name": (row.get("nom_court_ght") or row.get("NOM_COURT_GHT") or "").strip(),
            "name": (row.get("nom_complet_ght") or row.get("NOM_COMPLET_GHT") or "").strip(),
            "region_id": region,
        })
    return created, rejected
