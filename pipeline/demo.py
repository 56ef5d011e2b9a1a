"""Demo deals for `load_demo`: a board that looks like a real quarter for every demo team.

Accounts and products come from the crm-sample export (copied into pipeline/demo_data/).
Each rep gets deals in every open stage (some rotting), plus won and lost ones with reasons,
each with a consistent history and the criteria checks its moves needed. Dates are laid out
backwards from the demo's today (accounts.demo), so the board is current whenever it is loaded;
the same day gives the same data, and a re-run resets the demo deals to it (matched by external
id "demo-...").
"""

import csv
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from accounts.demo import demo_moment, demo_today
from accounts.models import Role, User
from pipeline.models import (
    CLOSED_STAGES,
    FORWARD_EVENT,
    NEXT_STAGE,
    OPEN_STAGES,
    Account,
    CriterionCheck,
    Deal,
    DealStageChange,
    Event,
    LostReason,
    Product,
    Quota,
    Stage,
    StageCriterion,
    StageSetting,
)
from pipeline.playbook import ensure_playbook

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
# The demo leads come from these accounts too (leads/demo.py): one copy of the file.
ACCOUNTS_CSV = DEMO_DATA / "accounts.csv"
# Per rep: (stage, how many). Lost deals are lost at a stage drawn for each.
PLAN = [
    (Stage.LEAD_IN, 2),
    (Stage.DISCOVERY, 2),
    (Stage.TECHNICAL_DEMO, 2),
    (Stage.PROPOSAL, 1),
    (Stage.CLOSING, 1),
    (Stage.CLOSED_WON, 3),
    (Stage.CLOSED_LOST, 2),
]
EVIDENCE = {
    "SDR has confirmed initial interest.": "SDR call notes: asked for a follow-up with the account executive.",
    "BANT (Budget, Authority, Need, Timeline) confirmed.": "Budget approved this FY; the VP signs; live next quarter.",
    "Key technical stakeholders attended.": "CTO and two lead architects on the demo call.",
    "Proof of value established.": "Pilot met the agreed success criteria (report in the deal folder).",
    "Legal and security review passed.": "Security questionnaire accepted; MSA redlines agreed by legal.",
}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _accounts() -> list[Account]:
    rows = _read(ACCOUNTS_CSV)
    for row in rows:
        Account.objects.update_or_create(
            name=row["account"],
            defaults={
                "industry": row["sector"].replace("technolgy", "technology"),
                "employee_count": int(row["employees"]),
            },
        )
    return list(Account.objects.filter(name__in=[r["account"] for r in rows]).order_by("name"))


def _products() -> list[tuple[Product, Decimal]]:
    """The demo's products on the managed list (the migration seeds them; a deleted one comes back)."""
    rows = _read(DEMO_DATA / "products.csv")
    products = []
    for row in rows:
        product = Product.objects.named(row["product"]) or Product.objects.create(name=row["product"])
        products.append((product, Decimal(row["sales_price"])))
    return products


def _path(stage: str, lost_at: str | None) -> list[str]:
    """The stages a deal went through to reach `stage` (for a lost deal: up to where it was lost)."""
    last = lost_at if stage == Stage.CLOSED_LOST else stage
    path: list[str] = [Stage.LEAD_IN]
    while path[-1] != last:
        path.append(NEXT_STAGE[path[-1]])
    if stage == Stage.CLOSED_LOST:
        path.append(Stage.CLOSED_LOST)
    return path


@transaction.atomic
def load_demo(*, today: date | None = None) -> list[str]:
    ensure_playbook()
    today = today or demo_today()
    rng = random.Random(20261101)
    accounts = _accounts()
    products = _products()
    reasons = list(LostReason.objects.filter(active=True))
    rotting = {s.stage: s.rotting_after_days for s in StageSetting.objects.all()}
    criteria = list(StageCriterion.objects.active())
    reps = list(User.objects.filter(role=Role.REP, username__in=_demo_usernames()).order_by("username"))

    specs = []
    for rep in reps:
        number = 0
        for stage, count in PLAN:
            for _ in range(count):
                number += 1
                specs.append(_spec(rng, rep, stage, number, today, accounts, products, reasons, rotting))

    existing = {d.external_id: d.pk for d in Deal.objects.filter(external_id__startswith="demo-")}
    new = []
    for spec in specs:
        fields = spec["fields"]
        if spec["external_id"] in existing:
            # A queryset update: the demo is reset to its script, not moved through the machine.
            Deal.objects.filter(pk=existing[spec["external_id"]]).update(**fields)
        else:
            new.append(Deal(external_id=spec["external_id"], **fields))
    Deal.objects.bulk_create(new)
    ids = dict(Deal.objects.filter(external_id__startswith="demo-").values_list("external_id", "pk"))

    CriterionCheck.objects.filter(deal_id__in=ids.values()).delete()
    DealStageChange.objects.filter(deal_id__in=ids.values()).delete()
    changes, checks = [], []
    for spec in specs:
        deal_id = ids[spec["external_id"]]
        changes.extend(_history(spec, deal_id))
        checks.extend(_checks(rng, spec, deal_id, criteria, today))
    DealStageChange.objects.bulk_create(changes)
    CriterionCheck.objects.bulk_create(checks)
    quotas = _quotas(reps, today)

    open_count = sum(1 for s in specs if s["fields"]["stage"] in OPEN_STAGES)
    return [
        f"{len(specs)} deals for {len(reps)} reps ({open_count} open, "
        f"{len(specs) - open_count} closed), {len(changes)} history rows, {len(checks)} criteria checks",
        f"{quotas} monthly quotas; the board is at /pipeline/board/",
    ]


def _demo_usernames() -> list[str]:
    from accounts.demo import SALES_TEAMS_CSV
    from accounts.services import username_for

    with SALES_TEAMS_CSV.open(newline="") as handle:
        return [username_for(row["sales_agent"]) for row in csv.DictReader(handle)]


def _spec(
    rng: random.Random,
    rep: User,
    stage: str,
    number: int,
    today: date,
    accounts: list[Account],
    products: list[tuple[Product, Decimal]],
    reasons: list[LostReason],
    rotting: dict[str, int],
) -> dict[str, Any]:
    account = rng.choice(accounts)
    product, price = rng.choice(products)
    amount = (price * rng.randint(1, 12)).quantize(Decimal("1"))
    lost_at = rng.choice(OPEN_STAGES) if stage == Stage.CLOSED_LOST else None
    path = _path(stage, lost_at)
    # Days each step took: most moves within the playbook's rhythm, about one deal in five stuck.
    if stage in OPEN_STAGES:
        limit = rotting.get(stage, 21)
        days_here = rng.randint(limit + 3, limit + 30) if rng.random() < 0.2 else rng.randint(0, limit - 1)
    else:
        # Half of the closed deals closed this quarter (so the board's summary has them), half before.
        quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        this_quarter = rng.random() < 0.5
        days_here = rng.randint(0, (today - quarter_start).days) if this_quarter else rng.randint(0, 120)
    steps = [rng.randint(4, 15) for _ in path[:-1]]
    ends = today - timedelta(days=days_here)
    starts = ends - timedelta(days=sum(steps))
    entered, day = [], starts
    for step in [0, *steps]:
        day += timedelta(days=step)
        entered.append(demo_moment(day, today=today))
    closed = stage in CLOSED_STAGES
    fields = {
        "name": f"{account.name} · {product}",
        "account": account,
        "owner": rep,
        "team_id": rep.team_id,
        "amount": amount,
        "currency": "USD",
        "product": product,
        "expected_close_date": None if closed else today + timedelta(days=rng.randint(5, 75)),
        "stage": stage,
        "stage_entered_at": entered[-1],
        "lost_at_stage": lost_at or "",
        "lost_reason": rng.choice(reasons) if lost_at else None,
        "lost_note": "",
        "closed_at": entered[-1] if closed else None,
        "created_at": entered[0],
        "source": "demo",
    }
    return {"external_id": f"demo-{rep.username}-{number:02d}", "fields": fields, "path": path, "entered": entered}


def _history(spec: dict, deal_id: int) -> list[DealStageChange]:
    owner, path, entered = spec["fields"]["owner"], spec["path"], spec["entered"]
    rows = [DealStageChange(deal_id=deal_id, to_stage=path[0], event=Event.CREATED, by=owner, at=entered[0])]
    for source, target, at in zip(path[:-1], path[1:], entered[1:], strict=True):
        event = Event.DEAL_LOST if target == Stage.CLOSED_LOST else FORWARD_EVENT[source]
        rows.append(DealStageChange(deal_id=deal_id, from_stage=source, to_stage=target, event=event, by=owner, at=at))
    return rows


def _checks(
    rng: random.Random, spec: dict[str, Any], deal_id: int, criteria: list[StageCriterion], today: date
) -> list[CriterionCheck]:
    """Checks for every move made, and for about half of the next move's criteria (checked after
    entering the stage, and never later than today's midnight)."""
    midnight = demo_moment(today, today=today)
    owner, path, entered = spec["fields"]["owner"], spec["path"], spec["entered"]
    moves = [(s, t, at) for s, t, at in zip(path[:-1], path[1:], entered[1:], strict=True) if t != Stage.CLOSED_LOST]
    if spec["fields"]["stage"] in OPEN_STAGES:
        current = spec["fields"]["stage"]
        moves.append((current, NEXT_STAGE[current], None))
    checks = []
    for source, target, at in moves:
        for criterion in criteria:
            gates = (criterion.stage, criterion.kind) in {(source, "exit"), (target, "entry")}
            if not gates or (at is None and rng.random() < 0.5):
                continue
            when = at - timedelta(hours=2) if at else max(entered[-1], min(entered[-1] + timedelta(hours=2), midnight))
            checks.append(
                CriterionCheck(
                    deal_id=deal_id,
                    criterion=criterion,
                    checked_by=owner,
                    checked_at=when,
                    evidence=EVIDENCE.get(criterion.text, "Confirmed on a call with the buyer."),
                )
            )
    return checks


def _quotas(reps: list[User], today: date) -> int:
    """A monthly quota per rep for the past year and the next quarter, larger for longer tenure."""
    count = 0
    for rep in reps:
        tenure_years = max(0, (today - (rep.start_date or today)).days) / 365
        amount = Decimal(20000 + 5000 * min(3, int(tenure_years * 2)))
        month = date(today.year - 1, today.month, 1)
        for _ in range(16):
            Quota.objects.update_or_create(rep=rep, month=month, defaults={"amount": amount, "currency": "USD"})
            month = (month + timedelta(days=32)).replace(day=1)
            count += 1
    return count
