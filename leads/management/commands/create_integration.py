from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from leads.examples import LEADS_PATH, intake_examples
from leads.services import integration_create, integration_rotate_signing_secret


class Command(BaseCommand):
    help = (
        "Create a lead integration with its API key (scope leads:write) and print the key once, "
        "the endpoint and a ready curl example; only the key's hash is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The sending system, e.g. 'HubSpot'.")
        parser.add_argument(
            "--signing-secret",
            action="store_true",
            help="Also give it a signing secret: its requests must then carry an HMAC signature.",
        )
        parser.add_argument(
            "--base-url",
            default="http://localhost:8000",
            help="Where the portal is reached, for the endpoint and the example (default: %(default)s).",
        )

    def handle(self, *args: Any, name: str, signing_secret: bool, base_url: str, **options: Any) -> None:
        try:
            integration, token = integration_create(name=name)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(errs)}" for field, errs in exc.message_dict.items())
            ) from None
        secret = integration_rotate_signing_secret(integration=integration) if signing_secret else ""
        endpoint = base_url.rstrip("/") + LEADS_PATH
        self.stdout.write(f"Created the integration '{integration.name}'. Copy its key now, it is not shown again:")
        self.stdout.write(f"KEY {token}")
        if secret:
            self.stdout.write("Its signing secret (also shown only now):")
            self.stdout.write(f"SECRET {secret}")
        self.stdout.write(f"Endpoint: POST {endpoint}")
        for example in intake_examples(endpoint=endpoint, token=token, signing_secret=secret):
            self.stdout.write(f"\n# {example.title}\n{example.script}")
