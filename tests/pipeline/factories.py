from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from pipeline.models import (
    Account,
    CriterionCheck,
    Deal,
    DealStageChange,
    Event,
    LostReason,
    Product,
    Stage,
    StageCriterion,
)
from tests.accounts.factories import UserFactory


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Account {n}")
    industry = "software"
    employee_count = 250


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Product {n}")


def product_named(name: str) -> Product:
    """The product of the list called `name` (any case), added to the list if missing."""
    return Product.objects.named(name) or Product.objects.create(name=name)


class DealFactory(factory.django.DjangoModelFactory):
    """A deal placed straight in `stage` (as an import would), with its one history row."""

    class Meta:
        model = Deal
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Deal {n}")
    account = factory.SubFactory(AccountFactory)
    owner = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(lambda d: d.owner.team)
    amount = Decimal("12000.00")
    product = factory.LazyFunction(lambda: product_named("GTX Pro"))
    stage = Stage.LEAD_IN
    stage_entered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        # Tests name products by their name: DealFactory(product="MG Special").
        if isinstance(kwargs.get("product"), str):
            kwargs["product"] = product_named(kwargs["product"])
        return kwargs

    @factory.post_generation
    def history(deal: Deal, create: bool, extracted, **kwargs) -> None:
        if create:
            DealStageChange.objects.create(
                deal=deal, to_stage=deal.stage, event=Event.CREATED, by=deal.owner, at=deal.stage_entered_at
            )


def check_all(deal: Deal, by=None) -> list[CriterionCheck]:
    """Confirm every criterion the deal's next move needs."""
    return [
        CriterionCheck.objects.create(deal=deal, criterion=c, checked_by=by or deal.owner, evidence="Seen on the call")
        for c in deal.gating_criteria()
    ]


def lost_reason() -> LostReason:
    return LostReason.objects.get(name="Price")


def criteria(stage: str, kind: str) -> list[StageCriterion]:
    return list(StageCriterion.objects.filter(stage=stage, kind=kind))


# Who sees whose deal: (viewer, owner, visible). One matrix for the deal page, the API and the board.
DEAL_VISIBILITY = [
    ("rep", "rep", True),
    ("rep", "teammate", False),
    ("manager", "rep", True),
    ("manager", "other_rep", False),
    ("other_manager", "rep", False),
    ("admin", "rep", True),
    ("admin", "other_rep", True),
]
