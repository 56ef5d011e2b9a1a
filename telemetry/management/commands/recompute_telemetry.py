import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from telemetry.models import RunStatus
from telemetry.services import default_as_of, telemetry_recompute


def iso_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--as-of {raw!r}: expected a date as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Recompute the telemetry snapshot of one date (default: today), as the nightly task does."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="the date to recompute, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = iso_date(options["as_of"]) if options["as_of"] else default_as_of()
        self.stdout.write(f"Recomputing telemetry as of {as_of}")
        started = time.monotonic()

        def progress(step: str, done: int, total: int) -> None:
            self.stdout.write(f"  [{done}/{total}] {step:<18} {time.monotonic() - started:7.2f} s")

        run = telemetry_recompute(as_of=as_of, trigger="command", progress=progress)
        if run.status == RunStatus.SKIPPED:
            raise CommandError(f"Skipped: {run.error}")
        seconds = run.duration.total_seconds() if run.duration else 0.0
        self.stdout.write(self.style.SUCCESS(f"Done: {run.rows} rows in {seconds:.2f} s."))
