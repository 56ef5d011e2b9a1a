import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from accounts.models import User
from training import models
from training.selectors import team_learning

TABLES = [
    models.VideoHost, models.Module, models.Quiz, models.Question, models.Choice, models.Program,
    models.ProgramModule, models.Enrollment, models.ModuleProgress, models.Update, models.Acknowledgement,
    models.Scorecard, models.Criterion, models.CallReview, models.CriterionScore, models.ReviewComment,
    models.Tracker, models.CallTranscript,
]  # fmt: skip


def snapshot() -> dict:
    data = {model.__name__: [model_to_dict(row) for row in model.objects.order_by("pk")] for model in TABLES}
    data["tags"] = sorted((m.title, tuple(sorted(m.tags.names()))) for m in models.Module.objects.all())
    # A lint is replaced whole on each load (new rows, a new time): compare what it found.
    data["lints"] = sorted(
        (lint.review_id, lint.rep_talk_percent, lint.questions,
         tuple(lint.findings.values_list("rule", "utterance")), tuple(lint.hits.values_list("tracker_id", "utterance")))
        for lint in models.CallLint.objects.all()
    )  # fmt: skip
    data["timestamps"] = sorted((str(p.started_at), str(p.completed_at)) for p in models.ModuleProgress.objects.all())
    return data


@pytest.mark.django_db
def test_loading_the_demo_twice_leaves_identical_training_data(capsys):
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first
    assert "Training: program" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_demo_has_an_onboarding_program_with_quizzes_and_reps_at_every_point_of_ramp(capsys):
    call_command("load_demo")
    program = models.Program.objects.get(onboarding=True)
    modules = list(program.modules.all())
    assert 8 <= len(modules) <= 12
    assert all(models.Quiz.objects.filter(module=m, questions__isnull=False).exists() for m in modules)
    assert all(m.estimated_minutes <= 10 for m in modules)
    rows = team_learning(viewer=User.objects.get(username="enablement"))
    assert len(rows) == 35
    completions = {row.completion for row in rows}
    assert 100 in completions and any(0 < c < 100 for c in completions if c is not None)
    assert any(row.overdue_modules for row in rows)
    assert models.Update.objects.published().count() >= 3
    scored = models.CallReview.objects.filter(scorecard__isnull=False)
    assert models.ReviewComment.objects.count() >= 2 * scored.count() > 0
    bodies = " ".join(m.body for m in modules)
    for criterion in [
        "SDR has confirmed initial interest",
        "BANT (Budget, Authority, Need, Timeline) confirmed",
        "Key technical stakeholders attended",
        "Proof of value established",
        "Legal and security review passed",
    ]:
        assert criterion in bodies


@pytest.mark.django_db
def test_the_demo_calls_give_every_metric_and_finding_data(capsys):
    call_command("load_demo")
    lints = models.CallLint.objects.all()
    assert lints.count() >= 30
    assert lints.values("rep").distinct().count() >= 10
    assert (
        models.CallReview.objects.filter(lint__isnull=False, deal__isnull=False).values("deal").distinct().count() >= 15
    )
    rules = set(models.Finding.objects.values_list("rule", flat=True))
    assert rules >= {
        "no-next-step", "pricing-before-discovery-exit", "competitor-mentioned", "compliance-phrase-missing",
        "talk-ratio-high", "long-monologue",
    }  # fmt: skip
    hit = set(models.TrackerHit.objects.values_list("tracker__kind", flat=True))
    assert hit == set(models.TrackerKind.values)
    assert models.TrackerHit.objects.filter(tracker__battlecard__isnull=False).exists()
    for field in [
        "rep_talk_percent",
        "longest_monologue_seconds",
        "longest_story_seconds",
        "questions",
        "fillers_per_minute",
    ]:
        assert len(set(lints.values_list(field, flat=True))) >= 5, field
