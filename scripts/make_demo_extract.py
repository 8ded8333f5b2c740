"""Rebuild data/demo/ from ../shared/data: the sanitaires establishments of Pays de la Loire (52)
and Bretagne (53), the GHT list, regions and departments. Run: python scripts/make_demo_extract.py"""

import csv
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "data" / "demo"
REGIONS = {"52", "53"}


def main() -> int:
    if not SHARED.exists():
        print(f"{SHARED} absent : impossible de reconstruire l'extrait.", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    src = SHARED / "finess/finess-fhir-2021/finess_et_sanitaires_20210108.csv"
    with open(src, encoding="utf-8", newline="") as fh, \
            open(OUT / "finess_et_sanitaires_pdl_bretagne.csv", "w", encoding="utf-8", newline="") as out:
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
        writer.writeheader()
        kept = [row for row in reader if row["region"] in REGIONS]
        writer.writerows(kept)
    finess = {row["nofinesset"] for row in kept}
    with open(SHARED / "finess/statapp-sae/sae_finess_statut_region_from_xlsx.csv", encoding="utf-8",
              newline="") as fh, open(OUT / "sae_statuts_pdl_bretagne.csv", "w", encoding="utf-8",
                                      newline="") as out:
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
        writer.writeheader()
        writer.writerows(row for row in reader if row["FINESS"] in finess)
    shutil.copy(SHARED / "finess/statapp-sae/ght_list_sae2023.csv", OUT / "ght_list_sae2023.csv")
    shutil.copy(SHARED / "geo/ars_18_regions_derived.csv", OUT / "regions_ars.csv")
    shutil.copy(SHARED / "geo/departements.csv", OUT / "departements.csv")
    print(f"{len(kept)} établissements sanitaires écrits dans {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
