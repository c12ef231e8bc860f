"""E-mails of the committee room: the decision on a proposal (approval, rejection),
sent after commit in each recipient's language (plania.awards.emails). Every decision
notified to a company carries the algorithmic transparency mention
(plania.awards.transparency, CRPA L311-3-1).
"""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from plania.awards.emails import absolute_url, award_url, beneficiary, members, send
from plania.awards.models import Award
from plania.awards.transparency import explanation_path, mention
from plania.committee.models import AgendaItem
from plania.core.formats import format_eur
from plania.core.jobs import enqueue, mail_task


def decision_send(item_id: int) -> None:
    enqueue(decision_send_task, item_id)


@mail_task
def decision_send_task(item_id: int) -> None:
    item = AgendaItem.objects.select_related("session", "direct").get(pk=item_id)
    award = Award.objects.filter(item=item).first()
    if award is not None:
        recipients = beneficiary(award)
    elif item.proposal_id is not None:
        recipients = members(item.proposal.application.company_id)
    else:
        recipients = (
            [(item.direct.beneficiary_email, settings.LANGUAGE_CODE)]
            if (item.direct and item.direct.beneficiary_email)
            else []
        )
    explanation = (
        absolute_url(explanation_path(item.dossier_reference)) if item.dossier_reference else ""
    )

    def build() -> dict[str, Any]:
        if award is not None:
            subject = _("Aide accordée : %(ref)s") % {"ref": award.reference}
            lines = [
                _(
                    "La Commission permanente du %(date)s (délibération %(delib)s) vous accorde "
                    "une aide de %(total)s, dont %(grant)s de subvention et %(advance)s "
                    "d'avance remboursable."
                )
                % {
                    "date": award.decided_on.isoformat(),
                    "delib": award.deliberation_reference,
                    "total": format_eur(award.total),
                    "grant": format_eur(award.grant),
                    "advance": format_eur(award.advance),
                },
                _("La convention est à signer sur la page de l'aide."),
            ]
            url = award_url(award)
        else:
            subject = _("Décision sur votre dossier %(ref)s") % {
                "ref": item.dossier_reference or item.beneficiary_name
            }
            lines = [
                _("La Commission permanente du %(date)s (délibération %(delib)s) a refusé l'aide.")
                % {"date": item.session.held_on.isoformat(), "delib": item.deliberation_reference},
                _("Motif : %(reason)s") % {"reason": item.reason},
            ]
            url = explanation
        return {
            "subject": subject,
            "lines": lines,
            "url": url,
            "transparency": mention(explanation_url=explanation) if item.proposal_id else "",
        }

    send(recipients, build)
