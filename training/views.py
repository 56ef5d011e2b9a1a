from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import permission_required
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role, User
from collateral.models import Asset
from enablement_portal.csv import Cell, csv_response
from training import selectors, services
from training.forms import CallReviewForm, EnrolForm
from training.models import (
    CallReview,
    Criterion,
    CriterionScore,
    Module,
    ModuleProgress,
    Question,
    Quiz,
    Scorecard,
    Update,
)


def _allow_source(response: HttpResponse, directive: str, url: str) -> HttpResponse:
    """Add one origin to one CSP directive of this response only.

    What csp.decorators.csp_update does, but the origin comes from data (the module's video
    host, checked against the admin allowlist; a review's recording), not from code.
    """
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"} and parts.netloc:
        # django-csp's middleware reads this attribute (what its csp_update decorator sets).
        response._csp_update = {directive: [f"{parts.scheme}://{parts.netloc}"]}  # type: ignore[attr-defined]
    return response


# ---------------------------------------------------------------------------
# Rep: programs, modules, quizzes
# ---------------------------------------------------------------------------


@permission_required("training.view_learning")
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    programs = selectors.programs_of(request.user)
    reviews = CallReview.objects.filter(rep=request.user).select_related("reviewer")[:3]
    context = {
        "programs": programs,
        "next_module": selectors.next_up(programs),
        "unread": selectors.unread_update_count(request.user),
        "reviews": reviews,
    }
    return render(request, "training/home.html", context)


def _quiz_questions(module: Module) -> tuple[Quiz | None, list[Question]]:
    quiz = Quiz.objects.filter(module=module).first()
    questions = list(quiz.questions.prefetch_related("choices")) if quiz else []
    return quiz, questions


@permission_required("training.view_modules")
def module_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    module = get_object_or_404(Module.objects.for_user(request.user), pk=pk)
    # Opening a module is what "started" means: the first visit records it (idempotent).
    progress = services.module_start(user=request.user, module=module)
    quiz, questions = _quiz_questions(module)
    video_url = module.embeddable_video_url()
    context = {
        "module": module,
        "video_url": video_url,
        "progress": progress,
        "quiz": quiz,
        "questions": questions,
        "tags": module.tags.all(),
        # Through collateral's own queryset, so drafts and archived assets stay hidden from reps.
        "related_assets": Asset.objects.for_user(request.user).filter(modules=module).select_related("current_version"),
    }
    response = render(request, "training/module.html", context)
    # Frames are allowed from this module's allowlisted video host, on this page only.
    return _allow_source(response, "frame-src", video_url) if video_url else response


@permission_required("training.view_modules")
def quiz(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: a fresh quiz form (for a retry); POST: score an attempt and show the explanations."""
    module = get_object_or_404(Module.objects.for_user(request.user), pk=pk)
    quiz, questions = _quiz_questions(module)
    if quiz is None:
        raise PermissionDenied("This module has no quiz.")
    context = {"module": module, "quiz": quiz, "questions": questions}
    if request.method == "POST":
        answers = {q.pk: _chosen(request, q) for q in questions}
        try:
            context["result"] = services.quiz_submit(user=request.user, quiz=quiz, answers=answers)
        except ValidationError:
            context["missing"] = {pk for pk, chosen in answers.items() if not chosen}
            context["chosen_ids"] = set().union(*answers.values())
    context["progress"] = ModuleProgress.objects.filter(user=request.user, module=module).first()
    if request.htmx:
        return render(request, "training/partials/quiz.html", context)
    # Without htmx the whole module page is the answer.
    context.update(tags=module.tags.all(), video_url=module.embeddable_video_url())
    response = render(request, "training/module.html", context)
    return _allow_source(response, "frame-src", context["video_url"]) if context["video_url"] else response


def _chosen(request: AuthenticatedHttpRequest, question: Question) -> set[int]:
    # Only the question's own choices count: a forged id from another question is ignored.
    own = {c.pk for c in question.choices.all()}
    return {int(v) for v in request.POST.getlist(f"question-{question.pk}") if v.isdigit() and int(v) in own}


@require_POST
@permission_required("training.view_modules")
def module_complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    module = get_object_or_404(Module.objects.for_user(request.user), pk=pk)
    try:
        services.module_complete(user=request.user, module=module)
        messages.success(request, f"“{module}” completed.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(module)


# ---------------------------------------------------------------------------
# Updates
# ---------------------------------------------------------------------------


@permission_required("training.view_updates")
def updates(request: AuthenticatedHttpRequest) -> HttpResponse:
    feed = (
        Update.objects.for_user(request.user)
        .published()
        .prefetch_related(Prefetch("acknowledgements", queryset=request.user.acknowledgements.all(), to_attr="mine"))
    )
    # A manager also reads what went to the team's reps; only updates addressed to them ask them to act.
    addressed = set(Update.objects.addressed_to(request.user).values_list("pk", flat=True))
    updates = list(feed)
    for update in updates:
        update.for_me = update.pk in addressed
    return render(request, "training/updates.html", {"updates": updates})


@require_POST
@permission_required("training.view_updates")
def update_acknowledge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(Update.objects.for_user(request.user).published(), pk=pk)
    try:
        services.update_acknowledge(update=update, user=request.user)
        messages.success(request, f"Acknowledged “{update}”.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("training:updates")


@permission_required("training.view_team")
def team_updates(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "training/team_updates.html", {"rows": selectors.team_update_status(viewer=request.user)})


# ---------------------------------------------------------------------------
# Call reviews
# ---------------------------------------------------------------------------


@permission_required("training.view_reviews")
def reviews(request: AuthenticatedHttpRequest) -> HttpResponse:
    items = CallReview.objects.for_user(request.user).select_related("rep", "reviewer", "scorecard")
    return render(request, "training/reviews.html", {"reviews": items})


@permission_required("training.view_reviews")
def review_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        CallReview.objects.for_user(request.user)
        .select_related("rep", "reviewer", "scorecard")
        .prefetch_related(Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion")), "comments"),
        pk=pk,
    )
    response = render(request, "training/review.html", {"review": review})
    if review.recording_url:
        _allow_source(response, "media-src", review.recording_url)
    return response


@require_POST
@permission_required("training.view_reviews")
def review_acknowledge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(CallReview.objects.for_user(request.user), pk=pk)
    try:
        services.call_review_acknowledge(review=review, user=request.user)
        messages.success(request, "Review acknowledged.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(review)


@permission_required("training.coach_team")
def review_create(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    rep = get_object_or_404(User.objects.for_user(request.user).filter(role=Role.REP), pk=user_id)
    scorecards = Scorecard.objects.active().filter(criteria__isnull=False).distinct()
    chosen = request.GET.get("scorecard", "")
    scorecard = get_object_or_404(scorecards, pk=chosen) if chosen.isdigit() else scorecards.first()
    if scorecard is None:
        messages.error(request, "There is no active scorecard with criteria yet: ask an enablement admin.")
        return redirect("training:team")
    form = CallReviewForm(request.POST or None, criteria=list(Criterion.objects.filter(scorecard=scorecard)))
    if request.method == "POST" and form.is_valid():
        try:
            review = services.call_review_create(
                reviewer=request.user,
                rep=rep,
                scorecard=scorecard,
                call_date=form.cleaned_data["call_date"],
                recording_url=form.cleaned_data["recording_url"],
                transcript=form.cleaned_data["transcript"],
                notes=form.cleaned_data["notes"],
                scores=form.scores(),
                comments=form.cleaned_data["comments"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Review of {rep}'s call saved.")
            return redirect(review)
    context = {"form": form, "rep": rep, "scorecard": scorecard, "scorecards": scorecards}
    return render(request, "training/review_form.html", context, status=400 if form.errors else 200)


# ---------------------------------------------------------------------------
# Manager: team table, a person's progress, enrolment
# ---------------------------------------------------------------------------

SORT_LABELS = [
    ("name", "Rep"),
    ("completion", "Program completion"),
    ("overdue", "Overdue modules"),
    ("quiz", "Average quiz score"),
    ("unacknowledged", "Unacknowledged updates"),
    ("review", "Last call review"),
]


def _team_rows(request: AuthenticatedHttpRequest) -> tuple[str, bool, list[Any]]:
    sort = request.GET.get("sort", "name")
    sort = sort if sort in selectors.TEAM_SORTS else "name"
    descending = request.GET.get("dir") == "desc"
    return sort, descending, selectors.team_learning(viewer=request.user, sort=sort, descending=descending)


@permission_required("training.view_team")
def team(request: AuthenticatedHttpRequest) -> HttpResponse:
    sort, descending, rows = _team_rows(request)
    columns = [
        {
            "key": key,
            "label": label,
            "current": key == sort,
            "next_dir": "desc" if key == sort and not descending else "asc",
        }
        for key, label in SORT_LABELS
    ]
    context = {"rows": rows, "columns": columns, "sort": sort, "descending": descending}
    return render(request, "training/team.html", context)


@permission_required("training.view_team")
def team_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    _, _, rows = _team_rows(request)
    header = [
        "rep",
        "username",
        "start_date",
        "completion_percent",
        "overdue_modules",
        "average_quiz_score",
        "unacknowledged_updates",
        "last_review_date",
        "last_review_scores",
    ]
    return csv_response("team-learning.csv", header, (_team_csv_row(row) for row in rows))


def _team_csv_row(row: Any) -> list[Cell]:
    """`row` is a User annotated by selectors.team_learning with its learning figures."""
    scores = "; ".join(f"{s.criterion.name}={s.score}" for s in row.last_review.scores.all()) if row.last_review else ""
    return [
        str(row),
        row.username,
        row.start_date,
        row.completion,
        row.overdue_modules,
        None if row.average_score is None else round(row.average_score),
        row.unacknowledged,
        row.last_review_date,
        scores,
    ]


@permission_required("training.view_progress")
def person(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User.objects.for_user(request.user), pk=user_id)
    programs = selectors.programs_of(person)
    reviews = CallReview.objects.for_user(request.user).filter(rep=person).select_related("reviewer")
    context = {"person": person, "programs": programs, "reviews": reviews}
    return render(request, "training/person.html", context)


@permission_required("training.coach_team")
def enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EnrolForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        program = form.cleaned_data["program"]
        enrolled = services.enrollment_enrol_people(
            people=form.cleaned_data["people"], program=program, by=request.user
        )
        for team in form.cleaned_data["teams"]:
            enrolled += services.enrollment_enrol_team(team=team, program=program, by=request.user)
        messages.success(request, f"Enrolled {len(enrolled)} people in “{program}”.")
        return redirect("training:team")
    return render(request, "training/enrol.html", {"form": form}, status=400 if form.errors else 200)
