"""Certifications: granted on completion with a minimum score, expiring, lapsed, renewed before expiry;
seen by managers on the team page and over the API, and by telemetry through a selector."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Scope
from accounts.services import api_key_create
from tests.training.factories import ModuleFactory, ProgramFactory, QuizFactory, add_question
from training.models import Certification, CertificationGrant, CertificationStatus, Enrollment, ModuleProgress
from training.selectors import certification_status_by_rep, certification_statuses
from training.services import enrollment_enrol, module_complete, quiz_submit
from training.tasks import renew_certifications

pytestmark = pytest.mark.django_db

DAY_0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
API = "/api/v1/training/certifications"


@pytest.fixture
def certified_program():
    """A program of a quiz module and a reading module; its certification needs 75 %, lasts 90 days,
    and renews 14 days before it expires."""
    program = ProgramFactory(name="Security selling", onboarding=False, due_days=30)
    quiz = QuizFactory(pass_mark=50)
    for n in range(4):
        add_question(quiz, f"Q{n}?", [("Right", True), ("Wrong", False)])
    reading = ModuleFactory(title="Reading")
    program.program_modules.create(module=quiz.module, order=0)
    program.program_modules.create(module=reading, order=1)
    Certification.objects.create(
        program=program, name="Certified security seller", min_score=75, valid_days=90, renew_days_before=14
    )
    program.quiz, program.reading = quiz, reading
    return program


def complete(rep, program, right: int) -> None:
    """Pass the program's quiz with `right` of 4 questions right, and read the reading module."""
    answers = {}
    for index, question in enumerate(program.quiz.questions.prefetch_related("choices")):
        answers[question.pk] = {c.pk for c in question.choices.all() if c.is_correct == (index < right)}
    quiz_submit(user=rep, quiz=program.quiz, answers=answers)
    if not ModuleProgress.objects.filter(user=rep, module=program.reading, completed_at__isnull=False).exists():
        module_complete(user=rep, module=program.reading)


def test_completing_the_program_with_the_minimum_score_grants_the_certification(rep, certified_program):
    with time_machine.travel(DAY_0, tick=False):
        enrollment_enrol(user=rep, program=certified_program)
        complete(rep, certified_program, right=3)  # 75 %
    grant = CertificationGrant.objects.get(user=rep)
    assert (grant.score, grant.expires_on, grant.valid_until) == (75, date(2026, 5, 31), date(2026, 5, 30))
    assert grant.status(date(2026, 5, 16)) == CertificationStatus.CERTIFIED
    assert grant.status(date(2026, 5, 17)) == CertificationStatus.EXPIRING  # 14 days before 31 May
    assert grant.status(date(2026, 5, 31)) == CertificationStatus.LAPSED


def test_below_the_minimum_score_there_is_no_certification_until_a_retake_raises_it(rep, certified_program):
    enrollment_enrol(user=rep, program=certified_program)
    complete(rep, certified_program, right=2)  # 50 %: passes the quiz, completes the program
    assert Enrollment.objects.get(user=rep).completed_at is not None
    assert not CertificationGrant.objects.exists()
    complete(rep, certified_program, right=4)  # taken again: best score 100 %
    assert CertificationGrant.objects.get(user=rep).score == 100


def test_the_holder_is_re_enrolled_before_expiry_and_renewing_loses_no_days(rep, certified_program):
    with time_machine.travel(DAY_0, tick=False) as clock:
        enrollment_enrol(user=rep, program=certified_program)
        complete(rep, certified_program, right=4)
        first = CertificationGrant.objects.get()
        clock.move_to(datetime(2026, 5, 16, 12, tzinfo=UTC))  # the day before the renewal window
        assert renew_certifications() == 0
        clock.shift(timedelta(days=1))  # 17 May: 14 days before it expires
        assert renew_certifications() == 1
        assert renew_certifications() == 0  # once per grant
        enrollment = Enrollment.objects.get(user=rep)
        assert enrollment.completed_at is None and enrollment.due_date == date(2026, 5, 30)
        progress = ModuleProgress.objects.get(user=rep, module=certified_program.quiz.module)
        assert (progress.completed_at, progress.best_score, progress.attempts) == (None, None, 0)
        [row] = certification_statuses(viewer=rep)
        assert row.status == CertificationStatus.EXPIRING and row.grant == first
        complete(rep, certified_program, right=4)
    renewed = CertificationGrant.objects.exclude(pk=first.pk).get()
    # Renewed on 17 May: valid 90 days on from the old expiry (31 May), not from today.
    assert renewed.expires_on == date(2026, 8, 29)
    assert [row.grant for row in certification_statuses(viewer=rep)] == [renewed]


def test_a_certification_not_renewed_lapses(rep, certified_program):
    with time_machine.travel(DAY_0, tick=False):
        enrollment_enrol(user=rep, program=certified_program)
        complete(rep, certified_program, right=4)
    [row] = certification_statuses(viewer=rep, today=date(2026, 6, 1))
    assert row.status == CertificationStatus.LAPSED
    assert certification_status_by_rep(today=date(2026, 6, 1)) == {rep.pk: [row]}


def grant(user, certification, granted: date, days: int) -> CertificationGrant:
    return CertificationGrant.objects.create(
        certification=certification,
        user=user,
        granted_at=datetime.combine(granted, datetime.min.time(), tzinfo=UTC),
        expires_on=granted + timedelta(days=days),
        score=90,
    )


@pytest.fixture
def three_states(rep, teammate, other_rep, certified_program):
    """On 1 Jun 2026: rep certified, teammate expiring, other_rep (another team) lapsed."""
    certification = certified_program.certification
    grant(rep, certification, date(2026, 5, 1), 90)
    grant(teammate, certification, date(2026, 3, 15), 90)  # expires 13 Jun: renewal window open
    grant(other_rep, certification, date(2026, 1, 1), 90)  # expired 1 Apr
    return certification


def test_the_manager_sees_who_is_certified_expiring_and_lapsed_on_the_team_page(client, manager, three_states):
    client.force_login(manager)
    with time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=UTC), tick=False):
        client.force_login(manager)
        page = client.get(reverse("training:team")).content.decode()
    assert "Certified security seller" in page
    assert '<td class="cert-certified"><span class="state-done">Certified</span>' in page
    assert '<td class="cert-expiring"><strong>Expiring</strong>' in page
    assert "charlie.rep" not in page and "cert-lapsed" not in page  # another team's rep


def test_the_api_lists_certifications_the_caller_may_see(manager, other_manager, three_states, rep, teammate):
    _, token = api_key_create(name="LMS sync", scopes=[Scope.TRAINING_READ], acts_for=manager)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    with time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=UTC), tick=False):
        body = client.get(API).json()
        expiring = client.get(API, {"status": "expiring"}).json()
        by_person = client.get(API, {"person": rep.username}).json()
        bad = client.get(API, {"status": "gold"})
    assert body["asOf"] == "2026-06-01"
    assert {(i["person"], i["status"]) for i in body["items"]} == {
        (rep.username, "certified"),
        (teammate.username, "expiring"),
    }
    item = next(i for i in body["items"] if i["person"] == teammate.username)
    assert item | {"grantedAt": None} == {
        "person": teammate.username,
        "personName": teammate.get_full_name(),
        "team": teammate.team.name,
        "certification": "Certified security seller",
        "program": "Security selling",
        "status": "expiring",
        "grantedAt": None,
        "validUntil": "2026-06-12",
        "score": 90,
        "renewalStarted": False,
    }
    assert [i["person"] for i in expiring["items"]] == [teammate.username]
    assert [i["person"] for i in by_person["items"]] == [rep.username]
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"


def test_a_rep_reads_only_their_own_and_a_key_without_the_scope_is_refused(rep, other_manager, three_states):
    _, mine = api_key_create(name="Rep's", scopes=[Scope.TRAINING_READ], acts_for=rep)
    with time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=UTC), tick=False):
        items = Client(HTTP_AUTHORIZATION=f"Bearer {mine}").get(API).json()["items"]
        _, other = api_key_create(name="Other", scopes=[Scope.TRAINING_READ], acts_for=other_manager)
        lapsed = Client(HTTP_AUTHORIZATION=f"Bearer {other}").get(API).json()["items"]
    assert [i["person"] for i in items] == [rep.username]
    assert [(i["person"], i["status"]) for i in lapsed] == [("charlie.rep", "lapsed")]
    _, deals_only = api_key_create(name="Deals", scopes=[Scope.DEALS_READ], acts_for=rep)
    refused = Client(HTTP_AUTHORIZATION=f"Bearer {deals_only}").get(API)
    assert refused.status_code == 403 and "training:read" in refused.json()["detail"]


def test_marketing_has_no_certifications_to_read(client, marketing):
    client.force_login(marketing)
    assert client.get(API).status_code == 403
