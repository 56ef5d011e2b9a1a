import importlib
import importlib.util
from datetime import date
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.demo import DEMO_PASSWORD, demo_today, load_demo_people


class Command(BaseCommand):
    help = (
        "Load the demo data, dated backwards from today (running it again the same day changes nothing) "
        "and print the demo logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The demo's today, YYYY-MM-DD (default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        today = self._today(options["date"])
        logins = load_demo_people(today=today)
        # Each domain app may have `<app>/demo.py` with `load_demo(*, today) -> list[str]` (lines
        # to print); they run in INSTALLED_APPS order, which is their dependency order.
        for app_config in apps.get_app_configs():
            if app_config.name == "accounts" or not importlib.util.find_spec(f"{app_config.name}.demo"):
                continue
            module = importlib.import_module(f"{app_config.name}.demo")
            for line in module.load_demo(today=today) or []:
                self.stdout.write(f"{app_config.verbose_name}: {line}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<20} {login.role:<17} {login.note}")

    def _today(self, value: str | None) -> date:
        if value is None:
            return demo_today()
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date: {value!r} is not a date as YYYY-MM-DD.") from None
