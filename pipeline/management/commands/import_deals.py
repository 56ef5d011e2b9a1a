from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from pipeline.imports.deals import DEFAULT_COLUMNS, deals_import, parse_product_map, parse_stage_map
from pipeline.imports.rows import ImportFileError, ImportReport


class Command(BaseCommand):
    help = (
        "Import deals from a CRM export (CSV). Bad rows are reported with their line numbers and "
        "skipped; re-importing updates deals by external id instead of duplicating them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        for key, default in DEFAULT_COLUMNS.items():
            parser.add_argument(f"--{key}-column", default=default, help=f"column with the {key} (default {default})")
        parser.add_argument(
            "--stage",
            action="append",
            default=[],
            metavar="CRM=Stage",
            help="map a CRM stage to ours, e.g. --stage Prospecting=LeadIn --stage Won=ClosedWon "
            "(defaults: Prospecting=LeadIn Engaging=Discovery Won=ClosedWon Lost=ClosedLost)",
        )
        parser.add_argument(
            "--product",
            action="append",
            default=[],
            metavar="CRM=Product",
            help="read a CRM product name as a product of the list, e.g. --product 'GTXPro=GTX Pro' "
            "(names of the list match in any case; any other product refuses its row)",
        )
        parser.add_argument("--create-owners", action="store_true", help="create reps for unknown owners")
        parser.add_argument("--team-file", type=Path, help="sales_agent,manager,regional_office CSV for new owners")
        parser.add_argument("--date-format", default="%Y-%m-%d")
        parser.add_argument("--as-user", help="username recorded on the history rows (default: none)")
        parser.add_argument("--dry-run", action="store_true", help="check and count everything, store nothing")
        parser.add_argument("--max-problems", type=int, default=100, help="how many bad rows to list")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["file"].is_file():
            raise CommandError(f"{options['file']}: no such file")
        if options["team_file"] and not options["team_file"].is_file():
            raise CommandError(f"{options['team_file']}: no such file")
        by = None
        if options["as_user"]:
            by = User.objects.filter(username=options["as_user"]).first()
            if by is None:
                raise CommandError(f"--as-user {options['as_user']!r}: no such user")
        try:
            report = deals_import(
                path=options["file"],
                by=by,
                columns={key: options[f"{key}_column"] for key in DEFAULT_COLUMNS},
                stage_map=parse_stage_map(options["stage"]),
                product_map=parse_product_map(options["product"]),
                create_owners=options["create_owners"],
                team_file=options["team_file"],
                date_format=options["date_format"],
                dry_run=options["dry_run"],
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        self._print(report, options["max_problems"])

    def _print(self, report: ImportReport, max_problems: int) -> None:
        write = self.stdout.write
        prefix = "Dry run, nothing stored: " if report.dry_run else ""
        write(
            f"{prefix}{report.rows} rows: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.problems)} with problems."
        )
        if report.without_account:
            write(
                f"{report.without_account} rows had no account: their deals are on the account "
                "'(No account in the export)'."
            )
        if report.created_owners:
            write(f"Created {len(report.created_owners)} owners: {', '.join(report.created_owners)}")
        if report.unknown_owners:
            names = ", ".join(f"{name} ({count} rows)" for name, count in report.unknown_owners.most_common())
            write(self.style.WARNING(f"Unknown owners (use --create-owners --team-file FILE): {names}"))
        for problem in report.problems[:max_problems]:
            write(self.style.WARNING(str(problem)))
        if len(report.problems) > max_problems:
            write(f"... and {len(report.problems) - max_problems} more problems (--max-problems N lists more).")
