"""Real races on PostgreSQL: parallel requests through a live, multi-threaded server."""

import json
import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed

import pytest
from django.db import connection, transaction

from leads.models import IdempotencyRecord, Lead
from tests.leads.factories import PLAYBOOK_LEAD, IntegrationFactory, lead_payload

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgresql():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("DATABASE_URL is not PostgreSQL: this test runs in the PostgreSQL + Redis pass")
    assert connection.vendor == "postgresql"


def post(url: str, token: str, payload, key: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(url, json.dumps(payload).encode(), headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our live server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_parallel_requests_with_one_key_give_one_success_and_409s(live_server):
    integration = IntegrationFactory(name="HubSpot")
    url = f"{live_server.url}/api/v1/leads"
    with ThreadPoolExecutor(max_workers=8) as pool:
        # Hold the lead table so the request that wins the key is still running when the others arrive.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE leads_lead IN EXCLUSIVE MODE")
            futures = [pool.submit(post, url, integration.token, PLAYBOOK_LEAD, "same-key") for _ in range(8)]
            refused = []
            for future in as_completed(futures, timeout=30):
                refused.append(future.result())
                if len(refused) == 7:
                    break
        answers = [future.result(timeout=30) for future in futures]
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * 7
    assert all(body["type"] == "about:blank" and body["status"] == 409 for status, body in answers if status == 409)
    assert Lead.objects.count() == 1
    assert IdempotencyRecord.objects.get().status == 201
    # Once the first has finished, the key replays its answer.
    assert post(url, integration.token, PLAYBOOK_LEAD, "same-key")[0] == 201
    assert Lead.objects.count() == 1


def test_parallel_first_sends_of_one_lead_make_one_row(live_server):
    integration = IntegrationFactory(name="HubSpot")
    url = f"{live_server.url}/api/v1/leads"
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: post(url, integration.token, lead_payload(1)), range(8)))
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(201) == 1
    assert set(statuses) == {200, 201}
    assert Lead.objects.count() == 1


def test_a_running_requests_claim_is_not_taken_over_however_old():
    """The request that holds a key keeps its record's row locked; only a dead one's lock is gone."""
    import threading
    from datetime import timedelta

    from django.db import connections
    from django.utils import timezone

    from leads.idempotency import IdempotencyInProgress, idempotency_claim, idempotency_hold

    integration = IntegrationFactory(name="HubSpot")
    record, _ = idempotency_claim(integration=integration, key="slow", request_digest="d")
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    holding, done = threading.Event(), threading.Event()

    def running_request() -> None:
        try:
            with transaction.atomic():
                idempotency_hold(record=record)
                holding.set()
                done.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=running_request)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        with pytest.raises(IdempotencyInProgress):
            idempotency_claim(integration=integration, key="slow", request_digest="d")
    finally:
        done.set()
        holder.join(timeout=30)
    # Its connection gone (as a killed worker's is), the stale claim is taken over at once.
    assert idempotency_claim(integration=integration, key="slow", request_digest="d")[1]
