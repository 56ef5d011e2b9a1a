import itertools
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from accounts.models import Scope
from accounts.services import api_key_create
from tests.pipeline.factories import DealFactory
from tests.training.calls.conftest import WEBVTT_CALL
from training.models import CallReview, CallTranscript

API = "/api/v1/calls"


KEYS = itertools.count()


def client_for(person, *scopes) -> Client:
    _, token = api_key_create(name=f"{person.username} key {next(KEYS)}", scopes=list(scopes), acts_for=person)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def body(rep, **fields):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    return {"rep": rep.username, "callDate": yesterday, "transcript": WEBVTT_CALL, "repSpeaker": "Alice Rep", **fields}


def test_a_managers_key_uploads_a_call_and_reads_its_lint(manager, rep, trackers, django_capture_on_commit_callbacks):
    deal = DealFactory(owner=rep)
    writer = client_for(manager, Scope.CALLS_WRITE, Scope.CALLS_READ)
    with django_capture_on_commit_callbacks(execute=True):
        created = writer.post(API, body(rep, deal=deal.pk), content_type="application/json")
    assert created.status_code == 201, created.content
    call = created.json()
    assert call | {"id": None} == {
        "id": None, "rep": rep.username, "deal": deal.pk, "callDate": body(rep)["callDate"],
        "speakers": ["Alice Rep", "Sam Ortiz"], "repSpeaker": "Alice Rep", "utterances": 4,
        "lint": f"/api/v1/calls/{call['id']}/lint",
    }  # fmt: skip
    lint = writer.get(call["lint"]).json()
    assert lint["metrics"]["repTalkPercent"] == 37.5 and lint["metrics"]["questions"] == 1
    assert {(f["rule"], f["severity"]) for f in lint["findings"]} == {
        ("competitor-mentioned", "info"), ("no-next-step", "warning"), ("pricing-before-discovery-exit", "warning"),
    }  # fmt: skip
    assert [(h["tracker"], h["utterance"], h["atSeconds"]) for h in lint["hits"]] == [
        ("Vantage Analytics", 1, 5.0), ("Pricing", 2, 20.0),
    ]  # fmt: skip


def test_bad_input_is_a_problem_listing_each_field_and_stores_nothing(manager, rep, other_rep, trackers):
    writer = client_for(manager, Scope.CALLS_WRITE)
    cases = [
        (body(rep, transcript="nonsense", format="vtt"), "transcript", "Not a readable WebVTT file"),
        (body(rep, repSpeaker="Nobody"), "repSpeaker", "Choose one of the transcript's speakers"),
        (body(other_rep), "rep", "No rep 'charlie.rep' on your team"),
        (body(rep, deal=DealFactory(owner=other_rep).pk), "deal", "you may see"),
        (body(rep, callDate=(timezone.localdate() + timedelta(days=2)).isoformat()), "callDate", "future"),
        (body(rep, format="doc"), "format", "Input should be"),
    ]
    for payload, path, message in cases:
        response = writer.post(API, payload, content_type="application/json")
        assert response.status_code == 422, (path, response.content)
        assert response["Content-Type"] == "application/problem+json"
        errors = response.json()["errors"]
        assert any(e["path"].endswith(path) and message in e["message"] for e in errors), (path, errors)
    assert not CallReview.objects.exists() and not CallTranscript.objects.exists()


def test_scopes_and_who_may_read(manager, rep, teammate, other_manager, trackers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call = client_for(manager, Scope.CALLS_WRITE).post(API, body(rep), content_type="application/json").json()
    url = call["lint"]
    # Writing needs calls:write; reading calls:read.
    refused = client_for(manager, Scope.CALLS_READ).post(API, body(rep), content_type="application/json")
    assert refused.status_code == 403 and "calls:write" in refused.json()["detail"]
    assert client_for(manager, Scope.CALLS_WRITE).get(url).status_code == 403
    # The rep reads their own call; a teammate and another team's manager find nothing there.
    assert client_for(rep, Scope.CALLS_READ).get(url).status_code == 200
    assert client_for(teammate, Scope.CALLS_READ).get(url).status_code == 404
    assert client_for(other_manager, Scope.CALLS_READ).get(url).status_code == 404
    # A rep may not upload calls (coaching is a manager's).
    assert client_for(rep, Scope.CALLS_WRITE).post(API, body(rep), content_type="application/json").status_code == 403
