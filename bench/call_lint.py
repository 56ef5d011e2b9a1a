"""The call linter.

- One call: a generated 60-minute transcript (~9,000 words, 600 utterances) against 50 trackers
  of 10 phrases, linted in memory (trackers compiled once into one regex, matched, metrics,
  rules); baseline: that one compiled regex run once over the whole text (the floor of matching).
  Target < 200 ms. Also the same call linted through the database (`calls_lint`: read, replace).
- Re-lint after a tracker change: CALL_LINT_BENCH_CALLS (10,000) five-minute calls re-linted by
  `relint_all_calls` fanned out in chunks. With PostgreSQL and Redis, on CALL_LINT_BENCH_WORKERS
  (2) real Celery worker processes; otherwise eagerly in this one process (said in the row).
  Baseline: reading every transcript and running the plain regex over it in this process.
  Target < 2 min for 10,000 calls with the workers.

Everything is deleted at the end, so the other benchmarks of the run never see these rows.
"""

import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Role, Team, User
from bench.common import ROOT, Result, per_call_seconds
from training.calls.lint import calls_lint, compiled_trackers
from training.calls.lint_rules import CallContext, lint_findings
from training.calls.metrics import call_metrics
from training.calls.parsers import Utterance
from training.calls.trackers import CompiledTrackers
from training.models import CallLint, CallReview, CallTranscript, Tracker, TrackerKind
from training.tasks import relint_all_calls

CALLS = int(os.environ.get("CALL_LINT_BENCH_CALLS", "10000"))
WORKERS = int(os.environ.get("CALL_LINT_BENCH_WORKERS", "2"))
REPEAT = int(os.environ.get("CALL_LINT_BENCH_REPEAT", "20"))
TRACKERS, PHRASES = 50, 10
VOCABULARY = [f"w{n}" for n in range(3000)] + ["the", "and", "we", "you", "um", "so", "price", "next", "step"]


def _phrases(chooser: random.Random) -> list[list[str]]:
    return [
        [" ".join(chooser.sample(VOCABULARY, chooser.randint(1, 3))) for _ in range(PHRASES)] for _ in range(TRACKERS)
    ]


def _utterances(chooser: random.Random, minutes: int, phrases: list[list[str]]) -> list[Utterance]:
    """About 150 words a minute in 15-word utterances; now and then a tracker's phrase."""
    utterances, clock = [], 0.0
    for index in range(minutes * 10):
        words = chooser.choices(VOCABULARY, k=15)
        if chooser.random() < 0.2:
            words.insert(chooser.randrange(15), chooser.choice(chooser.choice(phrases)))
        text = " ".join(words) + ("?" if chooser.random() < 0.1 else ".")
        utterances.append(Utterance("Rep" if index % 3 else "Customer", clock, clock + 6, text))
        clock += 6
    return utterances


def _trackers(phrases: list[list[str]]) -> None:
    kinds = [
        TrackerKind.COMPETITOR,
        TrackerKind.PRICING,
        TrackerKind.NEXT_STEPS,
        TrackerKind.OBJECTION,
        TrackerKind.CUSTOM,
    ]
    Tracker.objects.bulk_create(
        Tracker(name=f"bench-tracker-{n}", kind=kinds[n % len(kinds)], phrases="\n".join(group))
        for n, group in enumerate(phrases)
    )


def _calls(rep: User, count: int, minutes: int, phrases: list[list[str]], chooser: random.Random) -> list[int]:
    day = timezone.localdate() - timedelta(days=1)
    reviews = CallReview.objects.bulk_create(
        CallReview(rep=rep, reviewer=rep, call_date=day, transcript="bench", recording_url="") for _ in range(count)
    )
    CallTranscript.objects.bulk_create(
        (
            CallTranscript(
                review=review, source_format="txt", rep_speaker="Rep", speakers=["Rep", "Customer"],
                utterances=[u.as_json() for u in _utterances(chooser, minutes, phrases)],
            )
            for review in reviews
        ),
        batch_size=500,
    )  # fmt: skip
    return [r.pk for r in reviews]


def bench_one_call(rep: User, phrases: list[list[str]], chooser: random.Random) -> list[Result]:
    utterances = _utterances(chooser, 60, phrases)
    words = sum(len(u.text.split()) for u in utterances)
    matcher, _ = compiled_trackers()

    def lint_in_memory() -> None:
        compiled = CompiledTrackers.compile(matcher.specs)
        hits = compiled.match(utterances, "Rep")
        metrics = call_metrics(utterances, "Rep")
        lint_findings(compiled.specs, hits, metrics, CallContext(call_date=timezone.localdate()), len(utterances) - 1)

    text = "\n".join(u.text for u in utterances)
    pattern = matcher.pattern
    assert pattern is not None

    def plain_regex() -> None:
        sum(1 for _ in pattern.finditer(text))

    lint = statistics.median(per_call_seconds(lint_in_memory, repeat=REPEAT, warmup=2)) * 1000
    floor = statistics.median(per_call_seconds(plain_regex, repeat=REPEAT, warmup=2)) * 1000
    (review_id,) = _calls(rep, 1, 60, phrases, chooser)
    stored = statistics.median(per_call_seconds(lambda: calls_lint(review_ids=[review_id]), repeat=5, warmup=1)) * 1000
    hits = CallLint.objects.get(review_id=review_id).hits.count()
    detail = f"{words} words, {len(utterances)} utterances, {TRACKERS}x{PHRASES} phrases, {hits} hits"
    return [
        Result("call lint: 60-min call, in memory", lint, "ms", floor, lint / floor,
               "< 200 ms (baseline: one regex pass over the text)", detail),
        Result("call lint: 60-min call, stored", stored, "ms", floor, stored / floor,
               "< 200 ms + writes (baseline: one regex pass)", detail),
    ]  # fmt: skip


def _baseline_read_and_match(ids: list[int]) -> float:
    matcher, _ = compiled_trackers()
    assert matcher.pattern is not None
    start = time.perf_counter()
    for row in CallTranscript.objects.filter(review_id__in=ids).values_list("utterances", flat=True).iterator(2000):
        for utterance in row:
            sum(1 for _ in matcher.pattern.finditer(utterance[3]))
    return time.perf_counter() - start


def _with_workers() -> bool:
    return bool(os.environ.get("REDIS_URL")) and connection.vendor == "postgresql" and WORKERS > 0


def _start_workers(queue: str) -> list[subprocess.Popen]:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    url = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url}
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "enablement_portal",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-n",
                f"bench{n}-{queue}@%h",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(WORKERS)
    ]


def bench_relint(rep: User, phrases: list[list[str]], chooser: random.Random) -> list[Result]:
    ids = _calls(rep, CALLS, 5, phrases, chooser)
    total = CallTranscript.objects.count()
    floor = _baseline_read_and_match(ids)
    start_mark = timezone.now()
    if _with_workers():
        queue = f"bench-lint-{uuid.uuid4().hex[:8]}"
        workers = _start_workers(queue)
        try:
            time.sleep(3)  # the workers connect before the clock starts
            start = time.perf_counter()
            relint_all_calls.apply(kwargs={"queue": queue})
            deadline = time.monotonic() + 900
            while CallLint.objects.filter(linted_at__gte=start_mark).count() < total:
                if time.monotonic() > deadline:
                    raise RuntimeError("the workers did not re-lint every call within 15 minutes")
                time.sleep(0.25)
            elapsed = time.perf_counter() - start
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=60)
        how = f"{WORKERS} Celery workers (PostgreSQL + Redis)"
    else:
        start = time.perf_counter()
        relint_all_calls.apply()
        elapsed = time.perf_counter() - start
        how = "eager, this one process" + ("" if settings.CELERY_TASK_ALWAYS_EAGER else " (no PostgreSQL: no workers)")
    linted = CallLint.objects.filter(linted_at__gte=start_mark).count()
    assert linted == total, (linted, total)
    return [
        Result(f"call lint: re-lint {total} calls", elapsed, "s", floor, elapsed / floor,
               "< 120 s for 10,000 with workers (baseline: read + one regex pass)",
               f"{how}; {total / elapsed:.0f} calls/s"),
    ]  # fmt: skip


def run() -> list[Result]:
    chooser = random.Random(20261202)
    team = Team.objects.create(name=f"Call lint bench {uuid.uuid4().hex[:6]}")
    rep = User.objects.create(username=f"bench-lint-{uuid.uuid4().hex[:6]}", role=Role.REP, team=team)
    phrases = _phrases(chooser)
    _trackers(phrases)
    try:
        return bench_one_call(rep, phrases, chooser) + bench_relint(rep, phrases, chooser)
    finally:
        CallReview.objects.filter(rep=rep).delete()
        Tracker.objects.filter(name__startswith="bench-tracker-").delete()
        rep.delete()
        team.delete()
