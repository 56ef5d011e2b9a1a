"""Auto-enrolment of new reps, and the update about a collateral version published with
"publish and notify": receivers that only call a service.

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
from collateral.models import AssetVersion
from collateral.signals import Announcement, version_announced
from training.services import enrollment_enrol_new_rep, update_announce_version

RELEVANT_FIELDS = {"role", "start_date", "is_active"}


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="training-enrol-new-rep")
def enrol_new_rep(
    sender: type[User], instance: User, update_fields: frozenset[str] | None = None, raw: bool = False, **kwargs: Any
) -> None:
    if raw or (update_fields is not None and not RELEVANT_FIELDS & set(update_fields)):
        return
    enrollment_enrol_new_rep(user=instance)


# Why: collateral publishes, training owns updates, and collateral sits below training (it must
# not import it). Sent inside the publish's transaction: the version and its update go together.
@receiver(version_announced, sender=AssetVersion, dispatch_uid="training-announce-version")
def announce_version(
    sender: type[AssetVersion], version: AssetVersion, by: User | None, announcement: Announcement, **kwargs: Any
) -> None:
    update_announce_version(version=version, by=by, announcement=announcement)
