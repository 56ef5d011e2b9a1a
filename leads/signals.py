"""Changes to the intake rules (criteria, qualification and routing rules) give them a new
version stamp, so intake's per-process copy (`IntakeRules.cached`) is read again."""

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from leads.models import QualificationCriterion, QualificationRule, RoutingRule
from leads.validation import rules_stamp_bump


def rules_changed(**kwargs: Any) -> None:
    rules_stamp_bump(uncommitted=transaction.get_connection().in_atomic_block)
    transaction.on_commit(rules_stamp_bump)


def connect() -> None:
    for model in (QualificationCriterion, QualificationRule, RoutingRule):
        post_save.connect(rules_changed, sender=model, dispatch_uid=f"leads-rules-saved-{model.__name__}")
        post_delete.connect(rules_changed, sender=model, dispatch_uid=f"leads-rules-deleted-{model.__name__}")
    m2m_changed.connect(
        rules_changed, sender=QualificationRule.required_criteria.through, dispatch_uid="leads-rules-criteria"
    )
