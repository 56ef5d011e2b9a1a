"""Roles are Groups: one Group per role, named by the role's label, holding its permissions.

Migrations call `grant_role_permissions` with the permissions they introduce, so each
app's migration states what each role may do with that app's models.
"""

from collections.abc import Mapping, Sequence

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions

from accounts.models import Role


def role_group_name(role: str) -> str:
    return Role(role).label


def grant_role_permissions(apps: Apps, grants: Mapping[str, Sequence[str]]) -> None:
    """Give each role's Group the permissions named as 'app_label.codename'.

    Permissions are normally created after migrations run, so create them first:
    on a fresh database they would not exist yet.
    """
    for app_config in apps.get_app_configs():
        # create_permissions skips app configs without a models module, as historical ones are;
        # put back what was there, so that this also works on the real app registry.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True  # type: ignore[assignment]
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in grants.items():
        group, _ = Group.objects.get_or_create(name=role_group_name(role))
        for name in names:
            app_label, codename = name.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
