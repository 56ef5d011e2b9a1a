"""Telemetry's card on the enablement admin's home page: how the last recomputation went."""

from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.home import HomeCard
from accounts.models import User
from accounts.rules import is_enablement_admin
from telemetry.models import RunStatus
from telemetry.selectors import last_run


def last_run_card() -> HomeCard:
    run = last_run()
    facts = []
    if run:
        facts = [
            ("Status", run.get_status_display()),
            ("As of", f"{run.as_of:%-d %b %Y}"),
            ("Started", f"{timesince(run.started_at, timezone.now(), depth=1)} ago ({run.trigger})"),
        ]
        if run.duration is not None:
            facts.append(("Took", f"{run.duration.total_seconds():.1f} s, {run.rows} rows"))
        if run.status == RunStatus.FAILED and run.error:
            facts.append(("Error", run.error[:200]))
    return HomeCard(
        key="telemetry-run",
        title="Last telemetry run",
        facts=facts,
        empty_text="No recomputation has run yet; the nightly job runs at 02:00.",
        more_url=reverse("telemetry:dashboard"),
        more_label="Telemetry dashboard",
        order=50,
    )


def home_cards(user: User) -> list[HomeCard]:
    return [last_run_card()] if is_enablement_admin(user) else []
