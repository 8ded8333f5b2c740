"""Builds data/geo/departements-paths.json (SVG paths of the metropolitan departments, for the steering map) from
../shared/data/geo/france-geojson/departements-version-simplifiee.geojson (IGN Admin Express via
gregoiredavid/france-geojson, Licence Ouverte). Projection: equirectangular at 46.5° N, 1 unit ≈ 1 km."""

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "geo" / "france-geojson" / "departements-version-simplifiee.geojson"
TARGET = ROOT / "data" / "geo" / "departements-paths.json"
LAT0 = math.radians(46.5)


def project(lon: float, lat: float) -> tuple[float, float]:
    return (lon + 5.5) * 111.32 * math.cos(LAT0), (51.2 - lat) * 110.57


def simplify(points: list[tuple[float, float]], tolerance: float = 1.2) -> list[tuple[float, float]]:
    kept = [points[0]]
    for point in points[1:-1]:
        if math.dist(point, kept[-1]) >= tolerance:
            kept.append(point)
    kept.append(points[-1])
    return kept


def ring_path(ring) -> str:
    points = simplify([project(lon, lat) for lon, lat in ring])
    if len(points) < 4:
        return ""
    return "M" + "L".join(f"{x:.0f},{y:.0f}" for x, y in points) + "Z"


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    data = json.loads(source.read_text(encoding="utf-8"))
    paths = {}
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        path = "".join(ring_path(polygon[0]) for polygon in polygons)
        paths[feature["properties"]["code"]] = {"name": feature["properties"]["nom"], "d": path}
    import re

    numbers = [(int(x), int(y)) for v in paths.values() for x, y in re.findall(r"(-?\d+),(-?\d+)", v["d"])]
    left, top = min(x for x, _ in numbers) - 10, min(y for _, y in numbers) - 10
    width, height = max(x for x, _ in numbers) - left + 10, max(y for _, y in numbers) - top + 10
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    document = {"viewBox": f"{left} {top} {width} {height}",
                "source": "IGN Admin Express (Licence Ouverte), via gregoiredavid/france-geojson", "departments": paths}
    TARGET.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(paths)} départements → {TARGET} ({TARGET.stat().st_size // 1024} Ko)")


if __name__ == "__main__":
    main()
