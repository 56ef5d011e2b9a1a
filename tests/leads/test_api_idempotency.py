import pytest

from leads.idempotency import idempotency_records_purge
from leads.models import IdempotencyRecord, Lead
from tests.leads.factories import PLAYBOOK_LEAD, lead_payload, playbook_lead
from tests.leads.helpers import BATCH, assert_problem, send

pytestmark = pytest.mark.django_db


def test_the_same_key_and_body_give_the_same_answer_and_one_row(api):
    first = send(api, PLAYBOOK_LEAD, HTTP_IDEMPOTENCY_KEY="k-1")
    again = send(api, PLAYBOOK_LEAD, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Lead.objects.count() == 1


def test_a_replayed_rejection_is_the_same_rejection(api):
    payload = playbook_lead(engagementScore=500)
    first = send(api, payload, HTTP_IDEMPOTENCY_KEY="k-2")
    again = send(api, payload, HTTP_IDEMPOTENCY_KEY="k-2")
    assert (first.status_code, again.content) == (422, first.content)
    assert again["Content-Type"] == "application/problem+json"


def test_the_same_key_with_another_body_is_a_422(api):
    send(api, PLAYBOOK_LEAD, HTTP_IDEMPOTENCY_KEY="k-3")
    body = assert_problem(send(api, playbook_lead(engagementScore=90), HTTP_IDEMPOTENCY_KEY="k-3"), 422)
    assert body["errors"] == [{"path": "Idempotency-Key", "message": "Already used with a different body."}]
    assert Lead.objects.get().engagement_score == 85


def test_the_same_key_on_another_endpoint_is_a_422(api):
    send(api, PLAYBOOK_LEAD, HTTP_IDEMPOTENCY_KEY="k-4")
    assert_problem(send(api, {"leads": [PLAYBOOK_LEAD]}, BATCH, HTTP_IDEMPOTENCY_KEY="k-4"), 422)


def test_a_key_over_255_characters_is_a_400(api):
    body = assert_problem(send(api, PLAYBOOK_LEAD, HTTP_IDEMPOTENCY_KEY="k" * 256), 400)
    assert body["errors"][0]["path"] == "Idempotency-Key"
    assert not Lead.objects.exists()
    assert send(api, PLAYBOOK_LEAD, HTTP_IDEMPOTENCY_KEY="k" * 255).status_code == 201


def test_keys_are_per_integration(api, client):
    from tests.leads.factories import IntegrationFactory

    other = IntegrationFactory(name="Marketo")
    send(api, PLAYBOOK_LEAD, HTTP_IDEMPOTENCY_KEY="shared")
    response = send(client, PLAYBOOK_LEAD, HTTP_IDEMPOTENCY_KEY="shared", HTTP_AUTHORIZATION=f"Bearer {other.token}")
    assert response.status_code == 201
    assert Lead.objects.count() == 2


def test_a_key_in_use_by_a_running_request_is_a_409(api, integration):
    # What a parallel request sees; the real race is tested on PostgreSQL in test_api_concurrency.
    import json

    from leads.idempotency import idempotency_claim, request_digest

    digest = request_digest(method="POST", path="/api/v1/leads", body=json.dumps(PLAYBOOK_LEAD).encode())
    idempotency_claim(integration=integration, key="busy", request_digest=digest)
    assert_problem(send(api, PLAYBOOK_LEAD, HTTP_IDEMPOTENCY_KEY="busy"), 409)


def test_a_claim_left_by_a_dead_request_is_taken_over(api, integration):
    from datetime import timedelta

    from django.utils import timezone

    from leads.idempotency import idempotency_claim

    send(api, PLAYBOOK_LEAD, HTTP_IDEMPOTENCY_KEY="stale")
    record = IdempotencyRecord.objects.get(key="stale")
    IdempotencyRecord.objects.filter(pk=record.pk).update(status=None, created_at=timezone.now() - timedelta(minutes=5))
    _, fresh = idempotency_claim(integration=integration, key="stale", request_digest=record.request_digest)
    assert fresh


@pytest.mark.parametrize(("age_s", "taken_over"), [(3, False), (6, True)])
def test_a_dead_requests_claim_is_taken_over_after_five_seconds(api, integration, age_s, taken_over):
    from datetime import timedelta

    from django.utils import timezone

    from leads.idempotency import IdempotencyInProgress, idempotency_claim

    send(api, PLAYBOOK_LEAD, HTTP_IDEMPOTENCY_KEY="dead")
    record = IdempotencyRecord.objects.get(key="dead")
    claimed_at = timezone.now() - timedelta(seconds=age_s)
    IdempotencyRecord.objects.filter(pk=record.pk).update(status=None, created_at=claimed_at)
    if taken_over:
        assert idempotency_claim(integration=integration, key="dead", request_digest=record.request_digest)[1]
    else:
        with pytest.raises(IdempotencyInProgress):
            idempotency_claim(integration=integration, key="dead", request_digest=record.request_digest)


def test_a_batch_is_idempotent_too(api):
    payload = {"leads": [lead_payload(n) for n in range(3)]}
    first = send(api, payload, BATCH, HTTP_IDEMPOTENCY_KEY="b-1")
    again = send(api, payload, BATCH, HTTP_IDEMPOTENCY_KEY="b-1")
    assert again.content == first.content
    assert [r["outcome"] for r in again.json()["results"]] == ["created"] * 3


def test_keys_are_kept_at_least_24_hours(api):
    from datetime import timedelta

    from django.utils import timezone

    send(api, PLAYBOOK_LEAD, HTTP_IDEMPOTENCY_KEY="old")
    assert idempotency_records_purge(now=timezone.now() + timedelta(hours=24)) == 0
    assert idempotency_records_purge(now=timezone.now() + timedelta(hours=49)) == 1


def test_the_purge_task_forgets_old_keys(api):
    from datetime import timedelta

    from django.utils import timezone

    from leads.tasks import purge_idempotency_records

    send(api, PLAYBOOK_LEAD, HTTP_IDEMPOTENCY_KEY="fresh")
    send(api, playbook_lead(leadId="other"), HTTP_IDEMPOTENCY_KEY="stale")
    IdempotencyRecord.objects.filter(key="stale").update(created_at=timezone.now() - timedelta(hours=49))
    assert purge_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


def test_a_body_in_utf_16_is_bound_to_its_key_too(api):
    import json

    body = json.dumps(PLAYBOOK_LEAD).encode("utf-16")
    first = send(api, body, HTTP_IDEMPOTENCY_KEY="utf16")
    assert first.status_code == 201
    assert send(api, body, HTTP_IDEMPOTENCY_KEY="utf16").content == first.content
