"""plania assign_officer EMAIL SCHEME [--remove]

Assigns an officer to a scheme: they then see and instruct the filed dossiers of that
scheme, and only those. The person gets the "officer" role (group) if they lack it.
"""

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

from plania.accounts.roles import Role
from plania.accounts.selectors import user_by_email
from plania.instruction.services import (
    InstructionError,
    scheme_assignment_create,
    scheme_assignment_delete,
)


class Command(BaseCommand):
    help = "Assign an officer (by e-mail) to a scheme, or remove the assignment (--remove)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the officer's e-mail address")
        parser.add_argument("scheme", help="scheme identifier, e.g. startup-industrie-demain")
        parser.add_argument("--remove", action="store_true", help="remove the assignment")

    def handle(self, *args: object, **options: object) -> None:
        email, scheme = str(options["email"]), str(options["scheme"])
        user = user_by_email(email)
        if user is None:
            raise CommandError(f"no user with the e-mail address {email!r}")
        if options["remove"]:
            n = scheme_assignment_delete(officer=user, scheme_code=scheme, actor=None)
            self.stdout.write(
                f"{email} no longer instructs {scheme}"
                if n
                else f"{email} was not assigned to {scheme}"
            )
            return
        group, _created = Group.objects.get_or_create(name=Role.OFFICER)
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
            self.stdout.write(f"{email} now has the officer role")
        try:
            _assignment, created = scheme_assignment_create(
                officer=user, scheme_code=scheme, actor=None
            )
        except InstructionError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"{email} instructs {scheme}" if created else f"{email} already instructs {scheme}"
        )
