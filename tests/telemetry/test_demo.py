import pytest

from telemetry import demo
from telemetry.models import MetricSnapshot, RunStatus, TelemetryRun
from telemetry.services import default_as_of
from tests.telemetry.test_services import snapshot

pytestmark = pytest.mark.django_db


def test_the_demo_snapshot_is_todays_and_loading_twice_leaves_the_same_data(worked_example):
    lines = demo.load_demo()
    today = default_as_of()
    first = snapshot(today)
    assert first
    assert lines == [f"snapshot as of {today}: {len(first)} rows; the dashboard is at /telemetry/"]
    demo.load_demo()
    assert snapshot(today) == first
    run = TelemetryRun.objects.get()
    assert (run.trigger, run.status, run.as_of) == ("demo", RunStatus.SUCCEEDED, today)
    assert MetricSnapshot.objects.filter(run=run).count() == len(first)
