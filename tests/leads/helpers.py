import json
from typing import Any

from leads.models import Lead, LeadEvent

LEADS = "/api/v1/leads"
BATCH = "/api/v1/leads/batch"


def send(client, payload: Any, path: str = LEADS, **headers: str):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post(path, data=body, content_type="application/json", **headers)


def lead_tables() -> tuple:
    """Everything in the lead tables, to show a refused request changed nothing."""
    return (
        list(Lead.objects.order_by("pk").values()),
        list(LeadEvent.objects.order_by("pk").values()),
    )


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    return body
