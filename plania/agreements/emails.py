"""E-mails of the agreements room (signed agreement, final report), sent after commit in
each recipient's language (plania.awards.emails)."""

from typing import Any

from django.utils.translation import gettext as _

from plania.accounts.roles import Role
from plania.awards.emails import award_url, beneficiary, role_recipients, send
from plania.awards.models import Award
from plania.core.jobs import enqueue, mail_task


def agreement_signed_send(award_id: int) -> None:
    enqueue(agreement_signed_send_task, award_id)


@mail_task
def agreement_signed_send_task(award_id: int) -> None:
    award = Award.objects.get(pk=award_id)

    def build() -> dict[str, Any]:
        return {
            "subject": _("Convention signée : %(ref)s") % {"ref": award.reference},
            "lines": [
                _("La convention de l'aide %(ref)s (%(name)s) est signée.")
                % {"ref": award.reference, "name": award.beneficiary_name}
            ],
            "url": award_url(award),
            "transparency": "",
        }

    send(beneficiary(award) + role_recipients(Role.OFFICER), build)


def final_report_send(award_id: int) -> None:
    enqueue(final_report_send_task, award_id)


@mail_task
def final_report_send_task(award_id: int) -> None:
    award = Award.objects.get(pk=award_id)

    def build() -> dict[str, Any]:
        return {
            "subject": _("Rapport final déposé : %(ref)s") % {"ref": award.reference},
            "lines": [_("%(name)s a déposé son rapport final.") % {"name": award.beneficiary_name}],
            "url": award_url(award),
            "transparency": "",
        }

    send(role_recipients(Role.OFFICER), build)
