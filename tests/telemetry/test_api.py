import pytest

from accounts.services import api_key_create
from telemetry.services import telemetry_recompute
from tests.accounts.factories import UserFactory
from tests.telemetry.conftest import AS_OF
from tests.telemetry.factories import deal_with_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    def as_person(user):
        _, token = api_key_create(
            name=f"key of {user.username}", scopes=["telemetry:read"], acts_for=user, created_by=user
        )

        def get(path, **params):
            return client.get(f"/api/v1/telemetry{path}", params, HTTP_AUTHORIZATION=f"Bearer {token}")

        return get

    return as_person


@pytest.fixture
def computed(worked_example):
    telemetry_recompute(as_of=AS_OF)
    return worked_example


def test_a_metric_by_rep_has_the_reps_full_names_and_the_numbers(computed, admin, api):
    response = api(admin)("/win_rate", as_of=AS_OF.isoformat(), by="rep", period="all")
    assert response.status_code == 200
    body = response.json()
    assert (body["metric"], body["as_of"], body["by"], body["period"]) == ("win_rate", "2026-06-30", "rep", "all")
    rows = {row["label"]: row for row in body["rows"]}
    assert set(rows) == {"Alice Archer", "Bob Baker", "Charlie Chen"}
    alice = rows["Alice Archer"]
    assert alice["key"] == str(computed["alice"].pk)
    assert (alice["numerator"], alice["denominator"], alice["value"]) == ("1.00", "2.00", "0.5000")


def test_a_manager_gets_their_own_teams_reps_only(computed, manager, api):
    body = api(manager)("/quota_attainment", as_of=AS_OF.isoformat(), by="rep", period="all").json()
    assert {row["label"] for row in body["rows"]} == {"Alice Archer", "Bob Baker"}


def test_each_metric_has_a_natural_dimension_by_default(computed, admin, api):
    get = api(admin)
    funnel = get("/stage_funnel", as_of=AS_OF.isoformat(), period="all").json()
    assert funnel["by"] == "stage"
    assert funnel["rows"][0]["key"] == "LeadIn"
    assert funnel["rows"][0]["details"]["reached"] == 5
    ramp = get("/time_to_ramp").json()
    # Time to ramp is not period-bound; Bob, not yet ramped, has no value rather than zero.
    assert (ramp["by"], ramp["period"], ramp["as_of"]) == ("rep", "all", "2026-06-30")
    assert {r["label"]: r["value"] for r in ramp["rows"]}["Bob Baker"] is None
    assert get("/sales_cycle", period="all").json()["by"] == "outcome"


def test_a_date_without_snapshot_is_a_404_problem(computed, admin, api):
    response = api(admin)("/win_rate", as_of="2026-06-29")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "No win_rate snapshot as of 2026-06-29."


def test_no_snapshot_at_all_is_a_404(worked_example, admin, api):
    assert api(admin)("/win_rate").status_code == 404


def test_bad_parameters_are_listed_by_path(computed, admin, api):
    get = api(admin)
    response = get("/win_rate", as_of="30/06/2026", by="planet", period="decade")
    assert response.status_code == 422
    paths = {error["path"] for error in response.json()["errors"]}
    assert paths == {"as_of", "by", "period"}
    assert get("/happiness").status_code == 422


@pytest.mark.parametrize("persona", ["rep", "marketing"])
def test_reps_and_marketing_are_refused(persona, request, computed, api):
    response = api(request.getfixturevalue(persona))("/win_rate")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_without_credentials_it_is_a_401(computed, client):
    assert client.get("/api/v1/telemetry/win_rate").status_code == 401


def test_the_query_count_does_not_grow_with_rows(computed, admin, team, api, django_assert_max_num_queries):
    get = api(admin)
    with django_assert_max_num_queries(8) as small:
        get("/win_rate", by="rep", period="all")
    for n in range(20):
        person = UserFactory(username=f"more{n}", team=team)
        deal_with_history(person, [("LeadIn", AS_OF), ("ClosedLost", AS_OF)], amount=10)
    telemetry_recompute(as_of=AS_OF)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(get("/win_rate", by="rep", period="all").json()["rows"]) == 23


def test_content_usage_and_the_lead_funnel_by_their_dimensions(content_example, lead_example, admin, api):
    telemetry_recompute(as_of=AS_OF)
    get = api(admin)
    content = get("/content_usage", period="all").json()
    assert content["by"] == "asset"
    assert {r["label"]: r["details"]["lift"] for r in content["rows"]} == {
        "Battlecard (BC-0001)": "0.7500",
        "ROI study (CS-0001)": "2.0000",
    }
    versions = get("/content_usage", by="version", period="all").json()["rows"]
    assert sorted(r["label"] for r in versions) == [
        "Battlecard (BC-0001) v1.0.0",
        "Battlecard (BC-0001) v2.0.0",
        "ROI study (CS-0001) v1.0.0",
    ]
    funnel = get("/lead_funnel", period="month").json()
    assert funnel["by"] == "integration"
    assert [(r["label"], r["numerator"], r["denominator"]) for r in funnel["rows"]] == [
        ("HubSpot", "1.00", "5.00"), ("Marketo", "1.00", "1.00"),
    ]  # fmt: skip
    reasons = get("/lead_funnel", by="reason", period="month").json()["rows"]
    assert {r["label"]: r["numerator"] for r in reasons} == {
        "HubSpot: Invalid e-mail address": "2.00",
    }  # fmt: skip
