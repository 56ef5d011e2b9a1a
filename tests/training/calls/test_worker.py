"""The lint tasks through Redis and a real worker process, on the test's PostgreSQL database."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from enablement_portal.celery import app
from tests.telemetry.test_worker import wait_for, worker
from tests.training.calls.conftest import WEBVTT_CALL
from training.calls.services import call_upload
from training.models import CallLint, Finding, TrackerHit

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="DATABASE_URL is not PostgreSQL: the worker must share the test's database",
    ),
    pytest.mark.django_db(transaction=True),
]


def rows() -> tuple[list, list]:
    findings = sorted(Finding.objects.values_list("lint__review_id", "rule", "utterance"))
    hits = sorted(TrackerHit.objects.values_list("lint__review_id", "tracker__name", "utterance"))
    return findings, hits


def test_a_worker_lints_a_call_twice_to_the_same_rows_and_relints_every_call(redis_url, manager, rep, trackers):
    day = timezone.localdate() - timedelta(days=1)
    calls = [
        call_upload(uploader=manager, rep=rep, call_date=day, transcript=WEBVTT_CALL, rep_speaker="Alice Rep")
        for _ in range(3)
    ]
    CallLint.objects.all().delete()  # whatever the outbox's own send did: the worker below does it all
    queue = f"test-lint-{uuid.uuid4().hex[:8]}"
    with worker(redis_url, queue):
        assert (
            app.send_task("training.tasks.lint_call", kwargs={"call_id": calls[0].pk}, queue=queue).get(timeout=90) == 1
        )
        first = rows()
        assert ("competitor-mentioned" in {rule for _, rule, _ in first[0]}) and first[1]
        # Again: the results are replaced in one transaction, never doubled.
        assert (
            app.send_task("training.tasks.lint_call", kwargs={"call_id": calls[0].pk}, queue=queue).get(timeout=90) == 1
        )
        assert rows() == first
        # A tracker change re-lints every call: two chunks of two and one, on the worker.
        sent = app.send_task("training.tasks.relint_all_calls", kwargs={"chunk_size": 2, "queue": queue}, queue=queue)
        assert sent.get(timeout=90) == 2
        wait_for(lambda: CallLint.objects.count() == 3, timeout=90)
    findings, hits = rows()
    assert len(findings) == 3 * len(first[0]) and len(hits) == 3 * len(first[1])
