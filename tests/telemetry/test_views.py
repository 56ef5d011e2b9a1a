import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from enablement_portal.celery import app
from telemetry.models import MetricSnapshot, RunStatus, TelemetryRun
from telemetry.services import telemetry_recompute
from tests.accounts.factories import UserFactory
from tests.telemetry.conftest import AS_OF
from tests.telemetry.factories import deal_with_history, quota

pytestmark = pytest.mark.django_db

DASHBOARD = "/telemetry/"


@pytest.fixture
def computed(worked_example):
    telemetry_recompute(as_of=AS_OF)
    return worked_example


@pytest.fixture
def logged_in(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


def test_a_manager_sees_their_teams_reps_and_not_another_teams(computed, manager, logged_in):
    response = logged_in(manager).get(DASHBOARD, {"as_of": AS_OF.isoformat(), "period": "all"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice Archer" in html and "Bob Baker" in html
    assert "Charlie Chen" not in html
    # The other team's row is not in the team table either.
    other_team = computed["charlie"].team.name
    assert other_team not in html


def test_an_admin_sees_every_rep(computed, admin, logged_in):
    html = logged_in(admin).get(DASHBOARD, {"as_of": AS_OF.isoformat(), "period": "all"}).content.decode()
    assert "Charlie Chen" in html


def test_the_dashboard_shows_every_table_with_its_chart_and_csv_link(computed, manager, logged_in):
    html = logged_in(manager).get(DASHBOARD, {"as_of": AS_OF.isoformat(), "period": "all"}).content.decode()
    for title in ("Where deals die", "Win rate by rep", "Win rate by team", "Sales cycle", "Time to ramp per rep",
                  "Quota attainment per rep"):  # fmt: skip
        assert title in html
    assert html.count("<canvas data-chart=") == 5
    assert f"/telemetry/win-rate-rep.csv?as_of={AS_OF.isoformat()}&amp;period=all" in html
    # Bob has not ramped: said so, not shown as zero days.
    assert "Not yet ramped" in html
    assert "vendor/chartjs/chart.umd.min.js" in html


def test_the_last_run_and_its_status_are_shown(computed, manager, logged_in):
    html = logged_in(manager).get(DASHBOARD).content.decode()
    assert 'Last run: <strong class="run-status run-succeeded">Succeeded</strong>' in html
    assert f"for {AS_OF.isoformat()}" in html


def test_without_parameters_the_latest_snapshot_and_the_quarter_show(computed, manager, logged_in):
    html = logged_in(manager).get(DASHBOARD).content.decode()
    assert f"Snapshot as of <strong>{AS_OF.isoformat()}</strong>, quarter period" in html


def test_the_period_selector_changes_the_numbers(computed, manager, logged_in):
    client = logged_in(manager)
    quarter = client.get(DASHBOARD, {"as_of": AS_OF.isoformat(), "period": "quarter"}).content.decode()
    whole = client.get(DASHBOARD, {"as_of": AS_OF.isoformat(), "period": "all"}).content.decode()
    # Win rate, all deals: 1 won of 3 closed in Q2, 3 of 5 all time (the manager sees org totals).
    assert "1 won of 3 closed" in quarter
    assert "3 won of 5 closed" in whole


def test_a_bad_selection_says_what_is_wrong_and_shows_no_numbers(computed, manager, logged_in):
    response = logged_in(manager).get(DASHBOARD, {"as_of": "2026-13-01", "period": "decade"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice. decade is not one of the available choices." in html
    assert "Select a valid choice. 2026-13-01 is not one of the available choices." in html
    assert "<canvas" not in html


@pytest.mark.parametrize("persona", ["rep", "marketing"])
def test_reps_and_marketing_have_no_dashboard(persona, request, computed, logged_in):
    user = request.getfixturevalue(persona)
    assert logged_in(user).get(DASHBOARD).status_code == 403
    assert logged_in(user).get("/telemetry/win-rate-rep.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_navigation_links_the_dashboard_for_managers_only(computed, manager, rep, logged_in, client):
    assert 'href="/telemetry/"' in logged_in(manager).get("/").content.decode()
    client.logout()
    assert 'href="/telemetry/"' not in logged_in(rep).get("/").content.decode()


def test_the_dashboard_query_count_does_not_grow_with_reps(
    computed, manager, team, logged_in, django_assert_max_num_queries
):
    client = logged_in(manager)
    params = {"as_of": AS_OF.isoformat(), "period": "all"}
    with django_assert_max_num_queries(8) as small:
        client.get(DASHBOARD, params)
    for n in range(15):
        person = UserFactory(username=f"extra{n}", first_name=f"Extra{n}", last_name="Rep", team=team,
                             start_date=date(2026, 1, 1))  # fmt: skip
        deal_with_history(person, [("LeadIn", date(2026, 6, 1)), ("ClosedWon", date(2026, 6, 5))], amount=100)
        quota(person, date(2026, 6, 1), 50)
    telemetry_recompute(as_of=AS_OF)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(DASHBOARD, params).content.decode()
    assert all(f"Extra{n} Rep" in html for n in range(15))


def test_a_table_downloads_as_csv_with_the_managers_rows_only(computed, manager, logged_in):
    response = logged_in(manager).get("/telemetry/win-rate-rep.csv", {"as_of": AS_OF.isoformat(), "period": "all"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="telemetry-win-rate-rep-2026-06-30-all.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["key", "label", "numerator", "denominator", "value"]
    by_label = {row[1]: row for row in rows[1:]}
    assert set(by_label) == {"Alice Archer", "Bob Baker"}
    assert by_label["Alice Archer"][2:5] == ["1.00", "2.00", "0.5000"]


def test_the_csv_of_the_ramp_leaves_not_yet_ramped_empty_not_zero(computed, admin, logged_in):
    response = logged_in(admin).get("/telemetry/ramp.csv", {"as_of": AS_OF.isoformat()})
    rows = {r["label"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert rows["Bob Baker"]["value"] == ""
    assert rows["Alice Archer"]["value"] == "76.0000"


def test_an_unknown_table_or_a_bad_date_is_refused(computed, manager, logged_in):
    client = logged_in(manager)
    assert client.get("/telemetry/nonsense.csv").status_code == 404
    response = client.get("/telemetry/win-rate-rep.csv", {"as_of": "2020-01-01"})
    assert response.status_code == 400
    assert "as_of: Select a valid choice." in response.content.decode()


@pytest.fixture
def tasks_in_process():
    """Run enqueued tasks in this process, even in the pass where REDIS_URL names a broker."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def test_recompute_now_enqueues_a_run_and_shows_its_status(
    worked_example, admin, logged_in, django_capture_on_commit_callbacks, tasks_in_process
):
    client = logged_in(admin)
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        response = client.post(reverse("telemetry:recompute"), {"as_of": AS_OF.isoformat(), "next": DASHBOARD})
    assert len(enqueued) == 1
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    # The task ran in-process as the request committed (a real worker is in test_worker.py).
    run = TelemetryRun.objects.get()
    assert (run.as_of, run.trigger, run.status) == (AS_OF, "admin", RunStatus.SUCCEEDED)
    html = client.get(DASHBOARD).content.decode()
    # The message says what really happened: the run has finished, with its row count.
    assert (
        f"Recomputation of 2026-06-30 finished at {timezone.localtime(run.finished_at):%H:%M:%S}: {run.rows} rows"
        in html
    )
    assert run.rows > 0
    assert "data-refresh-seconds" not in html
    assert "run-succeeded" in html
    # Said once: the next visit shows only the last run.
    assert "Recomputation of 2026-06-30" not in client.get(DASHBOARD).content.decode()


@pytest.mark.parametrize("page", [DASHBOARD, reverse("admin:telemetry_telemetryrun_changelist")])
def test_recompute_now_says_queued_then_running_then_finished_and_refreshes_meanwhile(
    worked_example, admin, logged_in, django_capture_on_commit_callbacks, page
):
    client = logged_in(admin)
    # The broker has not handed the task to a worker yet: nothing is run.
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("telemetry:recompute"), {"as_of": AS_OF.isoformat(), "next": page})
    html = client.get(page).content.decode()
    assert "Recomputation of 2026-06-30 queued at" in html
    assert 'data-refresh-seconds="2"' in html
    assert "js/auto_refresh.js" in html
    # A worker claimed the date: running.
    run = TelemetryRun.objects.create(as_of=AS_OF, trigger="admin")
    html = client.get(page).content.decode()
    assert "Recomputation of 2026-06-30 running since" in html
    assert 'data-refresh-seconds="2"' in html
    # ... and finished: the real row count, and no more refreshing.
    TelemetryRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED, rows=42, finished_at=timezone.now(), duration=timedelta(seconds=1.5)
    )
    html = client.get(page).content.decode()
    assert "42 rows in 1.5 s" in html
    assert "data-refresh-seconds" not in html


def test_recompute_now_refuses_a_bad_date_and_enqueues_nothing(worked_example, admin, logged_in):
    response = logged_in(admin).post(reverse("telemetry:recompute"), {"as_of": "yesterday"}, follow=True)
    assert "Not recomputed: Enter a valid date." in response.content.decode()
    assert not TelemetryRun.objects.exists()


def test_recompute_now_is_for_admins_and_only_by_post(computed, manager, admin, logged_in, client):
    assert logged_in(manager).post(reverse("telemetry:recompute")).status_code == 403
    client.logout()
    assert logged_in(admin).get(reverse("telemetry:recompute")).status_code == 405
    assert TelemetryRun.objects.count() == 1


def test_recompute_now_does_not_redirect_off_site(worked_example, admin, logged_in):
    response = logged_in(admin).post(reverse("telemetry:recompute"), {"next": "https://evil.example/"})
    assert response["Location"] == DASHBOARD


def test_the_admin_run_list_has_the_recompute_button(computed, admin, logged_in):
    html = logged_in(admin).get("/admin/telemetry/telemetryrun/").content.decode()
    assert 'action="/telemetry/recompute/"' in html
    assert "Recompute now" in html
    assert MetricSnapshot.objects.exists()


def test_a_chart_is_left_out_when_it_would_have_no_number(worked_example, manager, logged_in):
    from telemetry.selectors import table_for

    telemetry_recompute(as_of=AS_OF)
    ramp = table_for("ramp")
    ramp.rows = list(MetricSnapshot.objects.filter(metric="time_to_ramp", dimension="rep", value__isnull=True))
    assert ramp.rows
    assert not ramp.has_chart
    ramp.rows = list(MetricSnapshot.objects.filter(metric="time_to_ramp", dimension="rep"))
    assert ramp.has_chart


def test_the_content_and_lead_funnel_tables_show_lift_and_conversion(content_example, lead_example, manager, logged_in):
    telemetry_recompute(as_of=AS_OF)
    client = logged_in(manager)
    html = client.get(DASHBOARD, {"as_of": AS_OF.isoformat(), "period": "all"}).content.decode()
    for title in ("Content: usage and win rate with vs without", "Content usage per version",
                  "Lead funnel by integration", "Rejected MQLs by reason"):  # fmt: skip
        assert title in html
    # The Battlecard: won with 50%, without 66.7%, lift 0.75; HubSpot converted 1 of 7 received.
    assert "<td>50.0%</td><td>66.7%</td><td>0.75x</td>" in html
    assert '<th scope="row">HubSpot</th><td>7</td><td>3</td><td>2</td><td>1</td><td>1</td><td>14.3%</td>' in html
    assert html.count("<canvas data-chart=") == 7
    response = client.get("/telemetry/content.csv", {"as_of": AS_OF.isoformat(), "period": "all"})
    rows = {r["label"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert (rows["Battlecard (BC-0001)"]["value"], rows["Battlecard (BC-0001)"]["lift"]) == ("0.5000", "0.7500")
