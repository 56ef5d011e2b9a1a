"""Adding a module to a program: due from that day for those enrolled, nobody overdue at once, announced."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.training.factories import ModuleFactory, program_with_modules
from training.models import Enrollment, ModuleDueDate, Update, UpdateKind
from training.selectors import programs_of, team_learning
from training.services import enrollment_enrol, module_complete, program_module_add

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def test_a_module_added_is_due_from_that_day_and_nobody_is_overdue_at_once(rep, teammate, manager):
    program = program_with_modules(2, onboarding=False, due_days=14)
    # Rep enrolled 40 days ago and finished; teammate enrolled 10 days ago, due in 4 days.
    done, _ = enrollment_enrol(user=rep, program=program, start=TODAY - timedelta(days=40))
    for program_module in program.program_modules.all():
        module_complete(user=rep, module=program_module.module)
    open_one, _ = enrollment_enrol(user=teammate, program=program, start=TODAY - timedelta(days=10))
    new = ModuleFactory(title="New pricing")

    program_module_add(program=program, module=new, by=manager, today=TODAY)

    due = TODAY + timedelta(days=14)
    assert ModuleDueDate.objects.get(enrollment=done, module=new).due_date == due
    assert ModuleDueDate.objects.get(enrollment=open_one, module=new).due_date == due
    done.refresh_from_db()
    assert done.completed_at is None  # open again for the new module
    assert not Enrollment.objects.overdue(today=TODAY).exists()
    assert not done.is_overdue(today=TODAY)
    [progress] = programs_of(rep)
    assert progress.due_date(new) == due and not progress.is_overdue(TODAY)
    rows = {row.pk: row.overdue_modules for row in team_learning(viewer=manager, today=TODAY)}
    assert rows == {rep.pk: 0, teammate.pk: 0}
    # The old modules keep their own due date: the teammate is overdue on them after day 4, not on the new one.
    later = TODAY + timedelta(days=5)
    rows = {row.pk: row.overdue_modules for row in team_learning(viewer=manager, today=later)}
    assert rows == {rep.pk: 0, teammate.pk: 2}
    # And on the new one too once its own date has passed.
    rows = {row.pk: row.overdue_modules for row in team_learning(viewer=manager, today=due + timedelta(days=1))}
    assert rows == {rep.pk: 1, teammate.pk: 3}
    assert set(Enrollment.objects.overdue(today=due + timedelta(days=1))) == {done, open_one}


def test_the_change_is_announced_to_the_programs_audience(rep, other_rep, manager):
    program = program_with_modules(1, onboarding=False, due_days=30, target_role=Role.REP)
    enrollment_enrol(user=rep, program=program)
    enrollment_enrol(user=other_rep, program=program)
    program_module_add(program=program, module=ModuleFactory(title="Security review"), by=manager, today=TODAY)
    update = Update.objects.get()
    assert update.title == f"New in {program}: Security review"
    assert "due by 01 Apr 2026, 30 days from today" in update.body
    assert (update.kind, update.audience_role, update.requires_acknowledgement) == (UpdateKind.PROCESS, "rep", True)
    assert set(update.audience_teams.all()) == {rep.team, other_rep.team}
    assert update.published_at is not None and update.created_by == manager


def test_a_program_nobody_is_enrolled_in_announces_nothing(manager):
    program = program_with_modules(1, onboarding=False)
    program_module_add(program=program, module=ModuleFactory(), by=manager)
    assert not Update.objects.exists() and not ModuleDueDate.objects.exists()


def test_someone_enrolled_after_the_module_was_added_keeps_their_own_due_date(rep, manager):
    program = program_with_modules(1, onboarding=False, due_days=14)
    program_module_add(program=program, module=ModuleFactory(), by=manager, today=TODAY)
    enrollment, _ = enrollment_enrol(user=rep, program=program, start=TODAY + timedelta(days=3))
    assert not ModuleDueDate.objects.filter(enrollment=enrollment).exists()
    assert enrollment.due_date == TODAY + timedelta(days=17)


def test_adding_a_module_in_the_admin_gives_the_fair_due_dates(client, admin, rep):
    program = program_with_modules(1, onboarding=False, due_days=14)
    enrollment, _ = enrollment_enrol(user=rep, program=program, start=TODAY - timedelta(days=40))
    existing = program.program_modules.get()
    new = ModuleFactory(title="Added in admin")
    client.force_login(admin)
    prefix = "program_modules"
    response = client.post(
        reverse("admin:training_program_change", args=[program.pk]),
        {
            "name": program.name,
            "description": "",
            "target_role": program.target_role,
            "due_days": 14,
            "onboarding": "",
            "active": "on",
            f"{prefix}-TOTAL_FORMS": 2,
            f"{prefix}-INITIAL_FORMS": 1,
            f"{prefix}-0-id": existing.pk,
            f"{prefix}-0-program": program.pk,
            f"{prefix}-0-module": existing.module_id,
            f"{prefix}-0-order": 0,
            f"{prefix}-1-program": program.pk,
            f"{prefix}-1-module": new.pk,
            f"{prefix}-1-order": 1,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ModuleDueDate.objects.get(enrollment=enrollment, module=new).due_date > enrollment.due_date
    assert Update.objects.filter(title__contains="Added in admin").exists()
