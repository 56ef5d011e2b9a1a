import importlib
import importlib.util
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, load_demo_people


class Command(BaseCommand):
    help = "Load the demo data (idempotent: running it again changes nothing) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo_people()
        # Each domain app may have `<app>/demo.py` with `load_demo() -> list[str]` (lines to
        # print); they run in INSTALLED_APPS order, which is their dependency order.
        for app_config in apps.get_app_configs():
            if app_config.name == "accounts" or not importlib.util.find_spec(f"{app_config.name}.demo"):
                continue
            module = importlib.import_module(f"{app_config.name}.demo")
            for line in module.load_demo() or []:
                self.stdout.write(f"{app_config.verbose_name}: {line}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<20} {login.role:<17} {login.note}")
