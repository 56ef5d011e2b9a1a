"""Least-privilege keys: a key may do what its scopes allow, and no more than the person it acts for.

The matrix: every operation of the API by a key holding each scope alone (acting for a person
where the scope needs one) by keys issued by each role. Whoever issued a key lends it nothing.
"""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import INTEGRATION_SCOPES, PERSON_SCOPES, ApiKey, Scope
from accounts.services import api_key_create, api_key_rotate
from pipeline.models import Stage
from tests.leads.factories import PLAYBOOK_LEAD, IntegrationFactory
from tests.pipeline.factories import AccountFactory, DealFactory, check_all

# (scope, method, path template, body): every operation that needs a scope.
OPERATIONS = [
    (Scope.DEALS_READ, "get", "/api/v1/deals", None),
    (Scope.DEALS_READ, "get", "/api/v1/deals/{deal}", None),
    (Scope.DEALS_WRITE, "post", "/api/v1/deals/{deal}/transitions", {"event": "QUALIFY"}),
    (Scope.TELEMETRY_READ, "get", "/api/v1/telemetry/win_rate", None),
    (Scope.TRAINING_READ, "get", "/api/v1/training/certifications", None),
    (Scope.CALLS_READ, "get", "/api/v1/calls/1/lint", None),
    (Scope.CALLS_WRITE, "post", "/api/v1/calls", {"rep": "nobody", "callDate": "2026-01-05"}),
    (Scope.COLLATERAL_READ, "get", "/api/v1/collateral", None),
    (Scope.COLLATERAL_READ, "get", "/api/v1/collateral/nope", None),
    (Scope.COLLATERAL_WRITE, "put", "/api/v1/collateral/nope", {}),
    (Scope.LEADS_WRITE, "post", "/api/v1/leads", PLAYBOOK_LEAD),
    (Scope.LEADS_WRITE, "post", "/api/v1/leads/batch", {"leads": [PLAYBOOK_LEAD]}),
    (Scope.LEADS_READ, "get", "/api/v1/leads/rejections", None),
    (Scope.LEADS_READ, "get", "/api/v1/leads/nope", None),
]


def call(token: str, method: str, path: str, body: object = None):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def deal(admin):
    # Owned by the enablement admin's view of the world: every person scope's person below can see it
    # only as far as their own rules say; the matrix checks the scope, the person tests the rules.
    return DealFactory(owner=admin, team=None, account=AccountFactory(), stage=Stage.LEAD_IN)


def key_for(scope: Scope, admin, issuer) -> str:
    if scope in INTEGRATION_SCOPES:
        return IntegrationFactory(created_by=issuer, rate_limit_requests=10_000).token
    acts_for = admin if scope in PERSON_SCOPES else None
    _, token = api_key_create(name=f"{scope} key", scopes=[scope], acts_for=acts_for, created_by=acts_for)
    return token


@pytest.mark.django_db
@pytest.mark.parametrize("held", [s for s in Scope if s != Scope.LEADS_READ], ids=str)
@pytest.mark.parametrize(("needed", "method", "template", "body"), OPERATIONS, ids=lambda v: str(v)[:40])
def test_a_key_passes_only_the_operations_of_its_scopes(held, needed, method, template, body, admin, deal):
    token = key_for(held, admin, issuer=admin)
    response = call(token, method, template.format(deal=deal.pk), body)
    # An integration's key holds both leads scopes; every other key holds just `held`.
    holds = INTEGRATION_SCOPES if held in INTEGRATION_SCOPES else {held}
    if needed in holds:
        assert response.status_code not in {401, 403}, response.content
    else:
        assert response.status_code == 403, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert str(needed) in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("issuer", ["admin", "marketing", "manager"])
def test_an_integration_key_never_acts_as_whoever_issued_it(issuer, request, admin, deal):
    """The flaw found in the audit: a key issued by an enablement admin read and moved every deal."""
    token = IntegrationFactory(created_by=request.getfixturevalue(issuer)).token
    assert call(token, "get", "/api/v1/deals").status_code == 403
    lost = {"event": "DEAL_LOST", "lost_reason_id": 1}
    assert call(token, "post", f"/api/v1/deals/{deal.pk}/transitions", lost).status_code == 403
    assert call(token, "get", "/api/v1/telemetry/time_to_ramp").status_code == 403
    deal.refresh_from_db()
    assert deal.stage == Stage.LEAD_IN


@pytest.mark.django_db
def test_a_keys_rights_are_its_persons_rights_too(rep, other_rep, manager, marketing, admin, make_deal_for):
    mine, theirs = make_deal_for(rep), make_deal_for(other_rep)
    _, rep_token = api_key_create(name="rep", scopes=["deals:read", "deals:write"], acts_for=rep)
    assert call(rep_token, "get", f"/api/v1/deals/{mine.pk}").status_code == 200
    assert call(rep_token, "get", f"/api/v1/deals/{theirs.pk}").status_code == 404
    assert [d["id"] for d in call(rep_token, "get", "/api/v1/deals").json()["items"]] == [mine.pk]

    # telemetry:read on a rep is still a rep: reps read no telemetry.
    _, rep_telemetry = api_key_create(name="rep telemetry", scopes=["telemetry:read"], acts_for=rep)
    assert call(rep_telemetry, "get", "/api/v1/telemetry/win_rate").status_code == 403

    # collateral:write on anyone but an enablement admin changes nothing.
    _, marketing_writer = api_key_create(name="mkt", scopes=["collateral:write"], acts_for=marketing)
    assert call(marketing_writer, "put", "/api/v1/collateral/nope", {}).status_code == 403


@pytest.fixture
def make_deal_for(db):
    account = AccountFactory()

    def make(owner):
        deal = DealFactory(owner=owner, account=account, stage=Stage.PROPOSAL)
        check_all(deal)
        return deal

    return make


@pytest.mark.django_db
def test_a_scope_that_acts_as_a_person_needs_one(rep):
    with pytest.raises(ValidationError) as refused:
        api_key_create(name="headless", scopes=["deals:read"])
    assert "acts_for" in refused.value.message_dict


@pytest.mark.django_db
def test_an_integration_key_carries_leads_scopes_only(rep):
    with pytest.raises(ValidationError) as refused:
        api_key_create(name="mixed", scopes=["leads:write", "deals:read"], acts_for=rep)
    assert "scopes" in refused.value.message_dict


@pytest.mark.django_db
def test_a_person_issues_keys_for_themselves_only(rep, manager, admin):
    with pytest.raises(ValidationError) as refused:
        api_key_create(name="borrowed", scopes=["deals:read"], acts_for=manager, created_by=admin)
    assert "acts_for" in refused.value.message_dict
    assert not ApiKey.objects.filter(name="borrowed").exists()


@pytest.mark.django_db
def test_an_expired_key_is_refused(rep):
    _, token = api_key_create(
        name="old", scopes=["deals:read"], acts_for=rep, expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = call(token, "get", "/api/v1/deals")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


@pytest.mark.django_db
def test_rotation_keeps_the_scopes_and_revokes_the_old_key(rep):
    old, old_token = api_key_create(name="sidebar", scopes=["deals:read"], acts_for=rep)
    new, new_token = api_key_rotate(api_key=old, by=rep)
    assert (new.scopes, new.acts_for) == (["deals:read"], rep)
    assert call(old_token, "get", "/api/v1/deals").status_code == 403
    assert call(new_token, "get", "/api/v1/deals").status_code == 200


@pytest.mark.django_db
def test_the_admin_offers_no_leads_scope_and_only_yourself_as_the_person(client, marketing, rep):
    client.force_login(marketing)
    page = client.get(reverse("admin:accounts_apikey_add")).content.decode()
    assert 'value="deals:read"' in page
    assert 'value="leads:write"' not in page
    response = client.post(
        reverse("admin:accounts_apikey_add"), {"name": "borrowed", "scopes": ["deals:read"], "acts_for": rep.pk}
    )
    assert response.status_code == 200  # the form again, with the error
    assert not ApiKey.objects.filter(name="borrowed").exists()


@pytest.mark.django_db
def test_the_admin_rotates_a_key_and_shows_the_new_one_once(client, marketing):
    client.force_login(marketing)
    old, _ = api_key_create(name="sidebar", scopes=["collateral:read"], created_by=marketing)
    response = client.post(
        reverse("admin:accounts_apikey_changelist"),
        {"action": "rotate", "_selected_action": [old.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "this page is the only time the key is shown" in html
    assert html.count('<code id="key-') == 1
    old.refresh_from_db()
    assert old.is_revoked
    assert ApiKey.objects.active().get(name__startswith="sidebar").scopes == ["collateral:read"]


@pytest.mark.django_db
def test_existing_keys_migrate_to_the_narrowest_scopes(migrator_state):
    keys = migrator_state
    assert keys["system"] == ["collateral:read"]
    assert keys["integration"] == ["leads:read", "leads:write"]


@pytest.fixture
def migrator_state(transactional_db):
    """Keys as they were before scopes, migrated forward."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("accounts", "0002_role_groups"), ("leads", "0002_seed_criteria_and_roles")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    system = old.get_model("accounts", "ApiKey").objects.create(name="sys", prefix="ep_a", key_hash="a" * 64)
    sent = old.get_model("accounts", "ApiKey").objects.create(name="int", prefix="ep_b", key_hash="b" * 64)
    old.get_model("leads", "Integration").objects.create(name="HubSpot", api_key_id=sent.pk)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    return {
        "system": ApiKey.objects.get(pk=system.pk).scopes,
        "integration": sorted(ApiKey.objects.get(pk=sent.pk).scopes),
    }
