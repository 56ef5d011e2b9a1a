from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key and print it once; only its hash is stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Who or what uses the key, e.g. 'HubSpot production'.")

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        try:
            api_key, token = api_key_create(name=name)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(errs)}" for field, errs in exc.message_dict.items())
            ) from None
        self.stdout.write(f"Created API key '{api_key.name}'. Copy it now, it is not shown again:")
        self.stdout.write(token)
