"""Auto-enrolment of new reps, as a post_save receiver that only calls the service.

Why a signal here (the one place where decoupling is the point, see ARCHITECTURE.md): people are created
in several places that belong to accounts — the admin (`save_model` → `user_set_role`), the
demo loader, `createsuperuser`, the shell — and accounts sits below training in the
dependency order, so it must not import training. The receiver holds no logic: it skips
saves that cannot change the answer (`update_fields` without role, start date or active,
such as the `last_login` write at every log-in) and calls `enrollment_enrol_new_rep`.
"""

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import User
from training.services import enrollment_enrol_new_rep

RELEVANT_FIELDS = {"role", "start_date", "is_active"}


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="training-enrol-new-rep")
def enrol_new_rep(
    sender: type[User], instance: User, update_fields: frozenset[str] | None = None, raw: bool = False, **kwargs: Any
) -> None:
    if raw or (update_fields is not None and not RELEVANT_FIELDS & set(update_fields)):
        return
    enrollment_enrol_new_rep(user=instance)
