"""Demo calls for the call linter: the seeded trackers and 36 generated transcripts across the
newest reps and their deals, each linted, so that every metric and finding has data at once.

Deterministic: every choice comes from a seed of the rep's name and the call's number, every date
from the demo's today. A call that agrees a next step is likelier on a deal that was won, so the
trackers' outcome table has something to say.
"""

import random
from datetime import date, timedelta

from accounts.models import User
from pipeline.models import CLOSED_STAGES, Deal, Stage
from training.calls.lint import calls_lint
from training.calls.parsers import parse_transcript
from training.models import CallReview, CallTranscript, Module, Tracker, TrackerKind, TrackerSpeaker

DEMO_CALLS = "https://recordings.demo.example/linted-calls/"
CALLS_PER_REP = 2
REPS_WITH_CALLS = 18

# (name, kind, phrases, speaker, fuzzy, battlecard module title)
TRACKERS = [
    ("Vantage Analytics", TrackerKind.COMPETITOR, ["Vantage", "Vantage Analytics"], TrackerSpeaker.ANYONE, True,
     "Competitor battlecard: Vantage Analytics"),
    ("Northwind", TrackerKind.COMPETITOR, ["Northwind"], TrackerSpeaker.ANYONE, True, ""),
    ("Globex", TrackerKind.COMPETITOR, ["Globex"], TrackerSpeaker.ANYONE, True, ""),
    ("Pricing", TrackerKind.PRICING, ["price", "pricing", "discount", "per seat", "quote", "how much"],
     TrackerSpeaker.ANYONE, False, ""),
    ("Next steps", TrackerKind.NEXT_STEPS, ["next step", "next steps", "follow up", "send over", "calendar invite"],
     TrackerSpeaker.ANYONE, False, ""),
    ("BANT criteria", TrackerKind.CUSTOM, ["budget", "authority", "decision maker", "timeline", "security review"],
     TrackerSpeaker.ANYONE, False, ""),
    ("Objections", TrackerKind.OBJECTION, ["too expensive", "not a priority", "already have", "no budget"],
     TrackerSpeaker.CUSTOMER, False, ""),
    ("Recording notice", TrackerKind.COMPLIANCE, ["this call is recorded", "recording this call"],
     TrackerSpeaker.REP, False, ""),
]  # fmt: skip

OPENERS = [
    "Thanks for making the time today.",
    "Good to see you again.",
    "Thanks for joining, I know it's a busy week.",
]
NOTICE = "Quick note before we start: this call is recorded for coaching."
DISCOVERY = [
    "What made you look at this now?", "Who else is involved in the decision?", "What does success look like by Q3?",
    "How do you report on pipeline today?", "What happens if nothing changes?", "Is there a budget set aside for this?",
    "What's your timeline for a decision?", "Does this need a security review on your side?",
]  # fmt: skip
ANSWERS = [
    "Honestly our reporting is a mess, we export everything to spreadsheets and it takes two days a month.",
    "The CFO signs off, but the head of sales ops is the decision maker in practice.",
    "We want one number everyone trusts, and we want it before the board meeting in the spring.",
    "We looked at Vantage Analytics last year but the rollout stalled.",
    "Northwind pitched us too, their demo was slick but thin on security.",
    "Budget is there if we can show payback inside a year.",
    "Security review usually takes us six weeks, so timeline matters.",
    "It's not a priority for the IT team until the summer, to be honest.",
    "We already have a BI tool, the question is whether this replaces it.",
    "Globex quoted us something, I'd have to check the numbers.",
]  # fmt: skip
PITCH = [
    "So the way our platform works is that every deal, every stage change and every activity is captured automatically",
    "and the dashboards update nightly, so managers never chase reps for numbers,",
    "and um we also have a coaching module, basically it reads the calls, you know, and flags the patterns,",
    "and the integrations cover the main CRMs, the main marketing systems and the data warehouse,",
    "and on top of that, uh, there's the forecasting, which is kind of the part customers like most.",
]  # fmt: skip
PRICING = ["Our pricing is per seat, with a discount for a three-year term.", "I can send a quote this week."]
NEXT_STEPS = [
    "As a next step, I'll send over the security pack and a calendar invite for the technical demo.",
    "Let's book a follow up on Thursday with your head of sales ops.",
]
CLOSINGS = ["Thanks again, talk soon.", "Great, speak then."]


def load_demo_calls(reps: list[User], today: date) -> int:
    """The trackers and the demo calls of the newest reps (with a manager), linted; returns how many calls."""
    _load_trackers()
    kept: list[int] = []
    for rep in [r for r in reps if r.manager_id][-REPS_WITH_CALLS:]:
        deals = list(Deal.objects.filter(owner=rep).order_by("-stage_entered_at", "pk")[:6])
        for number in range(CALLS_PER_REP):
            chooser = random.Random(f"{rep.username}|call|{number}")
            deal = deals[number % len(deals)] if deals else None
            call_date = today - timedelta(days=2 + 9 * number + chooser.randrange(7))
            kept.append(_load_call(rep, deal, call_date, chooser, number).pk)
    CallReview.objects.filter(recording_url__startswith=DEMO_CALLS).exclude(pk__in=kept).delete()
    calls_lint(review_ids=kept)
    return len(kept)


def _load_trackers() -> None:
    battlecards = {m.title: m for m in Module.objects.filter(title__in=[t[5] for t in TRACKERS if t[5]])}
    for name, kind, phrases, speaker, fuzzy, battlecard in TRACKERS:
        Tracker.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind, "phrases": "\n".join(phrases), "speaker": speaker, "fuzzy": fuzzy,
                "battlecard": battlecards.get(battlecard), "active": True,
            },
        )  # fmt: skip


def _load_call(rep: User, deal: Deal | None, call_date: date, chooser: random.Random, number: int) -> CallReview:
    manager_id = rep.manager_id
    assert manager_id is not None  # load_demo_calls picks reps with a manager
    won = deal is not None and deal.stage == Stage.CLOSED_WON
    closed = deal is not None and deal.stage in CLOSED_STAGES
    customer = chooser.choice(["Sam Ortiz", "Priya Nair", "Tom Becker", "Lena Kraus"])
    rep_name = rep.get_full_name() or rep.username
    lines = _dialogue(rep_name, customer, chooser, next_step=chooser.random() < (0.85 if won or not closed else 0.45))
    text = "\n".join(
        f"[{seconds // 60:02d}:{seconds % 60:02d}] {speaker}: {words}" for seconds, speaker, words in lines
    )
    utterances = parse_transcript(text, "txt")
    review, _ = CallReview.objects.update_or_create(
        rep=rep,
        recording_url=f"{DEMO_CALLS}{rep.username}-{number}.mp4",
        defaults={
            "reviewer_id": manager_id, "scorecard": None, "deal": deal, "call_date": call_date,
            "transcript": "\n".join(f"{u.speaker}: {u.text}" for u in utterances),
        },
    )  # fmt: skip
    CallTranscript.objects.update_or_create(
        review=review,
        defaults={
            "source_format": "txt", "rep_speaker": rep_name, "speakers": [rep_name, customer],
            "utterances": [u.as_json() for u in utterances], "uploaded_by_id": rep.manager_id,
        },
    )  # fmt: skip
    return review


def _dialogue(rep: str, customer: str, chooser: random.Random, *, next_step: bool) -> list[tuple[int, str, str]]:
    """(second, speaker, words) lines of a 10 to 25 minute discovery call, with what the seed decides."""
    lines: list[tuple[int, str, str]] = []
    clock = 0

    def say(speaker: str, words: str, seconds: int) -> None:
        nonlocal clock
        lines.append((clock, speaker, words))
        clock += seconds

    say(rep, chooser.choice(OPENERS), 6)
    say(customer, "Likewise, thanks.", 3)
    if chooser.random() < 0.85:
        say(rep, NOTICE, 5)
    early_pricing = chooser.random() < 0.3
    # Some reps pitch for minutes on end and hear short answers: a high talk share, a long monologue.
    talkative = chooser.random() < 0.35
    answer_seconds = (8, 20) if talkative else (20, 70)
    if early_pricing:
        say(customer, "Before anything else, how much is it?", 4)
        say(rep, chooser.choice(PRICING), 8)
    for question in chooser.sample(DISCOVERY, chooser.randint(2, 6)):
        say(rep, question, 5)
        for _ in range(chooser.randint(1, 3)):
            say(customer, chooser.choice(ANSWERS), chooser.randint(*answer_seconds))
    pitch_turns = chooser.randint(6, 14) if talkative else chooser.randint(1, 3)
    for turn in range(pitch_turns):
        say(rep, PITCH[turn % len(PITCH)], chooser.randint(12, 25))
    say(customer, chooser.choice(ANSWERS), chooser.randint(15, 45))
    if not early_pricing and chooser.random() < 0.6:
        say(rep, chooser.choice(PRICING), 8)
    if next_step:
        say(rep, chooser.choice(NEXT_STEPS), 9)
        say(customer, "Works for me.", 2)
    say(rep, chooser.choice(CLOSINGS), 3)
    return lines
