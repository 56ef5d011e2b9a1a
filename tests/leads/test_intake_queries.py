"""Intake at bulk speed: a batch of 100 costs a fixed, small number of queries whatever it holds,
and the intake rules are read once per process until they change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.models import Lead, LeadEvent, LeadRejection, QualificationCriterion
from tests.leads.factories import RoutingRuleFactory, baseline_rule, lead_payload
from tests.leads.helpers import BATCH, LEADS, assert_problem, send

pytestmark = pytest.mark.django_db


def queries_of(api, body, path=BATCH) -> tuple[list[str], object]:
    with CaptureQueriesContext(connection) as captured:
        response = send(api, body, path)
    return [q["sql"] for q in captured.captured_queries], response


def writes(sql: list[str]) -> list[str]:
    return [q for q in sql if not q.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


# Key and integration (one query), the leads of the batch (locked), the round-robin cursor of
# the routed team and its reps (read, locked, saved), the new leads (one INSERT on PostgreSQL;
# SQLite's 999-parameter limit splits 100 rows in three), the changed leads (one UPDATE), their
# events (one INSERT), the rejections (one INSERT).
EXPECTED = {"postgresql": 9, "sqlite": 11}


def test_a_mixed_batch_of_100_costs_a_fixed_number_of_queries(
    api, team, rep, teammate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        RoutingRuleFactory(order=1, industry="SaaS", team=team)
    send(api, {"leads": [lead_payload(n) for n in range(10)]}, BATCH)  # 10 stored; the rules are read
    leads = [lead_payload(n) for n in range(100)]
    for n in range(5):
        leads[n]["engagementScore"] = 99  # 5 updated
    leads[50]["contactInfo"]["email"] = "not-an-email"  # rejected
    sql, response = queries_of(api, {"leads": leads})
    assert response.status_code == 207
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (99, 1)
    assert [r["outcome"] for r in body["results"][:11]] == ["updated"] * 5 + ["unchanged"] * 5 + ["created"]
    assert Lead.objects.count() == 99 and LeadEvent.objects.count() == 5 and LeadRejection.objects.count() == 1
    read_again = [
        q[:150] for q in sql if q.startswith("SELECT") and ("leads_qualification" in q or "leads_routingrule" in q)
    ]
    assert not read_again, read_again
    assert len(writes(sql)) == EXPECTED[connection.vendor], "\n".join(q[:120] for q in sql)


def test_a_batch_of_100_new_leads_is_one_insert_on_postgresql(api):
    send(api, lead_payload(1000))
    sql, response = queries_of(api, {"leads": [lead_payload(n) for n in range(100)]})
    assert response.status_code == 207 and Lead.objects.count() == 101
    inserts = [q for q in sql if q.startswith('INSERT INTO "leads_lead"')]
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 3)
    # Key with its integration, the batch's stored leads, the inserts.
    assert len(writes(sql)) == 2 + len(inserts)


def test_a_single_post_reads_key_and_integration_in_one_query(api):
    send(api, lead_payload(1000))
    sql, response = queries_of(api, lead_payload(1), LEADS)
    assert response.status_code == 201
    assert len(writes(sql)) == 3  # key + integration, the stored lead (locked), the insert


def test_a_rule_changed_applies_to_the_next_request(api, django_capture_on_commit_callbacks):
    assert send(api, lead_payload(1)).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        rule = baseline_rule()
        rule.min_engagement_score = 99
        rule.save()
    assert_problem(send(api, lead_payload(2, engagementScore=98)), 422)


def test_a_criterion_retired_or_required_applies_to_the_next_request(api):
    assert send(api, lead_payload(1)).status_code == 201
    criterion = QualificationCriterion.objects.get(code="visited_pricing_page")
    criterion.active = False
    criterion.save()
    body = assert_problem(send(api, lead_payload(2, qualificationCriteriaMet=["visited_pricing_page"])), 422)
    assert body["reasons"] == ["unknown_criterion"]
    criterion.active = True
    criterion.save()
    baseline_rule().required_criteria.add(criterion)
    body = assert_problem(send(api, lead_payload(3, qualificationCriteriaMet=["downloaded_technical_whitepaper"])), 422)
    assert body["reasons"] == ["not_qualified"]


def test_a_routing_rule_deleted_routes_no_more(api, team, rep):
    rule = RoutingRuleFactory(order=1, industry="SaaS", team=team)
    send(api, lead_payload(1))
    rule.delete()
    send(api, lead_payload(2))
    assert dict(Lead.objects.values_list("lead_id", "team")) == {"lead-1": team.pk, "lead-2": None}


# A batch of 100 sent with an Idempotency-Key on PostgreSQL, every kind of lead in it: key and
# integration (1); the key claimed in its own savepoint (3); the answering transaction's savepoint
# and the record locked (2); the intake's savepoint (for its retry) and the batch's stored leads
# locked (2); the routed team's reps and cursor (read, locked, saved: 3); one statement per table:
# new leads, changed leads, their events, the rejections (4); the two savepoints released and the
# answer kept (3). The same whatever the batch holds: nothing is written or read per lead.
BATCH_OF_100_ON_POSTGRESQL = 18


def test_a_batch_of_100_on_postgresql_makes_a_small_fixed_number_of_queries(
    api, team, rep, teammate, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    if connection.vendor != "postgresql":
        pytest.skip("the bound is PostgreSQL's (SQLite splits 100 rows over several INSERTs)")
    with django_capture_on_commit_callbacks(execute=True):
        RoutingRuleFactory(order=1, industry="SaaS", team=team)
    send(api, {"leads": [lead_payload(n) for n in range(20)]}, BATCH)
    leads = [lead_payload(n) for n in range(100)]
    for n in range(10):
        leads[n]["engagementScore"] = 98  # 10 updated, 10 unchanged, 79 created
    leads[60]["contactInfo"]["email"] = "not-an-email"  # 1 rejected
    with django_assert_max_num_queries(BATCH_OF_100_ON_POSTGRESQL):
        response = send(api, {"leads": leads}, BATCH, HTTP_IDEMPOTENCY_KEY="batch-of-100")
    body = response.json()
    assert (response.status_code, body["accepted"], body["rejected"]) == (207, 99, 1)
    outcomes = [r["outcome"] for r in body["results"]]
    assert (outcomes.count("created"), outcomes.count("updated"), outcomes.count("unchanged")) == (79, 10, 10)
    assert Lead.objects.count() == 99 and LeadEvent.objects.count() == 10 and LeadRejection.objects.count() == 1
    assert Lead.objects.filter(owner__isnull=True).count() == 0
