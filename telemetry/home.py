"""Telemetry's cards on the home page: how the last recomputation went (enablement admins), and a
rep's coaching suggestion from their own funnel."""

from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.home import HomeCard, HomeItem
from accounts.models import User
from accounts.rules import is_enablement_admin, is_rep
from telemetry.coaching import coaching_for
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


def coaching_card(user: User) -> HomeCard:
    """The stage where the rep's conversion is furthest below the team's, and its modules. Four queries."""
    items = []
    for suggestion in coaching_for(user):
        modules = ", ".join(module.title for module in suggestion.modules) or "no module teaches it yet"
        first = suggestion.modules[0].get_absolute_url() if suggestion.modules else reverse("training:home")
        items.append(
            HomeItem(
                label=f"Work on {suggestion.stage_label}",
                url=first,
                detail=f"{suggestion.summary}. Modules: {modules}.",
                badge=f"{suggestion.rate:.0%} vs {suggestion.team_rate:.0%}",
                tone="warning",
            )
        )
    return HomeCard(
        key="coaching",
        title="Coaching",
        items=items,
        empty_text="No stage where you convert below your team with enough deals to tell.",
        order=60,
    )


def home_cards(user: User) -> list[HomeCard]:
    if is_enablement_admin(user):
        return [last_run_card()]
    if is_rep(user):
        return [coaching_card(user)]
    return []
