from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from telemetry.models import MetricSnapshot, RunStatus, TelemetryRun
from tests.telemetry.conftest import AS_OF

pytestmark = pytest.mark.django_db


def test_recompute_telemetry_shows_progress_and_stores_the_date(worked_example):
    out = StringIO()
    call_command("recompute_telemetry", "--as-of", AS_OF.isoformat(), stdout=out)
    output = out.getvalue()
    steps = ("[0/13] win_rate", "[1/13] stage_funnel", "[5/13] content_usage", "[6/13] lead_funnel",
             "[7/13] content_lift", "[8/13] rep_funnel", "[9/13] readiness", "[10/13] gate_compliance",
             "[11/13] call_habits", "[12/13] call_trackers", "[13/13] write")  # fmt: skip
    for step in steps:
        assert step in output
    run = TelemetryRun.objects.get()
    assert (run.as_of, run.trigger, run.status) == (AS_OF, "command", RunStatus.SUCCEEDED)
    assert f"Done: {run.rows} rows" in output
    assert MetricSnapshot.objects.filter(as_of=AS_OF).count() == run.rows


def test_a_bad_date_is_refused_with_the_expected_format(db):
    with pytest.raises(CommandError, match="expected a date as YYYY-MM-DD"):
        call_command("recompute_telemetry", "--as-of", "30/06/2026")
    assert not TelemetryRun.objects.exists()


def test_the_command_says_when_another_run_has_the_date(worked_example):
    TelemetryRun.objects.create(as_of=AS_OF, trigger="nightly")
    with pytest.raises(CommandError, match="Skipped: Run"):
        call_command("recompute_telemetry", "--as-of", AS_OF.isoformat(), stdout=StringIO())
    assert not MetricSnapshot.objects.exists()
