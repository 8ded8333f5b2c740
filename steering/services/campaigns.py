"""Regional campaigns: an ARS or its GRADeS schedules the year's exercises across its establishments (for example
about a hundred with one provider) and follows which ones have been held."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from accounts import access
from organisations.models import Establishment, Region, Sector
from steering.models import Campaign, CampaignEntry
from steering.services.obligation import with_exercise_status


def visible_campaigns(user) -> QuerySet:
    regions = access.visible_regions(user) if access.can_see_steering(user) else Region.objects.none()
    return Campaign.objects.filter(region__in=regions).select_related("region")


def managed_regions(user) -> QuerySet:
    return Region.objects.filter(code__in=[r.code for r in Region.objects.all()
                                           if access.can_manage_campaign(user, r)]).order_by("name")


@transaction.atomic
def do_create_campaign(user, region: Region, *, year: int, title: str, provider: str = "") -> Campaign:
    if not access.can_manage_campaign(user, region):
        raise PermissionDenied
    if not title.strip():
        raise ValidationError({"title": "Intitulé obligatoire."})
    if not 2015 <= year <= 2100:
        raise ValidationError({"year": "Année invalide."})
    return Campaign.objects.create(region=region, year=year, title=title.strip()[:200],
                                   provider=provider.strip()[:200], created_by=user)


@transaction.atomic
def do_add_establishments(user, campaign: Campaign, finess: list[str]) -> int:
    if not access.can_manage_campaign(user, campaign.region):
        raise PermissionDenied
    eligible = Establishment.objects.filter(pk__in=finess, region=campaign.region, sector=Sector.SANITAIRE)
    existing = set(campaign.entries.values_list("establishment_id", flat=True))
    rows = [CampaignEntry(campaign=campaign, establishment=e) for e in eligible if e.pk not in existing]
    for row in rows:
        row.save()  # audited, one row each
    return len(rows)


@transaction.atomic
def do_plan_entry(user, entry: CampaignEntry, planned_on: str) -> CampaignEntry:
    if not access.can_manage_campaign(user, entry.campaign.region):
        raise PermissionDenied
    try:
        day = dt.date.fromisoformat(planned_on) if planned_on else None
    except ValueError as exc:
        raise ValidationError("Date invalide.") from exc
    if day is not None and day.year != entry.campaign.year:
        raise ValidationError(f"La date doit être en {entry.campaign.year}.")
    entry.planned_on = day
    entry.save()
    return entry


@transaction.atomic
def do_remove_entry(user, entry: CampaignEntry) -> None:
    if not access.can_manage_campaign(user, entry.campaign.region):
        raise PermissionDenied
    entry.delete()


def progress(campaign: Campaign) -> tuple[list[dict], dict]:
    status = {e.pk: e for e in with_exercise_status(
        Establishment.objects.filter(campaign_entries__campaign=campaign), campaign.year)}
    rows = []
    for entry in campaign.entries.select_related("establishment", "establishment__department"):
        annotated = status.get(entry.establishment_id)
        done = bool(annotated and (annotated.has_run or annotated.is_declared))
        rows.append({"entry": entry, "done": done,
                     "scheduled": annotated.planned_on if annotated and not done else None})
    done = sum(1 for r in rows if r["done"])
    return rows, {"total": len(rows), "done": done, "planned": sum(1 for r in rows if r["entry"].planned_on),
                  "rate": round(100 * done / len(rows)) if rows else None}
