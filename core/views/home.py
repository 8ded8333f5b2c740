from django.shortcuts import redirect, render

from accounts import access
from maturity.services.assessments import current_year, level_distribution, with_latest_level


def home(request):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    scope = access.scope_of(request.user)
    year = current_year()
    context = {"title": "Accueil", "scope": scope, "year": year, "todo": []}
    editable = with_latest_level(access.editable_establishments(request.user)).order_by("name")
    for establishment in editable:
        if establishment.latest_year != year:
            context["todo"].append({"text": f"Remplir l'autoévaluation {year} de {establishment.name}",
                                    "url": "maturity:my_assessments"})
    context["my_establishments"] = editable
    if scope.is_steering:
        distribution = level_distribution(request.user, year=year)
        context["distribution"] = distribution
        if distribution["not_assessed"]:
            context["todo"].append({"text": f"{distribution['not_assessed']} établissement(s) du périmètre sans "
                                            f"autoévaluation en {year}", "url": "maturity:overview"})
    context["regions"] = access.visible_regions(request.user) if scope.regions else []
    return render(request, "core/home.html", context)
