from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import INTEGRATION_SCOPES, Scope, User
from accounts.services import api_key_create

PERSON_SCOPE_CHOICES = [scope.value for scope in Scope if scope not in INTEGRATION_SCOPES]


class Command(BaseCommand):
    help = (
        "Create an API key with the scopes given and print it once; only its hash is stored. "
        "Lead integrations get their key in admin (Leads → Integrations) instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Who or what uses the key, e.g. 'CRM sidebar'.")
        parser.add_argument(
            "--scope",
            dest="scopes",
            action="append",
            required=True,
            choices=PERSON_SCOPE_CHOICES,
            help="What the key may do (repeat for several).",
        )
        parser.add_argument("--acts-for", help="Username of the person whose rights the key uses.")

    def handle(self, *args: Any, name: str, scopes: list[str], acts_for: str | None, **options: Any) -> None:
        person = None
        if acts_for:
            person = User.objects.filter(username=acts_for, is_active=True).first()
            if person is None:
                raise CommandError(f"acts_for: no active user is called {acts_for!r}.")
        try:
            api_key, token = api_key_create(name=name, scopes=scopes, acts_for=person)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(errs)}" for field, errs in exc.message_dict.items())
            ) from None
        self.stdout.write(f"Created API key '{api_key.name}' ({', '.join(api_key.scopes)}). Copy it now:")
        self.stdout.write(token)
