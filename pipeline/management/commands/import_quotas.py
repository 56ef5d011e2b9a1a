from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipeline.imports.quotas import quotas_import
from pipeline.imports.rows import ImportFileError


class Command(BaseCommand):
    help = "Import monthly quotas: a CSV with rep (username, e-mail or name), month (YYYY-MM), amount[, currency]."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["file"].is_file():
            raise CommandError(f"{options['file']}: no such file")
        try:
            report = quotas_import(path=options["file"], dry_run=options["dry_run"])
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        prefix = "Dry run, nothing stored: " if report.dry_run else ""
        self.stdout.write(
            f"{prefix}{report.rows} rows: {report.created} created, {report.updated} updated, "
            f"{len(report.problems)} with problems."
        )
        for problem in report.problems:
            self.stdout.write(self.style.WARNING(str(problem)))
