"""Who may do what: the role predicates every app's `rules.py` builds on, and the accounts pages' rules.

Each app declares its permissions in its own `rules.py` (loaded by rules' autodiscovery) with the
predicates below. A permission answers, alike: the view decorator (`accounts.decorators`), the
navigation entry (`accounts.navigation`), the admin's `has_*_permission`, and, as a docstring that
names it, the `for_user` queryset that filters rows the same way.

Decision on the model permissions that the data migrations grant to each role's Group: they stay.
They are what Django admin checks (each ModelAdmin's `has_view/add/change/delete_permission`; the
site itself asks for `is_staff`), and they hold the capabilities other code already checks by name
(`pipeline.move_deal` in the deal state machine, `telemetry.view_metricsnapshot` in the telemetry
API, `telemetry.recompute_telemetry`). The portal's pages are decided by the rules here, from the
person's role and the object. Where a rule needs one of those granted capabilities it combines with
it through `has_model_perm` (as `pipeline.change_deal` does with `pipeline.move_deal`), so the
migration stays its only grant. Page permissions have names of their own (`leads.view_inbox`),
never a model permission's, so ModelBackend cannot widen them; object rules do reuse the model
permission's name (`pipeline.change_deal`): ModelBackend never grants on an object, and without an
object it answers for Django admin as before.
`rules.permissions.ObjectPermissionBackend` comes before `ModelBackend` in AUTHENTICATION_BACKENDS;
`user.has_perm(name, obj)` is true when either says so (and always for an active superuser).
"""

import rules
from django.contrib.auth.models import AnonymousUser

from accounts.models import Role, User

# Whom a role rule is asked about: a person, the signed-out visitor, or nobody (an API key
# that acts for no person). Object rules are asked only about a signed-in User.
Someone = User | AnonymousUser | None


def effective_role(user: Someone) -> str | None:
    """The role the portal treats `user` as: none when signed out or inactive; a superuser
    (made with createsuperuser, keeping the default role) administers everything."""
    if not isinstance(user, User) or not user.is_active:
        return None
    return Role.ENABLEMENT_ADMIN if user.is_enablement_admin else user.role


def has_model_perm(name: str) -> rules.Predicate:
    """A predicate: `user` holds the model permission `name` (from a Group, or as a superuser)."""
    return rules.Predicate(lambda user: user.has_perm(name), name=f"has_model_perm({name})")


@rules.predicate
def is_enablement_admin(user: Someone) -> bool:
    return effective_role(user) == Role.ENABLEMENT_ADMIN


@rules.predicate
def is_manager(user: Someone) -> bool:
    return effective_role(user) == Role.MANAGER


@rules.predicate
def is_rep(user: Someone) -> bool:
    return effective_role(user) == Role.REP


@rules.predicate
def is_marketing_ops(user: Someone) -> bool:
    return effective_role(user) == Role.MARKETING_OPS


@rules.predicate
def is_signed_in(user: Someone) -> bool:
    return effective_role(user) is not None


# Reps and managers work deals and leads; enablement admins oversee them.
is_sales = is_rep | is_manager
is_sales_or_admin = is_sales | is_enablement_admin
is_manager_or_admin = is_manager | is_enablement_admin
# Django admin lets in active staff (user_set_role makes the staff roles staff); its entry agrees.
is_admin_site_user = rules.is_active & rules.is_staff


@rules.predicate
def is_team_manager_of(user: User, person: User | None) -> bool:
    """`user` manages the team `person` belongs to."""
    return person is not None and is_manager(user) and user.team_id is not None and person.team_id == user.team_id


@rules.predicate
def is_self(user: User, person: User | None) -> bool:
    return person is not None and person.pk == user.pk


rules.add_perm("accounts.view_home", is_signed_in)
rules.add_perm("accounts.view_my_team", is_manager)
rules.add_perm("accounts.open_admin", is_admin_site_user)
rules.add_perm("accounts.read_api_docs", is_admin_site_user)
# Object rule: whose profile and learning `user` may see. Mirrored by UserQuerySet.for_user.
rules.add_perm("accounts.view_person", is_signed_in & (is_enablement_admin | is_team_manager_of | is_self))
