"""E-mails of the repayments room (failure finding), sent after commit in the
recipient's language (plania.awards.emails)."""

from typing import Any

from django.utils.translation import gettext as _

from plania.awards.emails import award_url, beneficiary, send
from plania.core.formats import format_eur
from plania.core.jobs import enqueue, mail_task
from plania.repayments.models import FailureFinding


def failure_send(finding_id: int) -> None:
    enqueue(failure_send_task, finding_id)


@mail_task
def failure_send_task(finding_id: int) -> None:
    finding = FailureFinding.objects.select_related("award").get(pk=finding_id)
    award = finding.award

    def build() -> dict[str, Any]:
        return {
            "subject": _("Constat d'échec : %(ref)s") % {"ref": award.reference},
            "lines": [
                _(
                    "Un constat d'échec a été prononcé le %(date)s : %(forgiven)s de l'avance "
                    "vous sont remis ; %(due)s restent à rembourser selon l'échéancier."
                )
                % {
                    "date": finding.found_on.isoformat(),
                    "forgiven": format_eur(finding.forgiven),
                    "due": format_eur(finding.still_due),
                }
            ],
            "url": award_url(award),
            "transparency": "",
        }

    send(beneficiary(award), build)
