"""Demo telemetry for `load_demo`: the snapshot as of the demo's today, computed from the other
apps' demo data.

It runs last (telemetry is last in INSTALLED_APPS), so the demo deals, quotas and usage it
measures are already there. The demo data are laid out from the demo's today (accounts.demo),
so the same day gives the same snapshot; a re-run replaces the previous demo run instead of
adding one.
"""

from datetime import date

from django.db import transaction

from accounts.demo import demo_today
from telemetry.models import RunStatus, TelemetryRun
from telemetry.services import telemetry_recompute

DEMO_TRIGGER = "demo"


def load_demo(*, today: date | None = None) -> list[str]:
    as_of = today or demo_today()
    with transaction.atomic():
        # Their snapshot rows go with them (cascade); the new run writes the same numbers.
        TelemetryRun.objects.filter(trigger=DEMO_TRIGGER, as_of=as_of).delete()
    run = telemetry_recompute(as_of=as_of, trigger=DEMO_TRIGGER)
    if run.status != RunStatus.SUCCEEDED:
        return [f"snapshot as of {as_of} not recomputed: {run.error}"]
    return [f"snapshot as of {as_of}: {run.rows} rows; the dashboard is at /telemetry/"]
