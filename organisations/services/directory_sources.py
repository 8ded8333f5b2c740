"""Where the directory files are: the full public files in ../shared/data, or the shipped demo extract."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class DirectorySources:
    regions: Path
    departments: Path
    ght: Path
    establishments: Path
    statuses: Path | None
    label: str


def demo_sources() -> DirectorySources:
    base = settings.BASE_DIR / "data" / "demo"
    return DirectorySources(
        regions=base / "regions_ars.csv", departments=base / "departements.csv",
        ght=base / "ght_list_sae2023.csv", establishments=base / "finess_et_sanitaires_pdl_bretagne.csv",
        statuses=base / "sae_statuts_pdl_bretagne.csv", label="extrait de démonstration (Pays de la Loire, Bretagne)",
    )


def shared_sources() -> DirectorySources | None:
    base = settings.SHARED_DATA_DIR
    establishments = base / "finess" / "finess-fhir-2021" / "finess_et_20210108_from_fhir.csv"
    if not establishments.exists():
        return None
    return DirectorySources(
        regions=base / "geo" / "ars_18_regions_derived.csv", departments=base / "geo" / "departements.csv",
        ght=base / "finess" / "statapp-sae" / "ght_list_sae2023.csv", establishments=establishments,
        statuses=base / "finess" / "statapp-sae" / "sae_finess_statut_region_from_xlsx.csv",
        label=f"fichiers complets de {base}",
    )
