"""Training's cards on the home page.

A rep (and a manager, for what is addressed to them): programs due and overdue with the next
module, updates awaiting acknowledgement, call reviews to acknowledge. A manager: reps behind on
training. An enablement admin: modules whose quiz few pass at the first attempt.
"""

from datetime import date

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.home import HOME_ITEMS, HomeCard, HomeItem
from accounts.models import User
from accounts.rules import is_enablement_admin, is_manager, is_rep
from training.models import CallReview, Module, Update
from training.selectors import ProgramProgress, due_refreshers, programs_of, team_learning

# A module is flagged when fewer than this share of the people who took its quiz passed at the
# first attempt, once at least MIN_QUIZ_TAKERS took it (fewer say little about the module).
LOW_FIRST_PASS_RATE = 0.6
MIN_QUIZ_TAKERS = 3


def _due(program: ProgramProgress, today: date) -> tuple[str, str]:
    days = (program.enrollment.due_date - today).days
    if days < 0:
        return f"overdue by {-days} day{'s' if days != -1 else ''}", "danger"
    if days == 0:
        return "due today", "warning"
    return f"due in {days} day{'s' if days != 1 else ''}", "warning" if days <= 7 else ""


def learning_card(user: User, today: date) -> HomeCard:
    open_programs = sorted(
        (p for p in programs_of(user) if p.enrollment.completed_at is None and p.next_module),
        key=lambda p: p.enrollment.due_date,
    )
    items = []
    for program in open_programs:
        badge, tone = _due(program, today)
        module = program.next_module
        assert module is not None  # filtered above
        items.append(
            HomeItem(
                f"Next: {module.title}",
                module.get_absolute_url(),
                detail=f"{program.enrollment.program} · {program.completed} of {program.total} modules "
                f"({program.percent}%) · due {program.enrollment.due_date:%-d %b %Y}",
                badge=badge,
                tone=tone,
            )
        )
    return HomeCard(
        key="learning",
        title="Training due",
        items=items,
        empty_text="No training due: every program assigned to you is complete.",
        more_url=reverse("training:home"),
        more_label="My learning",
        order=30,
    )


def updates_card(user: User) -> HomeCard:
    waiting = Update.objects.addressed_to(user).unacknowledged_by(user)
    total = waiting.count()
    items = [
        HomeItem(
            update.title,
            update.get_absolute_url(),
            detail=f"{update.get_kind_display()} · {update.published_at:%-d %b %Y}",
            badge="acknowledge" if update.requires_acknowledgement else "read",
            tone="warning" if update.requires_acknowledgement else "",
        )
        for update in waiting.order_by("published_at", "pk")[:HOME_ITEMS]
    ]
    return HomeCard(
        key="updates",
        title="Updates to acknowledge",
        items=items,
        total=total,
        empty_text="You are up to date: every update addressed to you is read and acknowledged.",
        more_url=reverse("training:updates"),
        more_label="All updates",
        order=40,
    )


def reviews_card(user: User) -> HomeCard:
    waiting = CallReview.objects.filter(rep=user, acknowledged_at__isnull=True)
    total = waiting.count()
    items = [
        HomeItem(
            f"Call of {review.call_date:%-d %b %Y}",
            review.get_absolute_url(),
            # A call uploaded for the linter has no scorecard until it is scored.
            detail=f"reviewed by {review.reviewer} on {review.scorecard}"
            if review.scorecard
            else f"uploaded by {review.reviewer}, linted",
            badge="acknowledge",
            tone="warning",
        )
        for review in waiting.select_related("reviewer", "scorecard").order_by("call_date", "pk")[:HOME_ITEMS]
    ]
    return HomeCard(
        key="reviews",
        title="Call reviews to acknowledge",
        items=items,
        total=total,
        empty_text="Every review of your calls is read and acknowledged.",
        more_url=reverse("training:reviews"),
        more_label="All my call reviews",
        order=45,
    )


def behind_card(user: User, today: date) -> HomeCard:
    """Reps of the team with overdue modules, with the team table's figures (the same selector)."""
    rows = team_learning(viewer=user, sort="overdue", descending=True, today=today)
    behind = [row for row in rows if row.overdue_modules]
    items = [
        HomeItem(
            str(row),
            reverse("training:person", args=[row.pk]),
            detail=f"completion {'—' if row.completion is None else f'{row.completion}%'}",
            badge=f"{row.overdue_modules} overdue module{'s' if row.overdue_modules != 1 else ''}",
            tone="danger",
        )
        for row in behind
    ]
    return HomeCard(
        key="training-behind",
        title="Reps behind on training",
        items=items,
        empty_text="Nobody on the team is behind: no module is overdue.",
        more_url=reverse("training:team") + "?sort=overdue&dir=desc",
        more_label="Team learning",
        order=30,
    )


def low_pass_card() -> HomeCard:
    """Modules with a quiz that few pass at the first attempt (one query).

    A first-attempt pass is a completed module taken once: a quiz completes the module on a pass,
    so a person still at one attempt and completed passed the first time.
    """
    modules = (
        Module.objects.filter(quiz__isnull=False)
        .annotate(
            takers=Count("progress", filter=Q(progress__attempts__gte=1)),
            first_pass=Count("progress", filter=Q(progress__attempts=1, progress__completed_at__isnull=False)),
        )
        .filter(takers__gte=MIN_QUIZ_TAKERS)
        .order_by("title")
    )
    flagged = sorted(
        (m for m in modules if m.first_pass < LOW_FIRST_PASS_RATE * m.takers),
        key=lambda m: (m.first_pass / m.takers, m.title),
    )
    items = [
        HomeItem(
            module.title,
            reverse("admin:training_module_change", args=[module.pk]),
            detail=f"{module.first_pass} of {module.takers} passed at the first attempt",
            badge=f"{round(100 * module.first_pass / module.takers)}% first-time pass",
            tone="danger",
        )
        for module in flagged[:HOME_ITEMS]
    ]
    return HomeCard(
        key="low-pass-modules",
        title="Quizzes few pass at the first attempt",
        items=items,
        total=len(flagged),
        empty_text=f"Every quiz is passed at the first attempt by at least {round(100 * LOW_FIRST_PASS_RATE)}% "
        "of the people who take it.",
        more_url=reverse("admin:training_module_changelist"),
        more_label="Modules in admin",
        order=20,
    )


def refresher_card(user: User, today: date) -> HomeCard:
    """Refreshers due (spaced 2, 7, 30… days after a module was completed): one query."""
    items = []
    for refresher in due_refreshers(user, today):
        late = (today - refresher.due_on).days
        items.append(
            HomeItem(
                label=f"Refresher: {refresher.module.title}",
                url=reverse("training:refresher", args=[refresher.pk]),
                detail=f"{refresher.interval_days} days after you completed it · a minute",
                badge=f"due {late} day{'s' if late != 1 else ''} ago" if late else "due today",
                tone="warning" if late > 7 else "",
            )
        )
    return HomeCard(
        key="refreshers",
        title="Refreshers",
        items=items,
        empty_text="No refresher due: questions from the modules you completed come back here to keep them fresh.",
        order=35,
    )


def home_cards(user: User) -> list[HomeCard]:
    today = timezone.localdate()
    if is_rep(user):
        return [learning_card(user, today), refresher_card(user, today), updates_card(user), reviews_card(user)]
    if is_manager(user):
        return [behind_card(user, today), updates_card(user)]
    if is_enablement_admin(user):
        return [low_pass_card(), updates_card(user)]
    return [updates_card(user)]
