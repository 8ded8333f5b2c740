"""Search and filters of the directory, and the writes on GHT membership."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from accounts import access
from organisations.models import Establishment, Ght


@dataclass
class DirectoryFilters:
    q: str = ""
    region: str = ""
    department: str = ""
    category: str = ""
    ght: str = ""
    sector: str = ""

    @classmethod
    def from_params(cls, params) -> DirectoryFilters:
        return cls(**{name: (params.get(name) or "").strip()[:100] for name in cls.__dataclass_fields__})


def search(user, filters: DirectoryFilters) -> QuerySet:
    qs = access.restrict(user, Establishment.objects.select_related("region", "department", "category", "ght"))
    if filters.q:
        term = filters.q
        if term.isdigit() or (len(term) == 9 and term[:2].isalnum()):
            qs = qs.filter(Q(finess__startswith=term) | Q(legal_entity__finess__startswith=term)
                           | Q(name__icontains=term))
        else:
            for word in term.split():
                qs = qs.filter(Q(name__icontains=word) | Q(city__icontains=word))
    if filters.region:
        qs = qs.filter(region_id=filters.region)
    if filters.department:
        qs = qs.filter(department_id=filters.department)
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    if filters.ght:
        qs = qs.filter(ght_id=filters.ght)
    if filters.sector:
        qs = qs.filter(sector=filters.sector)
    return qs.order_by("name", "finess")


def do_set_ght(user, establishment: Establishment, ght: Ght | None) -> Establishment:
    """National and regional users manage GHT membership (absent from the open data)."""
    if not access.can_manage_ght_membership(user, establishment):
        raise PermissionDenied
    if ght is not None and ght.region_id != establishment.region_id:
        raise ValueError("Le GHT doit appartenir à la région de l'établissement.")
    establishment.ght = ght
    establishment.ght_is_demo = False
    establishment.save()
    return establishment
