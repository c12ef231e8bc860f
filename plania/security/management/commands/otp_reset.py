"""`plania otp_reset ADDRESS`: forget a staff member's second-factor device (a lost or
replaced phone). Their next login sets up a new one; check who is asking before running it.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plania.accounts.selectors import user_by_email
from plania.security.services import otp_devices_reset


class Command(BaseCommand):
    help = "Delete the TOTP devices of the account with this e-mail address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: object, **options: str) -> None:
        user = user_by_email(options["email"])
        if user is None:
            raise CommandError(f"no account with the address {options['email']!r}")
        deleted = otp_devices_reset(user=user)
        self.stdout.write(
            f"{user.email}: {deleted} device(s) deleted; the next login sets up a new one."
        )
