"""Each app writes only its own tables: another app's rows are created through that app's services.

The test reads the source (no import, no database): in every module of an app or of the
project package, a model of another app must not be built (`Deal(...)`) nor written through
its manager (`Deal.objects.create(...)`, `.filter(...).update(...)`, `.bulk_create(...)`...).

Not checked, on purpose:
- tests/ and bench/: fixtures and benchmarks set up rows of every app directly; they are not
  the product, and going through every service there would only slow the suite.
- migrations/: they use historical models (`apps.get_model`), and only their own app's.
- demo modules (`<app>/demo.py`) may write the rows the demo of their own app needs, like any
  module of the app; they are not exempt from writing other apps' tables.
- Writes through an instance of another app (`deal.save()` on a fetched deal) cannot be seen
  without types; building another app's model, the way such a write starts, is refused.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PACKAGES = ["enablement_portal"]
NOT_CHECKED = {"migrations", "tests", "bench"}
MANAGER_WRITES = {
    "create",
    "create_user",
    "create_superuser",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "update",
    "delete",
}


def portal_apps() -> list[str]:
    """The apps whose code lives in this repository (not Django's or a library's)."""
    return [config.label for config in apps.get_app_configs() if Path(config.path).parent == ROOT]


def models_by_module() -> dict[str, dict[str, str]]:
    """{'pipeline.models': {'Deal': 'pipeline', ...}, ...}: where each model is imported from, and its app."""
    found: dict[str, dict[str, str]] = {}
    for label in portal_apps():
        for model in apps.get_app_config(label).get_models():
            found.setdefault(model.__module__, {})[model.__name__] = label
            # `from pipeline.models import Deal` also works when models is a package.
            found.setdefault(f"{label}.models", {})[model.__name__] = label
    return found


def checked_modules() -> Iterator[tuple[str, Path]]:
    for package in [*portal_apps(), *PROJECT_PACKAGES]:
        for path in sorted((ROOT / package).rglob("*.py")):
            if not NOT_CHECKED & set(path.relative_to(ROOT).parts):
                yield package, path


@dataclass(frozen=True)
class Write:
    where: str
    model: str
    owner: str
    how: str

    def __str__(self) -> str:
        return f"{self.where}: {self.how} writes {self.owner}.{self.model}"


class ForeignWrites(ast.NodeVisitor):
    """Collects the writes of one module to models of apps other than `app`."""

    def __init__(self, *, app: str, path: Path, known: dict[str, dict[str, str]]) -> None:
        self.app, self.path, self.known = app, path, known
        self.names: dict[str, tuple[str, str]] = {}  # local name -> (model, owning app)
        self.modules: dict[str, dict[str, str]] = {}  # local name of a models module -> its models
        self.writes: list[Write] = []

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            local = alias.asname or alias.name
            models = self.known.get(node.module or "", {})
            if alias.name in models:
                self.names[local] = (alias.name, models[alias.name])
            elif f"{node.module}.{alias.name}" in self.known:
                self.modules[local] = self.known[f"{node.module}.{alias.name}"]

    def model_of(self, node: ast.expr) -> tuple[str, str] | None:
        """The (model, app) that `node` names: `Deal` or `models.Deal`."""
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in self.modules:
            models = self.modules[node.value.id]
            return (node.attr, models[node.attr]) if node.attr in models else None
        return None

    def manager_root(self, node: ast.expr) -> tuple[str, str] | None:
        """The model at the root of `Deal.objects.filter(...).select_for_update()`, if any."""
        while True:
            if isinstance(node, ast.Call):
                node = node.func
            elif isinstance(node, ast.Attribute):
                if node.attr in {"objects", "_default_manager"}:
                    return self.model_of(node.value)
                node = node.value
            else:
                return None

    def visit_Call(self, node: ast.Call) -> None:
        where = f"{self.path.relative_to(ROOT)}:{node.lineno}"
        built = self.model_of(node.func)
        if built is not None:
            self.record(where, built, f"{built[0]}(...)")
        elif isinstance(node.func, ast.Attribute) and node.func.attr in MANAGER_WRITES:
            root = self.manager_root(node.func.value)
            if root is not None:
                self.record(where, root, f"{root[0]}.objects...{node.func.attr}()")
        self.generic_visit(node)

    def record(self, where: str, model: tuple[str, str], how: str) -> None:
        if model[1] != self.app:
            self.writes.append(Write(where=where, model=model[0], owner=model[1], how=how))


def foreign_writes(*, app: str, source: str, path: Path) -> list[Write]:
    visitor = ForeignWrites(app=app, path=path, known=models_by_module())
    visitor.visit(ast.parse(source, filename=str(path)))
    return visitor.writes


def test_each_apps_models_are_written_only_by_its_own_code():
    writes = [
        str(write)
        for app, path in checked_modules()
        for write in foreign_writes(app=app, source=path.read_text(), path=path)
    ]
    assert writes == [], "Write another app's rows through its services:\n" + "\n".join(writes)


@pytest.mark.parametrize(
    "source",
    [
        "from accounts.models import User\nUser.objects.create(username='x')",
        "from accounts.models import Team as T\nT.objects.get_or_create(name='x')",
        "from accounts import models\nmodels.User.objects.create_user('x')",
        "from pipeline.models import Account\nAccount(name='x').save()",
        "from pipeline.models import Deal\nDeal.objects.filter(pk=1).update(name='x')",
        "from accounts.models import User\nUser.objects.bulk_create([])",
    ],
)
def test_the_check_sees_a_write_to_another_apps_model(source):
    path = ROOT / "leads" / "example.py"
    assert foreign_writes(app="leads", source=source, path=path)


@pytest.mark.parametrize(
    "source",
    [
        "from leads.models import Lead\nLead.objects.create(lead_id='x')",
        "from pipeline.models import Deal\nDeal.objects.filter(pk=1).count()",
        "from accounts.models import User\nUser.objects.for_user(u).filter(team=t)",
    ],
)
def test_the_check_lets_an_app_write_its_own_models_and_read_others(source):
    path = ROOT / "leads" / "example.py"
    assert foreign_writes(app="leads", source=source, path=path) == []
