"""The API root maps every error to problem+json once, and every operation documents the problems it answers."""

import pytest

PROBLEM = "application/problem+json"


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_a_path_no_operation_matches_is_a_problem_not_a_page(client, method):
    response = getattr(client, method)("/api/v1/deals/not-a-number/transitions")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert "/api/v1/deals/not-a-number/transitions" in response.json()["detail"]


def test_every_operation_documents_its_problems(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            responses = {int(code) for code in operation["responses"]}
            where = f"{method.upper()} {path}"
            if operation.get("security"):
                assert {401, 403, 429} <= responses, where
            if operation.get("parameters") or "requestBody" in operation:
                assert {400, 422} <= responses, where
            if "{" in path:
                assert 404 in responses, where
            for code in responses - {200, 201, 207}:
                assert PROBLEM in operation["responses"][str(code)]["content"], where


@pytest.mark.django_db
def test_a_model_validation_error_names_the_field_the_client_sent(client, rep, make_lost_deal_request):
    response = make_lost_deal_request(lost_reason_id=None)
    assert response.status_code == 422
    assert [error["path"] for error in response.json()["errors"]] == ["lost_reason_id"]


@pytest.fixture
def make_lost_deal_request(rep):
    from django.test import Client

    from accounts.services import api_key_create
    from pipeline.models import Stage
    from tests.pipeline.factories import AccountFactory, DealFactory

    deal = DealFactory(owner=rep, account=AccountFactory(), stage=Stage.DISCOVERY)
    _, token = api_key_create(name="rep", scopes=["deals:read", "deals:write"], acts_for=rep)

    def post(**body):
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
            f"/api/v1/deals/{deal.pk}/transitions", {"event": "DEAL_LOST", **body}, content_type="application/json"
        )

    return post
