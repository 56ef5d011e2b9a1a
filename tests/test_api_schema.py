"""Schemathesis over the whole API (/api/v1/openapi.json), through the WSGI app, with both kinds of key:
a person's key holding every scope a person can hold, and a lead integration's key. No 5xx, and
every answer (status, content type, body) is one the schema documents."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import INTEGRATION_SCOPES, Scope
from accounts.services import api_key_create
from enablement_portal.wsgi import application
from tests.leads.factories import IntegrationFactory

# The schema describes types; the contract also has rules no schema states (known criteria,
# qualification), so "schema-valid data is accepted" is not among the checks.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(params=["person", "integration"])
def token(request, db) -> str:
    if request.param == "integration":
        return IntegrationFactory(name="Schemathesis", rate_limit_requests=100_000).token
    admin = request.getfixturevalue("admin")
    person_scopes = [scope for scope in Scope if scope not in INTEGRATION_SCOPES]
    return api_key_create(name="Schemathesis", scopes=person_scopes, acts_for=admin)[1]


@pytest.fixture(autouse=True)
def keep_the_test_transaction():
    # As Django's test client does: closing connections between requests would end the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded at collection through the WSGI app (pytest-django has set Django up by then; the schema
# view reads no database). schemathesis' lazy fixture loader does not work with pytest 9.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_schema_says(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
