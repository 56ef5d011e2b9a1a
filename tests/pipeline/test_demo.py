import pytest
from django.core.management import call_command

from accounts.models import Role, User
from pipeline.models import OPEN_STAGES, CriterionCheck, Deal, DealStageChange, Quota, Stage


def snapshot() -> dict:
    deals = list(Deal.objects.order_by("external_id").values())
    changes = list(
        DealStageChange.objects.order_by("deal__external_id", "at", "event").values_list(
            "deal__external_id", "from_stage", "to_stage", "event", "by", "at", "imported"
        )
    )
    checks = sorted(
        CriterionCheck.objects.values_list(
            "deal__external_id", "criterion__text", "checked_by", "checked_at", "evidence"
        )
    )
    return {"deals": deals, "changes": changes, "checks": checks, "quotas": list(Quota.objects.order_by("pk").values())}


@pytest.mark.django_db
def test_load_demo_twice_leaves_the_same_deals(capsys):
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first


@pytest.mark.django_db
def test_the_demo_board_looks_like_a_real_quarter(client, capsys):
    call_command("load_demo")
    for stage in Stage:
        assert Deal.objects.filter(stage=stage).exists(), stage
    lost = Deal.objects.filter(stage=Stage.CLOSED_LOST)
    assert not lost.filter(lost_reason__isnull=True).exists()
    assert set(lost.values_list("lost_at_stage", flat=True)) <= set(OPEN_STAGES)
    # Every move in the history had its criteria confirmed before it.
    for deal in Deal.objects.filter(stage=Stage.CLOSED_WON)[:5]:
        assert deal.stage_changes.count() == 6
        assert deal.checks.count() == 5

    manager = User.objects.filter(role=Role.MANAGER).order_by("username").first()
    client.force_login(manager)
    board = client.get("/pipeline/board/").context["board"]
    cards = [card for column in board.columns for card in column.cards]
    assert all(column.count for column in board.columns)
    assert any(card.is_rotting for card in cards) and not all(card.is_rotting for card in cards)
    assert board.outcome.won_count + board.outcome.lost_count > 0
