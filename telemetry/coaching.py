"""Coaching from each rep's own funnel: the stage whose conversion is furthest below the team's.

Read from the nightly per-rep funnel (all time, so that a rep reaches the minimum sample
soonest); a stage counts only when the rep had at least TELEMETRY_COACHING_MIN_DEALS deals
reaching it, so that one unlucky deal is not a coaching topic. The suggestion names the
training modules that teach that stage (Module.stages).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings

from accounts.models import User
from accounts.rules import is_enablement_admin, is_manager
from pipeline.models import Stage
from telemetry.models import Dimension, Metric, MetricSnapshot, Period
from telemetry.recommendations import latest_as_of
from training.models import Module

COACHING_PERIOD = Period.ALL


@dataclass(frozen=True)
class Suggestion:
    rep_id: int
    rep_name: str
    stage: str
    moved_on: int
    reached: int
    team_moved_on: int
    team_reached: int
    modules: list[Module] = field(default_factory=list)

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label

    @property
    def rate(self) -> Decimal:
        return Decimal(self.moved_on) / self.reached

    @property
    def team_rate(self) -> Decimal:
        return Decimal(self.team_moved_on) / self.team_reached

    @property
    def summary(self) -> str:
        return (
            f"{self.stage_label}: {self.moved_on} of {self.reached} deals moved on ({self.rate:.0%}) "
            f"against the team's {self.team_moved_on} of {self.team_reached} ({self.team_rate:.0%})"
        )


def modules_for_stage(stage: str, modules: list[Module]) -> list[Module]:
    return [module for module in modules if stage in (module.stages or [])]


def coaching_for(user: User, *, as_of: date | None = None) -> list[Suggestion]:
    """The suggestions `user` may see: a rep their own, a manager their team's reps', an admin
    everyone's. Three queries (the snapshot date, the funnel rows, the modules)."""
    as_of = as_of or latest_as_of()
    if as_of is None:
        return []
    rows = MetricSnapshot.objects.filter(
        as_of=as_of, metric=Metric.REP_FUNNEL, period=COACHING_PERIOD, dimension=Dimension.REP
    )
    if is_manager(user) and user.team_id:
        rows = rows.filter(team_id=user.team_id)
    elif not is_enablement_admin(user):
        rows = rows.filter(key__startswith=f"{user.pk}:")
    minimum = settings.TELEMETRY_COACHING_MIN_DEALS
    worst: dict[int, tuple[Decimal, Suggestion]] = {}
    for row in rows.only("key", "label", "details"):
        d = row.details
        if d["reached"] < minimum or not d["team_reached"]:
            continue
        suggestion = Suggestion(
            d["rep_id"], row.label, d["stage"], d["moved_on"], d["reached"], d["team_moved_on"], d["team_reached"]
        )
        gap = suggestion.team_rate - suggestion.rate
        if gap > 0 and (d["rep_id"] not in worst or gap > worst[d["rep_id"]][0]):
            worst[d["rep_id"]] = (gap, suggestion)
    if not worst:
        return []
    modules = list(Module.objects.only("pk", "title", "stages").order_by("title"))
    return sorted(
        (Suggestion(**{**s.__dict__, "modules": modules_for_stage(s.stage, modules)}) for _, s in worst.values()),
        key=lambda s: s.rep_name,
    )
