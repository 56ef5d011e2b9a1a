from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, load_demo_people


class Command(BaseCommand):
    help = "Load the demo data (idempotent: running it again changes nothing) and print the demo logins."

    def handle(self, *args, **options) -> None:
        logins = load_demo_people()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<20} {login.role:<17} {login.note}")
