"""The tables behind the dashboards, as (title, header, rows): what the pages show is what the exports hold."""

from __future__ import annotations

from steering.services import obligation, statistics
from steering.services.obligation import DIMENSIONS, Filters


def table(user, name: str, filters: Filters) -> tuple[str, list[str], list[list]]:
    if name.startswith("obligation-") and name[11:] in DIMENSIONS:
        dimension = name[11:]
        rows = obligation.breakdown(user, filters, dimension)
        return (f"Exercices {filters.year} par {DIMENSIONS[dimension].lower()}",
                [DIMENSIONS[dimension], "Établissements", "Ayant réalisé un exercice", "Taux (%)"],
                [[r["label"], r["total"], r["done"], r["rate"]] for r in rows])
    if name == "non-exerces":
        rows = obligation.not_exercised(user, filters)
        return (f"Sans exercice en {filters.year}",
                ["FINESS", "Établissement", "Ville", "Département", "Région", "GHT", "Date prévue"],
                [[e.pk, e.name, e.city, e.department_id or "", e.region.name if e.region else "",
                  e.ght.short_name if e.ght else "", e.planned_on] for e in rows])
    if name == "maturite":
        data = statistics.maturity_distribution(user, filters)
        return ("Maturité par année", ["Année", "Autoévaluations", *[label for _, label in data["levels"]]],
                [[s["year"], s["total"], *[c["n"] for c in s["counts"]]] for s in data["series"]])
    if name == "evaluation":
        rows = statistics.evaluation_distribution(user, filters)
        return (f"Évaluation {filters.year}",
                ["Critère", "Intitulé", "0", "1", "2", "3", "Notes", "Q1", "Médiane", "Q3", "Moyenne"],
                [[r["id"], r["title"], *r["counts"], r["n"], r["q1"], r["median"], r["q3"], r["mean"]] for r in rows])
    if name == "plans":
        rows = statistics.plan_progress(user, filters)
        return ("Plans d'amélioration", ["Thème", "Actions", "Ouvertes", "Réalisées", "En retard"],
                [[r["label"], r["total"], r["open"], r["done"], r["overdue"]] for r in rows])
    raise KeyError(name)
