"""Two runs for one date at the same moment, on PostgreSQL with real transactions and threads."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from telemetry.models import MetricSnapshot, RunStatus, TelemetryRun
from telemetry.services import telemetry_recompute
from tests.telemetry.conftest import AS_OF

pytestmark = [
    pytest.mark.services,
    # Not a missing service: the SQLite pass runs without PostgreSQL by design.
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="DATABASE_URL is not PostgreSQL: this test runs in the PostgreSQL + Redis pass",
    ),
    # Real commits: the run row is the lock other connections see.
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_runs_for_one_date_write_once(worked_example):
    start = threading.Barrier(2)
    loser_done = threading.Event()
    outcomes: dict[str, str] = {}

    def hold_until_the_other_returns(step: str, done: int, total: int) -> None:
        # The run that claimed the date keeps it until the other one has given up.
        if done == 0:
            assert loser_done.wait(timeout=30)

    def run(name: str) -> None:
        try:
            start.wait(timeout=10)
            outcome = telemetry_recompute(as_of=AS_OF, trigger=name, progress=hold_until_the_other_returns)
            outcomes[name] = outcome.status
            if outcome.status == RunStatus.SKIPPED:
                loser_done.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == [RunStatus.SKIPPED, RunStatus.SUCCEEDED]
    winner = TelemetryRun.objects.get(status=RunStatus.SUCCEEDED)
    assert MetricSnapshot.objects.filter(as_of=AS_OF).count() == winner.rows
    assert set(MetricSnapshot.objects.values_list("run", flat=True)) == {winner.pk}
