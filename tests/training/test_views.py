"""The rep's and the manager's learning pages: access rules, forms, the team table."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from tests.accounts.factories import UserFactory
from tests.test_security import assert_no_inline_script
from tests.training.factories import (
    CallReviewFactory,
    ModuleFactory,
    ProgramFactory,
    QuizFactory,
    UpdateFactory,
    add_question,
    program_with_modules,
    scorecard_with,
)
from training.models import (
    MAX_REVIEW_COMMENTS,
    CallReview,
    CriterionScore,
    Enrollment,
    ModuleProgress,
    QuizAttempt,
    RecordingHost,
    VideoHost,
)
from training.services import enrollment_enrol, module_complete, quiz_submit, update_acknowledge

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# Access rules
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["training:home", "training:updates", "training:reviews", "training:team", "training:enrol"]
)
def test_pages_need_a_log_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_rep_cannot_open_another_reps_call_review(client, rep, teammate, manager):
    theirs = CallReviewFactory(rep=teammate, reviewer=manager)
    mine = CallReviewFactory(rep=rep, reviewer=manager)
    client.force_login(rep)
    assert client.get(reverse("training:review", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("training:review", args=[mine.pk])).status_code == 200
    listing = client.get(reverse("training:reviews"))
    assert list(listing.context["reviews"]) == [mine]


def test_a_rep_cannot_open_another_reps_progress(client, rep, teammate):
    client.force_login(rep)
    assert client.get(reverse("training:person", args=[teammate.pk])).status_code == 404
    assert client.get(reverse("training:person", args=[rep.pk])).status_code == 200


def test_a_manager_sees_only_their_teams_reviews_and_progress(client, manager, rep, other_rep, other_manager):
    ours = CallReviewFactory(rep=rep, reviewer=manager)
    theirs = CallReviewFactory(rep=other_rep, reviewer=other_manager)
    client.force_login(manager)
    assert client.get(reverse("training:review", args=[ours.pk])).status_code == 200
    assert client.get(reverse("training:review", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("training:person", args=[other_rep.pk])).status_code == 404
    assert client.get(reverse("training:review_create", args=[other_rep.pk])).status_code == 404
    assert list(client.get(reverse("training:reviews")).context["reviews"]) == [ours]


def test_the_team_table_lists_only_the_managers_team(client, manager, rep, teammate, other_rep):
    client.force_login(manager)
    response = client.get(reverse("training:team"))
    assert {row.pk for row in response.context["rows"]} == {rep.pk, teammate.pk}


@pytest.mark.parametrize("url_name", ["training:team", "training:team_csv", "training:team_updates", "training:enrol"])
def test_reps_cannot_open_manager_pages(client, rep, url_name):
    client.force_login(rep)
    assert client.get(reverse(url_name)).status_code == 403


def test_a_rep_cannot_write_a_review(client, rep, teammate):
    scorecard_with("Discovery")
    client.force_login(rep)
    assert client.get(reverse("training:review_create", args=[teammate.pk])).status_code == 403


def test_a_rep_cannot_acknowledge_someone_elses_review(client, rep, teammate, manager):
    review = CallReviewFactory(rep=teammate, reviewer=manager)
    client.force_login(rep)
    assert client.post(reverse("training:review_acknowledge", args=[review.pk])).status_code == 404
    review.refresh_from_db()
    assert review.acknowledged_at is None


# ---------------------------------------------------------------------------
# Rep pages
# ---------------------------------------------------------------------------


def test_the_learning_page_shows_programs_progress_due_state_and_next_up(client, rep):
    program = program_with_modules(3, name="Rep onboarding", onboarding=False)
    enrollment_enrol(user=rep, program=program, start=timezone.localdate() - timedelta(days=60))
    first, second, _ = [pm.module for pm in program.program_modules.all()]
    module_complete(user=rep, module=first)
    client.force_login(rep)
    response = client.get(reverse("training:home"))
    page = response.content.decode()
    assert "1 of 3 modules done (33%)" in page
    assert "Overdue" in page
    assert response.context["next_module"] == second
    assert_no_inline_script(page)


def test_the_module_page_renders_sanitised_markdown_and_records_a_start(client, rep):
    module = ModuleFactory(body="Hello <script>alert(1)</script>**there** <img src=x onerror=alert(1)>")
    client.force_login(rep)
    response = client.get(reverse("training:module", args=[module.pk]))
    page = response.content.decode()
    assert "<strong>there</strong>" in page
    assert "alert(1)" not in page
    assert_no_inline_script(page)
    assert ModuleProgress.objects.filter(user=rep, module=module, completed_at=None).exists()


def test_the_module_page_lists_its_published_collateral_only(client, rep, admin):
    from collateral.services import asset_archive
    from tests.collateral.factories import published_asset

    battlecard = published_asset(title="Battlecard: Competitor X", by=admin)
    retired = published_asset(title="Old pricing sheet", by=admin)
    asset_archive(asset=retired, by=admin)
    module = ModuleFactory()
    module.related_assets.set([battlecard, retired])
    client.force_login(rep)
    page = client.get(reverse("training:module", args=[module.pk])).content.decode()
    assert "Collateral for this module" in page
    assert "Battlecard: Competitor X" in page and battlecard.get_permalink() in page
    assert "Old pricing sheet" not in page


def test_an_allowlisted_video_is_framed_and_allowed_by_this_pages_csp_only(client, rep):
    VideoHost.objects.create(host="player.vimeo.com")
    module = ModuleFactory(video_url="https://player.vimeo.com/video/1")
    client.force_login(rep)
    response = client.get(reverse("training:module", args=[module.pk]))
    assert '<iframe src="https://player.vimeo.com/video/1"' in response.content.decode()
    assert "frame-src https://player.vimeo.com" in response["Content-Security-Policy"]
    other = client.get(reverse("training:home"))
    assert "player.vimeo.com" not in other["Content-Security-Policy"]


def test_a_video_whose_host_left_the_allowlist_is_not_framed(client, rep):
    host = VideoHost.objects.create(host="player.vimeo.com")
    module = ModuleFactory(video_url="https://player.vimeo.com/video/1")
    host.delete()
    client.force_login(rep)
    response = client.get(reverse("training:module", args=[module.pk]))
    assert "<iframe" not in response.content.decode()
    assert "player.vimeo.com" not in response["Content-Security-Policy"]


@pytest.fixture
def quiz():
    quiz = QuizFactory(pass_mark=100)
    question = add_question(
        quiz, "First stage?", [("Lead in", True), ("Closing", False)], "Every deal starts as LeadIn."
    )
    quiz.right = question.choices.get(text="Lead in")
    quiz.wrong = question.choices.get(text="Closing")
    quiz.question = question
    return quiz


def start_attempt(client, quiz) -> QuizAttempt:
    response = client.post(reverse("training:quiz_start", args=[quiz.module.pk]))
    assert response.status_code == 302
    return QuizAttempt.objects.get(quiz=quiz, submitted_at__isnull=True)


def test_a_failed_attempt_says_what_was_wrong_and_a_pass_shows_the_answers(client, rep, quiz):
    client.force_login(rep)
    url = reverse("training:quiz", args=[quiz.module.pk])
    field = f"question-{quiz.question.pk}"
    attempt = start_attempt(client, quiz)
    response = client.post(url, {"attempt": attempt.pk, field: quiz.wrong.pk}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "Not passed yet" in page and "Try again" in page
    assert "Every deal starts as LeadIn." not in page and "(correct)" not in page
    retry = client.post(reverse("training:quiz_start", args=[quiz.module.pk]), headers={"HX-Request": "true"})
    assert "Submit answers" in retry.content.decode()
    attempt = QuizAttempt.objects.get(quiz=quiz, submitted_at__isnull=True)
    response = client.post(url, {"attempt": attempt.pk, field: quiz.right.pk}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "Passed" in page and "Every deal starts as LeadIn." in page
    progress = ModuleProgress.objects.get(user=rep, module=quiz.module)
    assert (progress.attempts, progress.best_score) == (2, 100)


def test_an_unanswered_quiz_says_which_question_and_counts_nothing(client, rep, quiz):
    client.force_login(rep)
    attempt = start_attempt(client, quiz)
    response = client.post(reverse("training:quiz", args=[quiz.module.pk]), {"attempt": attempt.pk})
    assert response.status_code == 400
    assert "Choose an answer to this question." in response.content.decode()
    assert not ModuleProgress.objects.filter(user=rep, attempts__gt=0).exists()


def test_a_forged_choice_from_another_question_is_ignored(client, rep, quiz):
    other = add_question(QuizFactory(), "Other?", [("Yes", True)])
    client.force_login(rep)
    attempt = start_attempt(client, quiz)
    client.post(
        reverse("training:quiz", args=[quiz.module.pk]),
        {"attempt": attempt.pk, f"question-{quiz.question.pk}": other.choices.get().pk},
    )
    assert not ModuleProgress.objects.filter(user=rep, attempts__gt=0).exists()


def test_another_persons_attempt_cannot_be_submitted(client, rep, teammate, quiz):
    client.force_login(teammate)
    theirs = start_attempt(client, quiz)
    client.force_login(rep)
    response = client.post(
        reverse("training:quiz", args=[quiz.module.pk]),
        {"attempt": theirs.pk, f"question-{quiz.question.pk}": quiz.right.pk},
    )
    assert response.status_code == 400
    assert "not yours" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.submitted_at is None


def test_the_updates_feed_acknowledges_and_the_nav_badge_counts_unread(client, rep):
    first = UpdateFactory(title="New pricing")
    UpdateFactory(title="Competitor launch", requires_acknowledgement=False)
    client.force_login(rep)
    response = client.get(reverse("training:updates"))
    badge = {link.label: link.badge for link in response.context["nav_links"]}
    assert badge["Updates"] == 2
    assert '<span class="nav-badge">2' in response.content.decode()
    client.post(reverse("training:update_acknowledge", args=[first.pk]))
    response = client.get(reverse("training:updates"))
    assert {link.label: link.badge for link in response.context["nav_links"]}["Updates"] == 1
    assert "Acknowledged" in response.content.decode()
    assert "Mark as read" in response.content.decode()


def test_the_navigation_marks_the_deepest_matching_page(client, rep):
    client.force_login(rep)
    response = client.get(reverse("training:updates"))
    current = [link.label for link in response.context["nav_links"] if link.current]
    assert current == ["Updates"]


def test_a_rep_reads_and_acknowledges_their_review(client, rep, manager):
    RecordingHost.objects.create(host="rec.example")
    review = CallReviewFactory(rep=rep, reviewer=manager, recording_url="https://rec.example/call.mp4")
    review.comments.create(at_seconds=95, text="Nice pause", author=manager)
    client.force_login(rep)
    response = client.get(reverse("training:review", args=[review.pk]))
    page = response.content.decode()
    assert 'href="https://rec.example/call.mp4#t=95" data-seconds="95">01:35</a>' in page
    assert "media-src https://rec.example" in response["Content-Security-Policy"]
    client.post(reverse("training:review_acknowledge", args=[review.pk]))
    review.refresh_from_db()
    assert review.acknowledged_at is not None


# ---------------------------------------------------------------------------
# Manager pages
# ---------------------------------------------------------------------------


def make_team_with_learning(manager, count: int) -> None:
    program = program_with_modules(4, onboarding=False)
    quiz = QuizFactory(module=program.program_modules.first().module, pass_mark=50)
    question = add_question(quiz, "Q?", [("Yes", True), ("No", False)])
    scorecard = scorecard_with("Discovery", "Next steps")
    criteria = list(scorecard.criteria.all())
    UpdateFactory()
    for index in range(count):
        person = UserFactory(role=Role.REP, team=manager.team, manager=manager, start_date=None)
        enrollment_enrol(user=person, program=program, start=timezone.localdate() - timedelta(days=40 * (index % 2)))
        quiz_submit(user=person, quiz=quiz, answers={question.pk: {question.choices.first().pk}})
        review = CallReviewFactory(rep=person, reviewer=manager, scorecard=scorecard)
        CriterionScore.objects.bulk_create([CriterionScore(review=review, criterion=c, score=3) for c in criteria])


@pytest.mark.parametrize("size", [5, 50])
def test_the_team_table_query_count_is_flat(client, manager, size, django_assert_num_queries):
    make_team_with_learning(manager, size)
    client.force_login(manager)
    # session, user, nav badge, the table's one annotated query, last reviews and their scores,
    # the retention table, the certifications, the call trends and their findings.
    with django_assert_num_queries(10):
        response = client.get(reverse("training:team") + "?sort=completion&dir=desc")
    assert len(response.context["rows"]) == size
    with django_assert_num_queries(5):
        client.get(reverse("training:team_csv"))


def test_the_team_table_figures(client, manager, rep, teammate):
    program = program_with_modules(4, onboarding=False, due_days=10)
    modules = [pm.module for pm in program.program_modules.all()]
    quiz = QuizFactory(module=modules[0], pass_mark=100)
    question = add_question(quiz, "Q?", [("Yes", True), ("No", False)])
    enrollment_enrol(user=rep, program=program, start=timezone.localdate() - timedelta(days=30))
    enrollment_enrol(user=teammate, program=program)
    quiz_submit(user=rep, quiz=quiz, answers={question.pk: {question.choices.get(text="Yes").pk}})
    module_complete(user=rep, module=modules[1])
    quiz_submit(user=teammate, quiz=quiz, answers={question.pk: {question.choices.get(text="No").pk}})
    acknowledged, _ = UpdateFactory(), UpdateFactory()
    UpdateFactory(audience_role=Role.MANAGER)
    update_acknowledge(update=acknowledged, user=rep)
    scorecard = scorecard_with("Discovery")
    old = CallReviewFactory(
        rep=rep, reviewer=manager, scorecard=scorecard, call_date=timezone.localdate() - timedelta(days=9)
    )
    CriterionScore.objects.create(review=old, criterion=scorecard.criteria.get(), score=1)
    latest = CallReviewFactory(rep=rep, reviewer=manager, scorecard=scorecard)
    CriterionScore.objects.create(review=latest, criterion=scorecard.criteria.get(), score=4)

    client.force_login(manager)
    rows = {row.pk: row for row in client.get(reverse("training:team")).context["rows"]}
    mine, theirs = rows[rep.pk], rows[teammate.pk]
    assert (mine.completion, mine.overdue_modules, mine.average_score, mine.unacknowledged) == (50, 2, 100, 1)
    assert (theirs.completion, theirs.overdue_modules, theirs.average_score, theirs.unacknowledged) == (0, 0, 0, 2)
    assert mine.last_review == latest
    assert [s.score for s in mine.last_review.scores.all()] == [4]
    assert theirs.last_review is None


def test_the_team_table_sorts_both_ways(client, manager, rep, teammate):
    program = program_with_modules(2, onboarding=False)
    enrollment_enrol(user=rep, program=program)
    enrollment_enrol(user=teammate, program=program)
    module_complete(user=teammate, module=program.modules.first())
    client.force_login(manager)
    descending = client.get(reverse("training:team") + "?sort=completion&dir=desc").context["rows"]
    ascending = client.get(reverse("training:team") + "?sort=completion&dir=asc").context["rows"]
    assert [r.pk for r in descending] == [teammate.pk, rep.pk]
    assert [r.pk for r in ascending] == [rep.pk, teammate.pk]
    assert client.get(reverse("training:team") + "?sort=password").status_code == 200


def test_the_team_csv_has_a_row_per_rep(client, manager, rep, teammate):
    rep.last_name = "=HYPERLINK(1)"
    rep.save()
    client.force_login(manager)
    response = client.get(reverse("training:team_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["username"] for r in rows} == {rep.username, teammate.username}
    assert all(not r["rep"].startswith("=") for r in rows)
    assert set(rows[0]) >= {"completion_percent", "overdue_modules", "average_quiz_score", "unacknowledged_updates"}


def test_a_manager_writes_a_review_with_timestamped_comments(client, manager, rep):
    scorecard = scorecard_with("Discovery", "Next steps")
    discovery, next_steps = scorecard.criteria.all()
    client.force_login(manager)
    url = reverse("training:review_create", args=[rep.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "call_date": timezone.localdate().isoformat(),
            "recording_url": "https://rec.example/1.mp4",
            f"score_{discovery.pk}": "4",
            f"score_{next_steps.pk}": "2",
            "comments": "04:10 Agree a next step before hanging up\n\n00:45 Good opening question",
            "notes": "Solid call.",
        },
    )
    review = CallReview.objects.get()
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
    assert [(c.at_seconds, c.text) for c in review.comments.all()] == [
        (45, "Good opening question"),
        (250, "Agree a next step before hanging up"),
    ]


def test_a_manager_picks_another_scorecard_and_a_bad_one_is_a_404(client, manager, rep):
    scorecard_with("Discovery")
    demo = scorecard_with("Demo quality")
    client.force_login(manager)
    url = reverse("training:review_create", args=[rep.pk])
    response = client.get(url, {"scorecard": demo.pk})
    assert [c.name for c in response.context["form"].criteria] == ["Demo quality"]
    assert client.get(url, {"scorecard": "x"}).status_code == 200
    assert client.get(url, {"scorecard": "999999"}).status_code == 404


def test_a_bad_review_form_says_what_is_wrong_and_saves_nothing(client, manager, rep):
    scorecard = scorecard_with("Discovery")
    client.force_login(manager)
    response = client.post(
        reverse("training:review_create", args=[rep.pk]),
        {
            "call_date": (timezone.localdate() + timedelta(days=2)).isoformat(),
            "recording_url": "javascript:alert(1)",
            f"score_{scorecard.criteria.get().pk}": "9",
            "comments": "4:99 wrong seconds\nno timestamp",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) >= {"call_date", "recording_url", f"score_{scorecard.criteria.get().pk}", "comments"}
    assert "Line 1" in errors["comments"][0] and "Line 2" in errors["comments"][1]
    assert not CallReview.objects.exists()


def test_a_review_with_50_000_comment_lines_is_a_form_error_and_saves_nothing(client, manager, rep):
    scorecard = scorecard_with("Discovery")
    client.force_login(manager)
    data = {
        "call_date": timezone.localdate().isoformat(),
        "transcript": "…",
        f"score_{scorecard.criteria.get().pk}": "3",
    }
    url = reverse("training:review_create", args=[rep.pk])
    response = client.post(url, {**data, "comments": "\n".join("01:02 x" for _ in range(50_000))})
    assert response.status_code == 400
    assert "at most 50000 characters" in response.context["form"].errors["comments"][0]
    response = client.post(url, {**data, "comments": "\n".join("1:02 x" for _ in range(MAX_REVIEW_COMMENTS + 1))})
    assert response.status_code == 400
    assert f"At most {MAX_REVIEW_COMMENTS} comments" in response.context["form"].errors["comments"][0]
    assert not CallReview.objects.exists()


def test_a_manager_enrols_people_and_is_told_what_is_missing(client, manager, rep, teammate, other_rep):
    program = ProgramFactory(name="Negotiation", onboarding=False)
    client.force_login(manager)
    response = client.post(reverse("training:enrol"), {"program": program.pk})
    assert response.status_code == 400
    assert "Choose people or a team" in response.content.decode()
    response = client.post(reverse("training:enrol"), {"program": program.pk, "people": [other_rep.pk]})
    assert response.status_code == 400
    assert not Enrollment.objects.exists()
    response = client.post(reverse("training:enrol"), {"program": program.pk, "teams": [other_rep.team_id]})
    assert response.status_code == 400
    response = client.post(reverse("training:enrol"), {"program": program.pk, "teams": [rep.team_id]})
    assert response.status_code == 302
    assert set(Enrollment.objects.values_list("user", flat=True)) == {rep.pk, teammate.pk}


def test_an_admin_enrols_any_team(client, admin, other_rep, rep):
    program = ProgramFactory(name="Negotiation", onboarding=False)
    client.force_login(admin)
    response = client.post(reverse("training:enrol"), {"program": program.pk, "teams": [other_rep.team_id]})
    assert response.status_code == 302
    assert list(Enrollment.objects.values_list("user", flat=True)) == [other_rep.pk]


def test_a_manager_sees_who_has_not_acknowledged(client, manager, rep, teammate, other_rep):
    update = UpdateFactory(title="Price change")
    update_acknowledge(update=update, user=rep)
    client.force_login(manager)
    response = client.get(reverse("training:team_updates"))
    [row] = response.context["rows"]
    assert row.update == update and row.done == [rep] and row.pending == [teammate]
    # "of N" is the audience on the team: the two reps, not the manager and not another team.
    assert "1 of 2" in response.content.decode()


# ---------------------------------------------------------------------------
# Every page: CSP-clean, and list pages with flat query counts
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["rep", "manager", "admin"])
def test_every_training_page_is_csp_clean(client, request, persona, rep, manager):
    from tests.test_security import assert_csp_with_nonce

    make_team_with_learning(manager, 2)
    review = CallReview.objects.first()
    module = ModuleFactory()
    user = request.getfixturevalue(persona)
    client.force_login(user)
    # Programs are assigned to reps and managers: an enablement admin has no learning home.
    urls = [reverse("training:home")] if persona != "admin" else []
    urls += [
        reverse("training:updates"),
        reverse("training:reviews"),
        reverse("training:module", args=[module.pk]),
        reverse("training:person", args=[user.pk]),
    ]
    if persona != "rep":
        urls += [
            reverse("training:team"),
            reverse("training:team_updates"),
            reverse("training:enrol"),
            reverse("training:review", args=[review.pk]),
            reverse("training:review_create", args=[review.rep_id]),
        ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_csp_with_nonce(response)
        assert_no_inline_script(response.content.decode())


@pytest.mark.parametrize("size", [3, 30])
def test_the_rep_and_manager_lists_keep_their_query_counts(client, manager, rep, size, django_assert_max_num_queries):
    program = program_with_modules(size, onboarding=False)
    enrollment_enrol(user=rep, program=program)
    for index in range(size):
        update = UpdateFactory()
        if index % 2:
            update_acknowledge(update=update, user=rep)
        CallReviewFactory(rep=rep, reviewer=manager)
    client.force_login(rep)
    # The learning home also reads the modules' own due dates and the rep's certifications: 11.
    for url_name in ["training:home", "training:updates", "training:reviews"]:
        with django_assert_max_num_queries(11):
            assert client.get(reverse(url_name)).status_code == 200
    client.force_login(manager)
    for url_name in ["training:team_updates", "training:reviews"]:
        with django_assert_max_num_queries(9):
            assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize(("persona", "offered"), [("manager", True), ("admin", True), ("rep", False)])
def test_the_review_a_call_button_shows_for_whoever_may_review(client, request, rep, persona, offered):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("training:person", args=[rep.pk])).content.decode()
    assert (reverse("training:review_create", args=[rep.pk]) in page) == offered


# ---------------------------------------------------------------------------
# Numbers that reconcile
# ---------------------------------------------------------------------------
def test_completion_is_the_same_on_the_team_table_and_the_persons_page(client, manager, rep):
    # 9 of 11 modules is 81.8 %: 82 % everywhere (rounded half up once, in one function).
    program = program_with_modules(11, onboarding=False)
    enrollment_enrol(user=rep, program=program)
    for program_module in program.program_modules.all()[:9]:
        module_complete(user=rep, module=program_module.module)
    client.force_login(manager)
    [row] = client.get(reverse("training:team")).context["rows"]
    assert row.completion == 82
    assert "(82%)" in client.get(reverse("training:person", args=[rep.pk])).content.decode()


def test_a_manager_is_not_an_unread_reader_of_rep_only_updates(client, manager, rep):
    for_reps = UpdateFactory(title="For reps", audience_role=Role.REP)
    for_managers = UpdateFactory(title="For managers", audience_role=Role.MANAGER)
    client.force_login(manager)
    response = client.get(reverse("training:updates"))
    assert {link.label: link.badge for link in response.context["nav_links"]}["Updates"] == 1
    by_title = {update.title: update for update in response.context["updates"]}
    assert (by_title["For reps"].for_me, by_title["For managers"].for_me) == (False, True)
    page = response.content.decode()
    assert "for your team's sales rep" in page
    assert reverse("training:update_acknowledge", args=[for_reps.pk]) not in page
    assert reverse("training:update_acknowledge", args=[for_managers.pk]) in page
