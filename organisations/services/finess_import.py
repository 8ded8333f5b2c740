"""Import of the FINESS directory: the converted CSV layout and the official etalab "stock" layout.

Idempotent: rows are compared with what the database holds, only new or changed rows are written,
and every rejected row is reported with its reason.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from django.db import transaction

from core import audit
from organisations.models import Category, Department, Establishment, LegalEntity
from organisations.services.classification import classify, status_from

FINESS_RE = re.compile(r"^[0-9][0-9AB][0-9]{7}$")
ESTABLISHMENT_FIELDS = [
    "legal_entity_id", "name", "category_id", "sector", "status", "contexts", "region_id", "department_id",
    "address", "postal_code", "city", "phone", "latitude", "longitude", "opened_on", "source_updated_on",
]
BATCH = 2000


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, finess, reason)
    seconds: float = 0.0

    @property
    def rejected_by_reason(self) -> Counter:
        return Counter(reason for _, _, reason in self.rejected)

    def summary(self) -> str:
        return (f"{self.read} lignes lues : {self.created} créées, {self.updated} mises à jour, "
                f"{self.unchanged} inchangées, {len(self.rejected)} rejetées ({self.seconds:.1f} s)")


@dataclass
class RawRow:
    line: int
    finess: str
    finess_ej: str
    name: str
    category: str
    category_label: str
    aggregate: str
    aggregate_label: str
    codesph: str
    siret: str
    address: str
    postal_code: str
    city: str
    department: str
    phone: str
    opened: str
    updated: str
    latitude: float | None
    longitude: float | None


def _date(value: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _float(value: str) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _open_text(path: Path) -> io.TextIOBase:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return io.StringIO(text, newline="")


def read_rows(path: Path) -> Iterator[RawRow]:
    """Yield rows of either supported layout (detected from the first line)."""
    handle = _open_text(path)
    first = handle.readline()
    handle.seek(0)
    if first.startswith("nofinesset"):
        yield from _read_converted(handle)
    elif first.lower().startswith(("finess;", "structureet;")):
        yield from _read_etalab(handle)
    else:
        raise ValueError(f"{path.name} : format non reconnu (ni CSV converti « nofinesset,… », "
                         "ni extraction etalab « structureet;… »)")


def _read_converted(handle: io.TextIOBase) -> Iterator[RawRow]:
    for line, row in enumerate(csv.DictReader(handle), start=2):
        yield RawRow(
            line=line, finess=row["nofinesset"].strip(), finess_ej=row["nofinessej"].strip(),
            name=row["rs"].strip(), category=row["categetab"].strip(), category_label=row["libcategetab"].strip(),
            aggregate=row["categagretab"].strip(), aggregate_label=row["libcategagretab"].strip(),
            codesph=row["codesph"].strip(), siret=row["siret"].strip(), address=row["adresse"].strip(),
            postal_code=row["codepostal"].strip(), city=row["commune"].strip(),
            department=row["departement"].strip(), phone=row["telephone"].strip(), opened=row["dateouv"],
            updated=row["datemaj"], latitude=_float(row["latitude"]), longitude=_float(row["longitude"]),
        )


# Official etalab extract (t-finess "stock"): a header line, then "structureet" rows followed by
# "geolocalisation" rows with projected coordinates whose system is named in the source field.
ETALAB_STRUCTURE = [
    "section", "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie", "typvoie",
    "voie", "compvoie", "lieuditbp", "commune", "departement", "libdepartement", "ligneacheminement",
    "telephone", "telecopie", "categetab", "libcategetab", "categagretab", "libcategagretab", "siret",
    "codeape", "codemft", "libmft", "codesph", "libsph", "dateouv", "dateautor", "datemaj", "numuai",
]
PROJECTIONS = {"LAMBERT_93": "EPSG:2154", "UTM_N20": "EPSG:32620", "UTM_N21": "EPSG:32621",
               "UTM_N22": "EPSG:32622", "UTM_S38": "EPSG:32738", "UTM_S40": "EPSG:32740"}


@lru_cache(maxsize=8)
def _transformer(epsg: str):
    from pyproj import Transformer

    return Transformer.from_crs(epsg, "EPSG:4326", always_xy=True)


def to_wgs84(x: float, y: float, source: str) -> tuple[float, float] | None:
    for name, epsg in PROJECTIONS.items():
        if name in source.upper():
            lon, lat = _transformer(epsg).transform(x, y)
            return lat, lon
    return None


def _read_etalab(handle: io.TextIOBase) -> Iterator[RawRow]:
    structures: dict[str, tuple[int, list[str]]] = {}
    coords: dict[str, tuple[float, float]] = {}
    for line, cells in enumerate(csv.reader(handle, delimiter=";"), start=1):
        if not cells:
            continue
        kind = cells[0].strip().lower()
        if kind == "structureet":
            structures[cells[1].strip()] = (line, cells)
        elif kind == "geolocalisation" and len(cells) >= 5:
            x, y = _float(cells[2]), _float(cells[3])
            if x is not None and y is not None:
                point = to_wgs84(x, y, cells[4])
                if point:
                    coords[cells[1].strip()] = point
    for finess, (line, cells) in structures.items():
        row = dict(zip(ETALAB_STRUCTURE, [c.strip() for c in cells], strict=False))
        address = " ".join(p for p in (row.get("numvoie"), row.get("typvoie"), row.get("voie"),
                                         row.get("compvoie")) if p)
        if row.get("lieuditbp"):
            address = f"{address} | {row['lieuditbp']}" if address else row["lieuditbp"]
        acheminement = row.get("ligneacheminement", "")
        postal_code, _, city = acheminement.partition(" ")
        lat_lon = coords.get(finess)
        yield RawRow(
            line=line, finess=finess, finess_ej=row.get("nofinessej", ""), name=row.get("rs", ""),
            category=row.get("categetab", ""), category_label=row.get("libcategetab", ""),
            aggregate=row.get("categagretab", ""), aggregate_label=row.get("libcategagretab", ""),
            codesph=row.get("codesph", ""), siret=row.get("siret", ""), address=address,
            postal_code=postal_code, city=city, department=row.get("departement", ""),
            phone=row.get("telephone", ""), opened=row.get("dateouv", ""), updated=row.get("datemaj", ""),
            latitude=lat_lon[0] if lat_lon else None, longitude=lat_lon[1] if lat_lon else None,
        )


def read_sae_statuses(path: Path | None) -> dict[str, str]:
    """FINESS → "Public" / "Privé lucratif" / "Privé non lucratif" from the SAE export, if given."""
    if path is None or not path.exists():
        return {}
    with _open_text(path) as handle:
        return {row["FINESS"].strip(): row["Statut Juridique"].strip() for row in csv.DictReader(handle)}


def _department_code(raw: RawRow, known: set[str]) -> str | None:
    code = raw.department.strip()
    if code in known:
        return code
    if len(code) == 1 and ("0" + code) in known:
        return "0" + code
    # Else the postcode, then the FINESS number, which starts with the department.
    postcode = raw.postal_code.strip()
    for candidate in (postcode[:3] if postcode.startswith("97") else postcode[:2], raw.finess[:3], raw.finess[:2]):
        if candidate in known:
            return candidate
    return None


def import_establishments(path: Path, *, statuses_path: Path | None = None) -> ImportReport:
    started = time.perf_counter()
    report = ImportReport()
    departments = dict(Department.objects.values_list("code", "region_id"))
    sae = read_sae_statuses(statuses_path)
    existing = {
        values[0]: values[1:]
        for values in Establishment.objects.values_list("finess", *ESTABLISHMENT_FIELDS).iterator(chunk_size=5000)
    }
    categories: dict[str, tuple[str, str, str]] = {}
    entities: set[str] = set()
    to_create: list[Establishment] = []
    to_update: list[Establishment] = []
    seen: set[str] = set()

    for raw in read_rows(path):
        report.read += 1
        reason = None
        if not FINESS_RE.match(raw.finess):
            reason = "numéro FINESS ET invalide"
        elif raw.finess in seen:
            reason = "numéro FINESS ET en double dans le fichier"
        elif not raw.name:
            reason = "raison sociale vide"
        dept = None if reason else _department_code(raw, set(departments))
        if reason is None and dept is None:
            reason = f"département « {raw.department} » hors des 18 régions ARS"
        if reason:
            report.rejected.append((raw.line, raw.finess, reason))
            continue
        seen.add(raw.finess)
        if raw.category:
            categories[raw.category] = (raw.category_label, raw.aggregate, raw.aggregate_label)
        ej = raw.finess_ej if FINESS_RE.match(raw.finess_ej or "") else None
        if ej:
            entities.add(ej)
        sector, contexts = classify(raw.category, raw.aggregate)
        values = (
            ej, raw.name[:200], raw.category or None, sector,
            status_from(raw.codesph, raw.siret, sae.get(raw.finess)), contexts, departments[dept], dept,
            raw.address[:250], raw.postal_code[:10], raw.city[:100], raw.phone[:20],
            raw.latitude, raw.longitude, _date(raw.opened), _date(raw.updated),
        )
        current = existing.get(raw.finess)
        if current is None:
            to_create.append(Establishment(finess=raw.finess, **dict(zip(ESTABLISHMENT_FIELDS, values, strict=True))))
        elif tuple(current) != values:
            to_update.append(Establishment(finess=raw.finess, **dict(zip(ESTABLISHMENT_FIELDS, values, strict=True))))
        else:
            report.unchanged += 1

    with transaction.atomic():
        _upsert_categories(categories)
        known_entities = set(LegalEntity.objects.filter(finess__in=entities).values_list("finess", flat=True))
        LegalEntity.objects.bulk_create([LegalEntity(finess=f) for f in entities - known_entities],
                                        batch_size=BATCH)
        Establishment.objects.bulk_create(to_create, batch_size=BATCH)
        # GHT membership is managed in the platform and never overwritten by an import.
        Establishment.objects.bulk_update(to_update, ESTABLISHMENT_FIELDS, batch_size=500)
        report.created, report.updated = len(to_create), len(to_update)
        report.seconds = time.perf_counter() - started
        if report.created or report.updated:
            audit.record("import", model_label="organisations.Establishment", object_repr=path.name[:200],
                         changes={"created": report.created, "updated": report.updated,
                                  "rejected": len(report.rejected)})
    return report


def _upsert_categories(categories: dict[str, tuple[str, str, str]]) -> None:
    existing = {c.code: c for c in Category.objects.all()}
    new, changed = [], []
    for code, (label, agg, agg_label) in categories.items():
        current = existing.get(code)
        if current is None:
            new.append(Category(code=code, label=label, aggregate_code=agg, aggregate_label=agg_label))
        elif (current.label, current.aggregate_code, current.aggregate_label) != (label, agg, agg_label):
            current.label, current.aggregate_code, current.aggregate_label = label, agg, agg_label
            changed.append(current)
    Category.objects.bulk_create(new)
    Category.objects.bulk_update(changed, ["label", "aggregate_code", "aggregate_label"])


def iter_csv(path: Path, delimiter: str = ",") -> Iterable[dict[str, str]]:
    with _open_text(path) as handle:
        yield from csv.DictReader(handle, delimiter=delimiter)
