"""Two people move the same deal at the same moment, on PostgreSQL with real transactions."""

import threading

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import TransactionTestCase

from enablement_portal.celery import app
from pipeline.models import Deal, DealStageChange, Event, LostReason, Stage
from pipeline.services import ConcurrentChange, deal_transition
from tests.accounts.factories import TeamFactory, UserFactory
from tests.pipeline.factories import AccountFactory, DealFactory, check_all, restore_seeds


@pytest.mark.services
class ConcurrentTransitionTests(TransactionTestCase):
    def setUp(self) -> None:
        if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            # Not a missing service: the SQLite pass runs without one by design.
            pytest.skip("DATABASE_URL is not PostgreSQL: this test runs in the PostgreSQL + Redis pass")
        restore_seeds()
        team = TeamFactory(name="Race team")
        self.manager = UserFactory(username="race.manager", role="manager", team=team)
        self.rep = UserFactory(username="race.rep", role="rep", team=team, manager=self.manager)
        self.deal = DealFactory(owner=self.rep, account=AccountFactory(), stage=Stage.CLOSING)
        check_all(self.deal)
        # The closing e-mail is the side effect: run its task in-process so the test sees it.
        self._eager = app.conf.task_always_eager
        app.conf.task_always_eager = True
        mail.outbox = []

    def tearDown(self) -> None:
        app.conf.task_always_eager = self._eager

    def test_two_conflicting_moves_one_wins_the_other_conflicts_and_side_effects_run_once(self) -> None:
        reason = LostReason.objects.get(name="Price")
        # Both load the deal before either writes, as two browser tabs would.
        copies = [Deal.objects.get(pk=self.deal.pk), Deal.objects.get(pk=self.deal.pk)]
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def move(deal: Deal, event: str) -> None:
            try:
                barrier.wait(timeout=10)
                deal_transition(deal=deal, event=event, by=self.rep, lost_reason=reason)
                outcomes.append(f"moved:{event}")
            except ConcurrentChange:
                outcomes.append("conflict")
            finally:
                connection.close()

        threads = [
            threading.Thread(target=move, args=(copies[0], Event.CONTRACT_SIGNED)),
            threading.Thread(target=move, args=(copies[1], Event.DEAL_LOST)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "moved"]
        winner = next(o for o in outcomes if o.startswith("moved")).split(":")[1]
        deal = Deal.objects.get(pk=self.deal.pk)
        assert deal.stage == (Stage.CLOSED_WON if winner == Event.CONTRACT_SIGNED else Stage.CLOSED_LOST)
        closing_rows = DealStageChange.objects.filter(deal=deal, from_stage=Stage.CLOSING)
        assert list(closing_rows.values_list("event", flat=True)) == [winner]
        # The manager hears about the close exactly once: the loser's on_commit never ran.
        assert len(mail.outbox) == 1
