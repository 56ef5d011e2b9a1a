"""Telemetry's nightly recomputation on synthetic data, each step against hand-written SQL.

Sizes come from TELEMETRY_BENCH_SIZES (comma-separated deal counts). The issue's full sizes are
100000,300000,1000000 on PostgreSQL (100000,300000 on SQLite); the default is small
(10000,30000) so that `make bench` finishes in a few minutes on a shared 2-core machine.
TELEMETRY_BENCH_10M=1 adds the opt-in 10,000,000-deal size (PostgreSQL only: loading it alone
takes tens of minutes), to show the growth.
Data: 500 reps on 50 teams with 24 monthly quotas each, about 5 stage changes per closed-won
deal (4 on average over all deals), 2 collateral usage events per deal on average over 2,000
assets, loaded with COPY on PostgreSQL and bulk_create on SQLite. Each size replaces the previous.

Results per size: the full recompute (baseline: the smallest size's, so the ratio is the
growth), and every step (metric) of it against hand-written SQL computing the same numbers
(bench/_telemetry_sql.py), timed in the same run one after the other; the win-rate step's
numbers are checked equal to its SQL's. The machine's load average is printed with each size:
other work on a shared machine slows both sides of a ratio, not one.
"""

import os
import random
import statistics
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q

from accounts.models import Role, Team, User
from bench import _telemetry_sql as hand_sql
from bench.common import Result
from collateral.models import Asset, AssetUsage, AssetVersion
from pipeline.models import CLOSED_STAGES, Account, Deal, DealStageChange, Product, Quota, Stage
from telemetry import metrics
from telemetry.metrics.deals import _sales_cycle
from telemetry.models import Dimension, Metric, MetricSnapshot
from telemetry.services import telemetry_recompute

SIZES = [int(s) for s in os.environ.get("TELEMETRY_BENCH_SIZES", "10000,30000").split(",") if s.strip()]
TEN_MILLION = 10_000_000
REPS, TEAMS, PRODUCTS, ASSETS = 500, 50, 12, 2000
USAGE_KINDS = ["view", "download", "share"]
AS_OF = date(2026, 6, 30)
FIRST_DAY = date(2024, 7, 1)
OPEN = [Stage.LEAD_IN, Stage.DISCOVERY, Stage.TECHNICAL_DEMO, Stage.PROPOSAL, Stage.CLOSING]
REPEAT = 5


def run() -> list[Result]:
    reps = _people()
    assets = _assets()
    results, first_seconds, first_size = [], None, None
    sizes = SIZES + ([TEN_MILLION] if os.environ.get("TELEMETRY_BENCH_10M") == "1" else [])
    for size in sizes:
        load_seconds = _load(size, reps, assets)
        seconds, steps = _recompute()
        first_seconds, first_size = first_seconds or seconds, first_size or size
        load = "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        print(f"telemetry: {size} deals loaded in {load_seconds:.1f} s, recomputed in {seconds:.2f} s ({load})")
        new, new_rows, all_rows = new_metrics_seconds(steps)
        print(f"  new metrics (issue 13): {new:.2f} s of {seconds:.2f} s ({new_rows} of {all_rows} rows)")
        results.append(
            Result(
                f"telemetry: new metrics' share {_size(size)} ({connection.vendor})",
                new / seconds * 100,
                "% of run",
                25.0,
                new / seconds * 100 / 25.0,
                "< 25 % of the full recompute at 1M on PG",
            )
        )
        results.append(
            Result(
                f"telemetry: recompute {_size(size)} deals ({connection.vendor})",
                seconds,
                "s",
                first_seconds,
                seconds / first_seconds,
                f"1M < 15 s, 10M < 3 min on PG ({size / first_size:.0f}x rows)",
                detail=load,
            )
        )
        _check_win_rate()
        for step, ours, hand in _steps_against_hand_sql(repeat=REPEAT if size <= 100_000 else 1):
            print(f"  {step}: {ours * 1000:.0f} ms, hand-written SQL {hand * 1000:.0f} ms, ratio {ours / hand:.2f}")
            results.append(
                Result(
                    f"telemetry: {step} {_size(size)} ({connection.vendor})",
                    ours * 1000,
                    "ms",
                    hand * 1000,
                    ours / hand,
                    "<= 1.5 x hand-written SQL",
                )
            )
    return results


def _size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size // 1_000_000}M"
    return f"{size // 1000}k" if size >= 1000 else str(size)


def _people() -> list[tuple[int, int]]:
    """500 reps on 50 teams (created once), each with 24 monthly quotas: [(rep id, team id)]."""
    teams = [Team.objects.get_or_create(name=f"Bench team {n:02d}")[0] for n in range(TEAMS)]
    existing = set(User.objects.filter(username__startswith="bench.rep.").values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(
                username=f"bench.rep.{n:03d}",
                first_name=f"Rep{n:03d}",
                last_name="Bench",
                role=Role.REP,
                team=teams[n % TEAMS],
                start_date=FIRST_DAY + timedelta(days=n % 300),
            )
            for n in range(REPS)
            if f"bench.rep.{n:03d}" not in existing
        ]
    )
    reps = list(User.objects.filter(username__startswith="bench.rep.").values_list("pk", "team_id"))
    months = [
        date(FIRST_DAY.year + (FIRST_DAY.month - 1 + m) // 12, (FIRST_DAY.month - 1 + m) % 12 + 1, 1) for m in range(24)
    ]
    Quota.objects.filter(rep_id__in=[r for r, _ in reps]).delete()
    Quota.objects.bulk_create(
        [Quota(rep_id=rep, month=month, amount=Decimal(40000 + rep % 7 * 5000)) for rep, _ in reps for month in months],
        batch_size=5000,
    )
    return reps


def _assets() -> list[tuple[int, int]]:
    """2,000 assets with one version each (created once): [(asset id, version id)]."""
    if not AssetVersion.objects.filter(asset__asset_id__startswith="BC-").exists():
        # An interrupted run may have left assets without versions: start them again.
        Asset.objects.filter(asset_id__startswith="BC-").delete()
        Asset.objects.bulk_create(
            [Asset(asset_id=f"BC-{n:04d}", type="Battlecard", title=f"Bench battlecard {n}") for n in range(ASSETS)]
        )
        assets = Asset.objects.filter(asset_id__startswith="BC-")
        AssetVersion.objects.bulk_create(
            [
                # A version is a file or a link (a database constraint): these point at a link.
                AssetVersion(
                    asset=a,
                    version="1.0.0",
                    major=1,
                    status="published",
                    external_url=f"https://example.com/{a.asset_id}",
                )
                for a in assets
            ],
            batch_size=1000,
        )
    return list(AssetVersion.objects.filter(asset__asset_id__startswith="BC-").values_list("asset_id", "pk"))


def _synthetic(
    size: int, reps: list[tuple[int, int]], assets: list[tuple[int, int]], account_id: int, products: list[int]
):
    """Yield (deal fields, [stage changes], [usage events]) for `size` deals; deterministic.

    About five stage changes per closed-won deal, fewer for the others; 0 to 4 usage events per
    deal (2 on average) between its creation and its last change."""
    rng = random.Random(size)
    span = (AS_OF - FIRST_DAY).days
    for number in range(1, size + 1):
        owner, team = reps[rng.randrange(len(reps))]
        created = datetime.combine(FIRST_DAY + timedelta(days=rng.randrange(span)), datetime.min.time(), UTC)
        roll = rng.random()
        final = Stage.CLOSED_WON if roll < 0.35 else Stage.CLOSED_LOST if roll < 0.75 else rng.choice(OPEN)
        depth = (
            rng.randrange(1, 5)
            if final == Stage.CLOSED_LOST
            else 5
            if final == Stage.CLOSED_WON
            else OPEN.index(final) + 1
        )
        path = OPEN[:depth]
        if final in CLOSED_STAGES:
            path = [*path, final]
        at, changes, previous = created, [], ""
        for stage in path:
            changes.append((previous, stage, at))
            previous = stage
            at += timedelta(days=rng.randrange(1, 15))
        entered = changes[-1][2]
        deal = {
            "id": number,
            "name": f"Bench deal {number}",
            "account_id": account_id,
            "owner_id": owner,
            "team_id": team,
            "amount": Decimal(rng.randrange(500, 50000)),
            "currency": "USD",
            "product_id": products[rng.randrange(len(products))],
            "expected_close_date": None,
            "stage": final,
            "stage_entered_at": entered,
            "lost_at_stage": path[-2] if final == Stage.CLOSED_LOST else "",
            "lost_reason_id": None,
            "lost_note": "",
            "closed_at": entered if final in CLOSED_STAGES else None,
            "external_id": None,
            "created_at": created,
            "updated_at": entered,
            "source": "bench",
        }
        usages = []
        for _ in range(rng.randrange(5)):
            asset, version = assets[rng.randrange(len(assets))]
            when = created + (entered - created) * rng.random()
            usages.append((asset, version, rng.choice(USAGE_KINDS), owner, when))
        yield deal, changes, usages


def _load(size: int, reps: list[tuple[int, int]], assets: list[tuple[int, int]]) -> float:
    started = time.perf_counter()
    _clear()
    account = Account.objects.get_or_create(name="Bench account")[0]
    # Products of the managed list (Deal.product is a foreign key to it).
    products = [Product.objects.get_or_create(name=f"Bench product {i}")[0].pk for i in range(PRODUCTS)]
    rows = _synthetic(size, reps, assets, account.pk, products)
    if connection.vendor == "postgresql":
        _copy(rows)
    else:
        _bulk_create(rows)
    return time.perf_counter() - started


def _clear() -> None:
    """Empty the deal tables (this is the benchmark's own database) without Django's cascade collector."""
    tables = ["telemetry_metricsnapshot", "telemetry_telemetryrun", "pipeline_dealstagechange",
              "pipeline_criterioncheck", "collateral_assetusage", "pipeline_deal"]  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (our own table names)


CHANGE_COLUMNS = ["deal_id", "from_stage", "to_stage", "event", "by_id", "at", "imported", "note"]
USAGE_COLUMNS = ["asset_id", "version_id", "kind", "user_id", "deal_id", "created_at"]


def _copy(rows) -> None:
    deal_columns = [f.column for f in Deal._meta.concrete_fields]
    tables = [("pipeline_deal", deal_columns), ("pipeline_dealstagechange", CHANGE_COLUMNS),
              ("collateral_assetusage", USAGE_COLUMNS)]  # fmt: skip
    # Spooled to disk: at a million deals the files are several hundred MB.
    with ExitStack() as stack:
        files = [stack.enter_context(tempfile.TemporaryFile("w+")) for _ in tables]
        deals, changes, usages = files
        for deal, history, used in rows:
            deals.write(_line(deal[column] for column in deal_columns))
            for source, target, at in history:
                changes.write(_line([deal["id"], source, target, "IMPORTED", None, at.isoformat(), "f", ""]))
            for asset, version, kind, user, at in used:
                usages.write(_line([asset, version, kind, user, deal["id"], at.isoformat()]))
        with connection.cursor() as cursor:
            for (table, columns), buffer in zip(tables, files, strict=True):
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    buffer.seek(0)
                    while chunk := buffer.read(1 << 20):
                        copy.write(chunk)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('pipeline_deal', 'id'), (SELECT max(id) FROM pipeline_deal))"
            )
            for table, _ in tables:
                cursor.execute(f"ANALYZE {table}")


def _line(values) -> str:
    return "\t".join("\\N" if v is None else str(v) for v in values) + "\n"


def _bulk_create(rows) -> None:
    deals: list[Deal] = []
    changes: list[DealStageChange] = []
    usages: list[AssetUsage] = []
    for deal, history, used in rows:
        deals.append(Deal(**deal))
        changes.extend(
            DealStageChange(deal_id=deal["id"], from_stage=source, to_stage=target, event="IMPORTED", at=at)
            for source, target, at in history
        )
        usages.extend(
            AssetUsage(asset_id=asset, version_id=version, kind=kind, user_id=user, deal_id=deal["id"], created_at=at)
            for asset, version, kind, user, at in used
        )
        if len(deals) >= 5000:
            _flush(deals, changes, usages)
    _flush(deals, changes, usages)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _flush(deals: list, changes: list, usages: list) -> None:
    with transaction.atomic():
        Deal.objects.bulk_create(deals, batch_size=1000)
        DealStageChange.objects.bulk_create(changes, batch_size=2000)
        AssetUsage.objects.bulk_create(usages, batch_size=2000)
    for batch in (deals, changes, usages):
        batch.clear()


def _recompute() -> tuple[float, dict[str, float]]:
    """The full recompute, timed per step (each metric, then the write): (seconds, step -> seconds)."""
    marks: list[tuple[str, float]] = []

    def progress(step: str, done: int, total: int) -> None:
        marks.append((step, time.perf_counter()))

    started = time.perf_counter()
    run = telemetry_recompute(as_of=AS_OF, trigger="bench", progress=progress)
    finished = time.perf_counter()
    assert run.status == "succeeded", run.error
    steps = {step: after - at for (step, at), (_, after) in zip(marks, [*marks[1:], ("end", finished)], strict=True)}
    print(f"  steps: {', '.join(f'{s} {t:.2f}s' for s, t in steps.items())}; {run.rows} snapshot rows")
    return finished - started, steps


# What issue 13 added to the nightly run: four metrics, the team rows of two others, and their rows' write.
NEW_METRICS = ["content_lift", "rep_funnel", "readiness", "gate_compliance"]
NEW_ROWS = {Metric.CONTENT_LIFT, Metric.REP_FUNNEL, Metric.READINESS, Metric.GATE_COMPLIANCE}
NEW_DIMENSIONS = {Dimension.TEAM_PRODUCT, Dimension.TEAM_OUTCOME}


def new_metrics_seconds(steps: dict[str, float]) -> tuple[float, int, int]:
    """(seconds of the new metrics in the run, their snapshot rows, all rows): their own steps, the
    team rows added to two existing metrics (timed alone: they run inside them), and their share
    of the snapshot write by rows."""
    rows = MetricSnapshot.objects.filter(as_of=AS_OF)
    all_rows = rows.count()
    new_rows = rows.filter(Q(metric__in=NEW_ROWS) | Q(dimension__in=NEW_DIMENSIONS)).count()
    window = metrics.Span.ending(AS_OF)
    started = time.perf_counter()
    metrics.win_rate_groups(window, Dimension.TEAM_PRODUCT)
    _sales_cycle(window, by_team=True)
    team_rows = time.perf_counter() - started
    new = sum(steps[name] for name in NEW_METRICS) + team_rows + steps["write"] * new_rows / max(all_rows, 1)
    return new, new_rows, all_rows


def _check_win_rate() -> None:
    """The win-rate step's numbers equal its hand-written SQL's (rep -> won, lost and their amounts, all time)."""
    span = metrics.Span.ending(AS_OF)
    mine = {
        g["owner_id"]: (g["won_all"], g["lost_all"], g["won_amount_all"] or 0, g["lost_amount_all"] or 0)
        for g in metrics.win_rate_groups(span, Dimension.REP)
    }
    by_rep = [row for row in hand_sql.win_rate(span) if len(row) == 5 + 16]
    # Columns per measure (won, lost, won amount, lost amount), each per period: "all" is the 4th.
    theirs = {r[0]: tuple(r[5 + 4 * measure + 3] or 0 for measure in range(4)) for r in by_rep}
    cents = Decimal("0.01")
    assert {k: tuple(Decimal(str(x)).quantize(cents) for x in v) for k, v in mine.items()} == {
        k: tuple(Decimal(str(x)).quantize(cents) for x in v) for k, v in theirs.items()
    }


def _steps_against_hand_sql(*, repeat: int) -> list[tuple[str, float, float]]:
    """(step, its seconds, its hand-written SQL's seconds): each the median of `repeat` runs, the
    two alternating, under the recompute's own settings (PostgreSQL's JIT off)."""
    span = metrics.Span.ending(AS_OF)
    timings = []
    for step, compute in metrics.METRICS.items():
        hand = hand_sql.HAND_WRITTEN[step]
        ours_samples, hand_samples = [], []
        for _ in range(repeat):
            ours_samples.append(_timed(lambda compute=compute: compute(span)))
            hand_samples.append(_timed(lambda hand=hand: hand(span)))
        timings.append((step, statistics.median(ours_samples), statistics.median(hand_samples)))
    return timings


def _timed(fn) -> float:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started
