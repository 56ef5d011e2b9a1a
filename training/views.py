from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import permission_required
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role, User
from collateral.models import Asset
from enablement_portal.csv import Cell, csv_response
from training import selectors, services
from training.calls.selectors import call_panel, call_trends
from training.forms import CallReviewForm, EnrolForm, ReplyForm, RepSpeakerForm, ReviewCommentForm
from training.models import (
    CallReview,
    Criterion,
    CriterionScore,
    Module,
    ModuleProgress,
    Quiz,
    QuizAttempt,
    RecordingHost,
    Refresher,
    ReviewComment,
    Scorecard,
    Update,
    format_timestamp,
    playable_recording_url,
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
        "certifications": [
            row for row in selectors.certification_statuses(viewer=request.user) if row.user == request.user
        ],
    }
    return render(request, "training/home.html", context)


def _quiz_context(
    request: AuthenticatedHttpRequest, module: Module, quiz: Quiz | None, result: QuizAttempt | None = None
) -> dict[str, Any]:
    """The quiz panel: the attempt just submitted, the open attempt's form, or what the rep may do next."""
    if quiz is None:
        return {"quiz": None}
    state = selectors.quiz_state(user=request.user, quiz=quiz)
    context: dict[str, Any] = {"quiz": quiz, "state": state, "result": result}
    shown_attempt = result or state.open_attempt
    if shown_attempt:
        context["shown"] = selectors.attempt_questions(shown_attempt)
    if state.passed and (result is None or result.passed):
        context["next"] = selectors.next_step(request.user, module)
    return context


def _module_page(request: AuthenticatedHttpRequest, module: Module, context: dict[str, Any]) -> HttpResponse:
    video_url = module.embeddable_video_url()
    context.update(
        module=module,
        video_url=video_url,
        progress=ModuleProgress.objects.filter(user=request.user, module=module).first(),
        tags=module.tags.all(),
        # Through collateral's own queryset, so drafts and archived assets stay hidden from reps.
        related_assets=Asset.objects.for_user(request.user).filter(modules=module).select_related("current_version"),
    )
    response = render(request, "training/module.html", context, status=context.pop("status", 200))
    # Frames are allowed from this module's allowlisted video host, on this page only.
    return _allow_source(response, "frame-src", video_url) if video_url else response


def _quiz_panel(
    request: AuthenticatedHttpRequest, module: Module, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context["module"] = module
    if request.htmx:
        context["progress"] = ModuleProgress.objects.filter(user=request.user, module=module).first()
        return render(request, "training/partials/quiz.html", context, status=status)
    # Without htmx the whole module page is the answer.
    return _module_page(request, module, {**context, "status": status})


@permission_required("training.view_modules")
def module_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    module = get_object_or_404(Module.objects.for_user(request.user), pk=pk)
    # Opening a module is what "started" means: the first visit records it (idempotent).
    services.module_start(user=request.user, module=module)
    quiz = Quiz.objects.filter(module=module).first()
    context = _quiz_context(request, module, quiz)
    if quiz is None:
        context["next"] = selectors.next_step(request.user, module)
    return _module_page(request, module, context)


@permission_required("training.view_modules")
def quiz(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the quiz panel as it stands; POST: submit the open attempt's answers."""
    module = get_object_or_404(Module.objects.for_user(request.user), pk=pk)
    quiz = get_object_or_404(Quiz, module=module)
    if request.method != "POST":
        return _quiz_panel(request, module, _quiz_context(request, module, quiz))
    attempt_id = request.POST.get("attempt", "")
    attempt = (
        QuizAttempt.objects.filter(user=request.user, quiz=quiz, pk=int(attempt_id)).first()
        # Within a database id's range: SQLite raises OverflowError on a larger number.
        if attempt_id.isdigit() and len(attempt_id) < 19
        else None
    )
    if attempt is None:
        context = _quiz_context(request, module, quiz)
        context["error"] = "This attempt is not yours or no longer exists: start the quiz again."
        return _quiz_panel(request, module, context, status=400)
    shown = selectors.attempt_questions(attempt)
    answers = {item.question.pk: _chosen(request, item) for item in shown}
    try:
        submitted = services.quiz_attempt_submit(attempt=attempt, answers=answers)
    except ValidationError as error:
        context = _quiz_context(request, module, quiz)
        # Unanswered questions come keyed by question; anything else is one message for the panel.
        if hasattr(error, "error_dict"):
            context["missing"] = {pk for pk, chosen in answers.items() if not chosen}
            context["chosen_ids"] = set().union(*answers.values())
        else:
            context["error"] = " ".join(error.messages)
        return _quiz_panel(request, module, context, status=400)
    return _quiz_panel(request, module, _quiz_context(request, module, quiz, result=submitted))


@require_POST
@permission_required("training.view_modules")
def quiz_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Draw a new attempt (or show the open one); refused during the cool-down or with no attempts left."""
    module = get_object_or_404(Module.objects.for_user(request.user), pk=pk)
    quiz = get_object_or_404(Quiz, module=module)
    try:
        services.quiz_attempt_start(user=request.user, quiz=quiz)
    except ValidationError as error:
        context = _quiz_context(request, module, quiz)
        context["error"] = " ".join(error.messages)
        return _quiz_panel(request, module, context, status=409)
    if request.htmx:
        return _quiz_panel(request, module, _quiz_context(request, module, quiz))
    return redirect(f"{module.get_absolute_url()}#quiz")


def _chosen(request: AuthenticatedHttpRequest, item: selectors.ShownQuestion) -> set[int]:
    # Only the choices shown for the question count: a forged id from another question is ignored.
    own = {c.pk for c in item.choices}
    return {int(v) for v in request.POST.getlist(f"question-{item.question.pk}") if v.isdigit() and int(v) in own}


@permission_required("training.view_learning")
def refresher(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A refresher's questions (GET), then its result with the answers and the module's retention (POST)."""
    item = get_object_or_404(Refresher.objects.for_user(request.user).select_related("module"), pk=pk)
    questions = list(item.questions.prefetch_related("choices"))
    context: dict[str, Any] = {"refresher": item, "questions": questions}
    status = 200
    if request.method == "POST":
        answers = {q.pk: {int(v) for v in request.POST.getlist(f"question-{q.pk}") if v.isdigit()} for q in questions}
        try:
            services.refresher_answer(refresher=item, answers=answers)
        except ValidationError as error:
            status = 400
            if hasattr(error, "error_dict"):
                context["missing"] = {pk for pk, chosen in answers.items() if not chosen}
            else:
                context["error"] = " ".join(error.messages)
            context["chosen_ids"] = set().union(*answers.values())
        else:
            item.refresh_from_db()
            context["answers"] = answers
            context["progress"] = ModuleProgress.objects.filter(user=request.user, module=item.module).first()
    context["due"] = item.answered_at is None and item.due_on <= timezone.localdate()
    return render(request, "training/refresher.html", context, status=status)


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


def _review_for(request: AuthenticatedHttpRequest, pk: int) -> CallReview:
    return get_object_or_404(
        CallReview.objects.for_user(request.user)
        .select_related("rep", "reviewer", "scorecard")
        .prefetch_related(
            Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion")),
            Prefetch(
                "comments",
                queryset=ReviewComment.objects.filter(parent=None)
                .select_related("author")
                .prefetch_related(Prefetch("replies", queryset=ReviewComment.objects.select_related("author"))),
                to_attr="threads",
            ),
        ),
        pk=pk,
    )


def _review_page(
    request: AuthenticatedHttpRequest,
    review: CallReview,
    comment_form: ReviewCommentForm | None = None,
    reply_forms: dict[int, ReplyForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    recording = playable_recording_url(review.recording_url)
    panel = call_panel(review)
    can_comment = request.user.has_perm("training.comment_on_review", review)
    speakers = panel.transcript.speakers if panel.transcript else []
    context = {
        "review": review,
        "recording": recording,
        "call": panel,
        "speaker_form": RepSpeakerForm(
            initial={"speaker": panel.transcript and panel.transcript.rep_speaker}, speakers=speakers
        )
        if can_comment and panel.transcript
        else None,
        "can_comment": can_comment,
        "can_reply": request.user.has_perm("training.reply_on_review", review),
        "comment_form": comment_form or ReviewCommentForm(),
        "reply_forms": reply_forms or {},
    }
    response = render(request, "training/review.html", context, status=status)
    # The recording plays inline only from an allowlisted host, and only on this page.
    return _allow_source(response, "media-src", recording) if recording else response


@permission_required("training.view_reviews")
def review_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _review_for(request, pk))


@require_POST
@permission_required("training.view_reviews")
def review_comment_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review_for(request, pk)
    if not request.user.has_perm("training.comment_on_review", review):
        raise PermissionDenied("Only a coach of this rep comments on the call.")
    form = ReviewCommentForm(request.POST)
    if form.is_valid():
        try:
            services.review_comment_add(
                review=review, author=request.user, at_seconds=form.cleaned_data["at"], text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Comment added at {format_timestamp(form.cleaned_data['at'])}.")
            return redirect(review)
    return _review_page(request, review, comment_form=form, status=400)


@require_POST
@permission_required("training.view_reviews")
def review_comment_reply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(_comments_for(request), pk=pk, parent=None)
    review = _review_for(request, comment.review_id)
    if not request.user.has_perm("training.reply_on_review", review):
        raise PermissionDenied("Only the reviewed rep and their coaches answer comments.")
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.review_comment_reply(parent=comment, author=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Answer added.")
            return redirect(f"{review.get_absolute_url()}#comment-{comment.pk}")
    return _review_page(request, review, reply_forms={comment.pk: form}, status=400)


@permission_required("training.view_reviews")
def review_comment_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Its author changes a comment's text and (unless it is an answer) its moment."""
    comment = get_object_or_404(_comments_for(request).select_related("review"), pk=pk)
    if not request.user.has_perm("training.change_review_comment", comment):
        raise PermissionDenied("Only its author edits a comment.")
    form_class = ReplyForm if comment.parent_id else ReviewCommentForm
    initial = {"text": comment.text, "at": comment.at_seconds}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_comment_edit(
                comment=comment, by=request.user, text=form.cleaned_data["text"], at_seconds=form.cleaned_data.get("at")
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Comment changed.")
            return redirect(f"{comment.review.get_absolute_url()}#comment-{comment.parent_id or comment.pk}")
    context = {"form": form, "comment": comment, "review": comment.review}
    return render(request, "training/comment_edit.html", context, status=400 if form.errors else 200)


def _comments_for(request: AuthenticatedHttpRequest) -> Any:
    # A comment is visible with its review: another team's is a 404.
    return ReviewComment.objects.filter(review__in=CallReview.objects.for_user(request.user))


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
    hosts = sorted(RecordingHost.objects.values_list("host", flat=True))
    context = {"form": form, "rep": rep, "scorecard": scorecard, "scorecards": scorecards, "recording_hosts": hosts}
    response = render(request, "training/review_form.html", context, status=400 if form.errors else 200)
    if hosts:
        # The recording typed in the form plays there: media from the allowlisted hosts, on this page only.
        response._csp_update = {"media-src": [f"https://{host}" for host in hosts]}  # type: ignore[attr-defined]
    return response


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
    retention_modules, retention_rows = selectors.team_retention(viewer=request.user)
    context = {
        "rows": rows,
        "columns": columns,
        "sort": sort,
        "descending": descending,
        "retention_modules": retention_modules,
        "retention_rows": retention_rows,
        "certifications": selectors.certification_statuses(viewer=request.user),
        "call_trends": call_trends(viewer=request.user, today=timezone.localdate()),
    }
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
    certifications = [row for row in selectors.certification_statuses(viewer=request.user) if row.user == person]
    context = {"person": person, "programs": programs, "reviews": reviews, "certifications": certifications}
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
