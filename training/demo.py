"""Demo training data: the onboarding program, updates, a scorecard and call reviews, and every
demo rep somewhere on their ramp. Deterministic and idempotent: every row is keyed by a natural
key and every date is laid out from the demo's today (accounts.demo), never from the clock, so a
re-run the same day changes nothing and one on another day moves the dates to it.
"""

import random
import zlib
from datetime import date, timedelta

from django.db import transaction

from accounts.demo import demo_moment, demo_today
from accounts.models import Role, User
from training.demo_calls import load_demo_calls
from training.demo_content import MODULES
from training.models import (
    Acknowledgement,
    CallReview,
    Certification,
    CertificationGrant,
    Choice,
    Criterion,
    CriterionScore,
    Enrollment,
    Module,
    ModuleProgress,
    Program,
    ProgramModule,
    Question,
    Quiz,
    Refresher,
    ReviewComment,
    Scorecard,
    Tracker,
    Update,
    UpdateKind,
    VideoHost,
)
from training.services import program_score, refreshers_schedule, retention_score

PROGRAM_NAME = "Rep onboarding"
# The stages each demo module teaches: coaching suggests them to a rep who converts a stage poorly.
DEMO_MODULE_STAGES: dict[str, list[str]] = {
    "Qualifying with BANT": ["LeadIn", "Discovery"],
    "Entering Discovery": ["Discovery"],
    "Running a technical demo that proves value": ["TechnicalDemo"],
    "Proposal: the legal and security review": ["Proposal"],
    "Handling the 'too expensive' objection": ["Proposal", "Closing"],
    "Competitor battlecard: Vantage Analytics": ["Closing"],
}
PROGRAM_DUE_DAYS = 60

UPDATES = [
    # (title, kind, audience role, requires acknowledgement, days before the anchor, body)
    ("GTK 500 list price rises 4% on 1 January", UpdateKind.PRODUCT, Role.REP, True, 2,
     "Quotes sent before **31 December** keep today's price for 60 days. Tell your open GTK deals now."),
    ("Vantage Analytics cut prices by 15%", UpdateKind.COMPETITIVE, "", True, 9,
     "Expect the price objection earlier. Lead with three-year cost and adoption; see the "
     "[battlecard module](/learning/) for the trap question."),
    ("Legal and security review now starts at Proposal request", UpdateKind.PROCESS, Role.REP, True, 20,
     "Send the security pack when the proposal is requested. The Proposal exit criterion is unchanged: "
     "*Legal and security review passed.*"),
    ("MG Advanced now includes single sign-on", UpdateKind.PRODUCT, "", False, 41,
     "SSO (SAML and OIDC) is included in MG Advanced at no extra cost from this week."),
    ("Discovery call template refreshed", UpdateKind.PROCESS, Role.REP, True, 75,
     "The template now has one question per BANT letter. Use it for every first call."),
]  # fmt: skip

SCORECARD = (
    "Discovery call",
    [
        ("Opening and agenda", "States the purpose, agrees the time and the outcome of the call."),
        ("BANT discovery", "Covers budget, authority, need and timeline with open questions."),
        ("Listening", "The customer talks at least 60% of the time; summarises before moving on."),
        ("Next step agreed", "A dated next step with the right people, confirmed in the call."),
    ],
)

DEMO_RECORDINGS = "https://recordings.demo.example/calls/"
REVIEW_COMMENTS = [
    (45, "Good opening: you agreed the agenda and the time."),
    (252, "Ask who else signs off here — Authority is still open."),
    (611, "Nice summary of their current process before the next question."),
    (1334, "You ended without a date for the demo: agree the next step before hanging up."),
]


def _seed(*parts: str) -> int:
    # A stable pseudo-random number per name: the same on every machine and run.
    return zlib.crc32("|".join(parts).encode())


@transaction.atomic
def load_demo(*, today: date | None = None) -> list[str]:
    today = today or demo_today()
    for host, note in [("www.youtube-nocookie.com", "YouTube, privacy-enhanced"), ("player.vimeo.com", "Vimeo")]:
        VideoHost.objects.update_or_create(host=host, defaults={"note": note})
    program = _load_program(today)
    modules = [pm.module for pm in program.program_modules.select_related("module")]
    reps = list(User.objects.filter(role=Role.REP, start_date__isnull=False).order_by("start_date", "username"))
    for rep in reps:
        _load_ramp(rep, program, modules, today)
    updates = _load_updates(reps, today)
    reviews = _load_reviews(reps, today)
    calls = load_demo_calls(reps, today)
    certified = _load_certification(program, reps)
    refreshers = _load_refreshers(reps, modules, today)
    return [
        f"program “{program}” with {len(modules)} modules and quizzes; {len(reps)} reps enrolled at different points",
        f"{certified} certified reps; {refreshers} refreshers (retention on Team learning)",
        f"{len(updates)} updates, {reviews} call reviews; log in as a manager for Team learning",
        f"{calls} linted demo calls with {Tracker.objects.count()} trackers (on the call reviews and Team learning)",
    ]


def _load_program(today: date) -> Program:
    program, _ = Program.objects.update_or_create(
        name=PROGRAM_NAME,
        defaults={
            "description": "Your first two months: product, customers, competitors and our sales process.",
            "target_role": Role.REP,
            "due_days": PROGRAM_DUE_DAYS,
            "onboarding": True,
            "active": True,
        },
    )
    for order, (title, summary, minutes, tags, body, video, pass_mark, questions) in enumerate(MODULES):
        module, _ = Module.objects.update_or_create(
            title=title,
            defaults={
                "summary": summary,
                "estimated_minutes": minutes,
                "body": body,
                "video_url": video,
                "created_at": demo_moment(today - timedelta(days=800), today=today),
                "stages": DEMO_MODULE_STAGES.get(title, []),
            },
        )
        module.full_clean()
        module.tags.set(tags)
        quiz, _ = Quiz.objects.update_or_create(module=module, defaults={"pass_mark": pass_mark})
        for q_order, (text, explanation, choices) in enumerate(questions):
            question, _ = Question.objects.update_or_create(
                quiz=quiz, order=q_order, defaults={"text": text, "explanation": explanation}
            )
            for c_order, (choice, correct) in enumerate(choices):
                Choice.objects.update_or_create(
                    question=question, order=c_order, defaults={"text": choice, "is_correct": correct}
                )
        ProgramModule.objects.update_or_create(program=program, module=module, defaults={"order": order})
    return program


def _modules_done(rep: User, total: int, today: date) -> int:
    """How far a rep got: about one module every five days, but a third of those who started in
    the last year fell behind (a module a month), so the team table has overdue work to show."""
    assert rep.start_date is not None  # every demo rep has one
    days = (today - rep.start_date).days
    pace = 30 if _seed(rep.username) % 3 == 0 and days < 365 else 5
    return max(0, min(total, days // pace))


def _load_ramp(rep: User, program: Program, modules: list[Module], today: date) -> None:
    assert rep.start_date is not None  # every demo rep has one
    done = _modules_done(rep, len(modules), today)
    finished = None
    for index, module in enumerate(modules[: done + 1]):
        seed = _seed(rep.username, module.title)
        completed = index < done
        day = rep.start_date + timedelta(days=2 + index * 5)
        finished = demo_moment(day, today=today) if completed else finished
        best = (80, 100)[seed % 2] if completed else (0, 50)[seed % 2]
        ModuleProgress.objects.update_or_create(
            user=rep,
            module=module,
            defaults={
                "started_at": demo_moment(day, 9, today=today),
                "completed_at": demo_moment(day, today=today) if completed else None,
                "best_score": best,
                "last_score": best,
                "attempts": 1 + seed % 3,
            },
        )
    Enrollment.objects.update_or_create(
        user=rep,
        program=program,
        defaults={
            "enrolled_at": demo_moment(rep.start_date, 8, today=today),
            "due_date": rep.start_date + timedelta(days=program.due_days),
            "completed_at": finished if done == len(modules) else None,
            "enrolled_by": None,
        },
    )


def _load_updates(reps: list[User], today: date) -> list[Update]:
    updates = []
    for title, kind, role, requires_ack, days_before, body in UPDATES:
        update, _ = Update.objects.update_or_create(
            title=title,
            defaults={
                "kind": kind,
                "audience_role": role,
                "requires_acknowledgement": requires_ack,
                "published_at": demo_moment(today - timedelta(days=days_before), 9, today=today),
                "body": body,
            },
        )
        updates.append(update)
        # Older news has been read by more people; the newest by about a third of the reps.
        for rep in reps:
            if _seed(rep.username, title) % 100 < min(95, 30 + days_before):
                Acknowledgement.objects.update_or_create(
                    update=update,
                    user=rep,
                    defaults={"acknowledged_at": demo_moment(today - timedelta(days=days_before - 1), 11, today=today)},
                )
    return updates


def _load_reviews(reps: list[User], today: date) -> int:
    scorecard, _ = Scorecard.objects.update_or_create(
        name=SCORECARD[0], defaults={"description": "For first calls with a new account.", "active": True}
    )
    criteria = []
    for order, (name, description) in enumerate(SCORECARD[1]):
        criterion, _ = Criterion.objects.update_or_create(
            scorecard=scorecard, name=name, defaults={"description": description, "order": order}
        )
        criteria.append(criterion)
    kept: list[int] = []
    # The newest reps get the most coaching: two reviews for each of the twelve newest, one for the next twelve.
    for position, rep in enumerate(reversed(reps[-24:])):
        if rep.manager_id is None:
            continue
        for number in range(2 if position < 12 else 1):
            call_date = today - timedelta(days=3 + 11 * number + position)
            seed = _seed(rep.username, str(number))
            # Keyed by the recording too: a linted demo call (demo_calls.py) may fall on the same day.
            review, _ = CallReview.objects.update_or_create(
                rep=rep,
                call_date=call_date,
                recording_url=f"{DEMO_RECORDINGS}{rep.username}-{call_date:%Y%m%d}.mp4",
                defaults={
                    "reviewer_id": rep.manager_id,
                    "scorecard": scorecard,
                    "transcript": "",
                    "notes": "Strong rapport. Work on confirming Authority and always leave with a dated next step.",
                    "created_at": demo_moment(call_date + timedelta(days=1), today=today),
                    "acknowledged_at": demo_moment(call_date + timedelta(days=2), today=today) if number else None,
                },
            )
            for index, criterion in enumerate(criteria):
                CriterionScore.objects.update_or_create(
                    review=review, criterion=criterion, defaults={"score": 2 + (seed >> index) % 4}
                )
            for at_seconds, text in REVIEW_COMMENTS[: 2 + seed % 3]:
                ReviewComment.objects.update_or_create(
                    review=review,
                    at_seconds=at_seconds,
                    defaults={"text": text, "author_id": rep.manager_id, "created_at": review.created_at},
                )
            kept.append(review.pk)
    # A load on another day dated the reviews afresh: the previous day's demo reviews go.
    CallReview.objects.filter(recording_url__startswith=DEMO_RECORDINGS).exclude(pk__in=kept).delete()
    return len(kept)


def _load_certification(program: Program, reps: list[User]) -> int:
    """The onboarding program certifies; those who finished it hold it for a year from the day they did."""
    certification, _ = Certification.objects.update_or_create(
        program=program,
        defaults={"name": "Certified rep", "min_score": 80, "valid_days": 365, "renew_days_before": 30},
    )
    finished = Enrollment.objects.filter(program=program, user__in=reps, completed_at__isnull=False)
    for enrollment in finished.select_related("user"):
        assert enrollment.completed_at is not None  # filtered above
        CertificationGrant.objects.update_or_create(
            certification=certification,
            user=enrollment.user,
            granted_at=enrollment.completed_at,
            defaults={
                "expires_on": enrollment.completed_at.date() + timedelta(days=certification.valid_days),
                "score": program_score(user=enrollment.user, program=program),
            },
        )
    return finished.count()


def _load_refreshers(reps: list[User], modules: list[Module], today: date) -> int:
    """Refreshers of each rep's last completed module, those due before the demo's day answered
    (a deterministic share right), so the team page has retention to show."""
    Refresher.objects.filter(user__in=reps).delete()
    quizzes = {quiz.module_id: quiz for quiz in Quiz.objects.filter(module__in=modules).select_related("module")}
    count = 0
    for rep in reps:
        last = ModuleProgress.objects.filter(user=rep, module__in=modules, completed_at__isnull=False)
        progress = last.order_by("-completed_at").first()
        if progress is None or progress.completed_at is None or progress.module_id not in quizzes:
            continue
        quiz = quizzes[progress.module_id]
        rng = random.Random(_seed(rep.username, "refreshers"))
        scheduled = refreshers_schedule(user=rep, quiz=quiz, completed_on=progress.completed_at.date(), rng=rng)
        for refresher in scheduled:
            if refresher.due_on < today:
                refresher.asked = refresher.questions.count()
                refresher.correct = rng.randint(0, refresher.asked)
                refresher.answered_at = demo_moment(refresher.due_on, 11, today=today)
                refresher.save(update_fields=["asked", "correct", "answered_at"])
        progress.retention = retention_score(scheduled)
        progress.save(update_fields=["retention"])
        count += len(scheduled)
    return count
