"""Deals with an exact history, for telemetry's worked examples."""

from datetime import date, datetime, time
from decimal import Decimal
from itertools import pairwise

from django.utils import timezone

from pipeline.models import CLOSED_STAGES, Account, Deal, DealStageChange, Event, Product, Quota, Stage


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def deal_with_history(
    owner, path: list[tuple[str, date]], *, amount: int, product: str = "GTX Pro", imported: bool = False
) -> Deal:
    """A deal that went through `path` [(stage, day), ...]: created (or imported) at the first.

    Its created_at is the first day, closed_at the day it reached a closed stage.
    """
    stage, day = path[-1]
    closed = stage in CLOSED_STAGES
    lost_at = path[-2][0] if stage == Stage.CLOSED_LOST and len(path) > 1 else ""
    deal = Deal.objects.create(
        name=f"{owner.username} {product} {path[0][1]}",
        account=Account.objects.get_or_create(name="Worked example Ltd")[0],
        owner=owner,
        team=owner.team,
        amount=Decimal(amount),
        product=Product.objects.get_or_create(name=product)[0],
        stage=stage,
        stage_entered_at=at(day),
        lost_at_stage=lost_at,
        closed_at=at(day) if closed else None,
        created_at=at(path[0][1]),
    )
    first_stage, first_day = path[0]
    history = [
        DealStageChange(
            deal=deal,
            to_stage=first_stage,
            event=Event.IMPORTED if imported else Event.CREATED,
            imported=imported,
            at=at(first_day),
        )
    ]
    for (source, _), (target, target_day) in pairwise(path):
        event = Event.DEAL_LOST if target == Stage.CLOSED_LOST else Event.QUALIFY
        history.append(DealStageChange(deal=deal, from_stage=source, to_stage=target, event=event, at=at(target_day)))
    DealStageChange.objects.bulk_create(history)
    return deal


def quota(rep, month: date, amount: int) -> Quota:
    return Quota.objects.create(rep=rep, month=month, amount=Decimal(amount))


def usage(version, kind: str, day: date, *, user=None, deal=None):
    from collateral.models import AssetUsage

    return AssetUsage.objects.create(
        asset=version.asset, version=version, kind=kind, user=user, deal=deal, created_at=at(day)
    )


def lead(integration, lead_id: str, received: date, *events: tuple[str, date]):
    """A stored lead received on `received`, with its events [(kind, day), ...]."""
    from leads.models import LeadEvent
    from tests.leads.factories import LeadFactory

    stored = LeadFactory(integration=integration, lead_id=lead_id, received_at=at(received))
    LeadEvent.objects.bulk_create([LeadEvent(lead=stored, kind=kind, at=at(day)) for kind, day in events])
    return stored


def rejection(integration, received: date, *reasons: str):
    from leads.models import LeadRejection

    return LeadRejection.objects.create(
        integration=integration, received_at=at(received), reasons=list(reasons), payload_digest="0" * 64
    )
