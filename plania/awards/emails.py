"""E-mails of the awards room, in each recipient's language, sent after commit.

Services register the `*_send` functions with `transaction.on_commit`; each enqueues its
task (plania/core/jobs.py) with the id, and the task, run by the worker, reads the rows again
and renders and sends the mail in each recipient's language.
Every decision notified to a company (approval, rejection) carries the algorithmic
transparency mention (plania.awards.transparency, CRPA L311-3-1).
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from plania.accounts.models import User
from plania.accounts.roles import Role
from plania.awards.models import (
    AgendaItem,
    Award,
    FailureFinding,
    Payment,
    PaymentRequest,
)
from plania.awards.transparency import explanation_path, mention
from plania.companies.enums import MembershipStatus
from plania.core.formats import format_eur
from plania.core.jobs import enqueue, mail_task


def absolute_url(path: str) -> str:
    return settings.PLANIA_BASE_URL.rstrip("/") + path


def _award_url(award: Award) -> str:
    return absolute_url(reverse("web:award", kwargs={"reference": award.reference}))


def _send(
    recipients: Iterable[tuple[str, str]],
    build: Callable[[], dict[str, Any]],
) -> None:
    """`recipients`: (address, language); `build` makes the message in the active one."""
    for address, language in recipients:
        with translation.override(language or settings.LANGUAGE_CODE):
            context = build()
            body = render_to_string("web/awards/email/notice.txt", context)
        send_mail(" ".join(context["subject"].split()), body, None, [address])


def _members(company_id: int | None) -> list[tuple[str, str]]:
    if company_id is None:
        return []
    users = User.objects.filter(
        memberships__company_id=company_id, memberships__status=MembershipStatus.ACTIVE
    ).distinct()
    return [(u.email, u.language) for u in users]


def _beneficiary(award: Award) -> list[tuple[str, str]]:
    if award.company_id is not None:
        return _members(award.company_id)
    return [(award.beneficiary_email, settings.LANGUAGE_CODE)] if award.beneficiary_email else []


def _role(role: str) -> list[tuple[str, str]]:
    users = User.objects.filter(groups__name=role, is_active=True).distinct()
    return [(u.email, u.language) for u in users]


def decision_send(item_id: int) -> None:
    enqueue(decision_send_task, item_id)


@mail_task
def decision_send_task(item_id: int) -> None:
    item = AgendaItem.objects.select_related("session", "direct").get(pk=item_id)
    award = Award.objects.filter(item=item).first()
    if award is not None:
        recipients = _beneficiary(award)
    elif item.proposal_id is not None:
        recipients = _members(item.proposal.application.company_id)
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
            url = _award_url(award)
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

    _send(recipients, build)


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
            "url": _award_url(award),
            "transparency": "",
        }

    _send(_beneficiary(award) + _role(Role.OFFICER), build)


def payment_request_send(request_id: int) -> None:
    enqueue(payment_request_send_task, request_id)


@mail_task
def payment_request_send_task(request_id: int) -> None:
    request = PaymentRequest.objects.select_related("award").get(pk=request_id)

    def build() -> dict[str, Any]:
        return {
            "subject": _("Demande de versement à certifier : %(ref)s")
            % {"ref": request.award.reference},
            "lines": [
                _("%(name)s demande un versement de %(amount)s.")
                % {"name": request.award.beneficiary_name, "amount": format_eur(request.amount)}
            ],
            "url": _award_url(request.award),
            "transparency": "",
        }

    _send(_role(Role.OFFICER), build)


def payment_certified_send(request_id: int) -> None:
    enqueue(payment_certified_send_task, request_id)


@mail_task
def payment_certified_send_task(request_id: int) -> None:
    request = PaymentRequest.objects.select_related("award").get(pk=request_id)

    def build() -> dict[str, Any]:
        return {
            "subject": _("Versement à mandater : %(ref)s") % {"ref": request.award.reference},
            "lines": [
                _("Service fait certifié pour %(amount)s.")
                % {"amount": format_eur(request.certified_amount)}
            ],
            "url": _award_url(request.award),
            "transparency": "",
        }

    _send(_role(Role.FINANCE), build)


def payment_ordered_send(payment_id: int) -> None:
    enqueue(payment_ordered_send_task, payment_id)


@mail_task
def payment_ordered_send_task(payment_id: int) -> None:
    payment = Payment.objects.select_related("award").get(pk=payment_id)

    def build() -> dict[str, Any]:
        return {
            "subject": _("Versement mandaté : %(ref)s") % {"ref": payment.award.reference},
            "lines": [
                _("Un versement de %(amount)s a été mandaté le %(date)s (mandat %(number)s).")
                % {
                    "amount": format_eur(payment.amount),
                    "date": payment.ordered_on.isoformat(),
                    "number": payment.number,
                }
            ],
            "url": _award_url(payment.award),
            "transparency": "",
        }

    _send(_beneficiary(payment.award), build)


def final_report_send(award_id: int) -> None:
    enqueue(final_report_send_task, award_id)


@mail_task
def final_report_send_task(award_id: int) -> None:
    award = Award.objects.get(pk=award_id)

    def build() -> dict[str, Any]:
        return {
            "subject": _("Rapport final déposé : %(ref)s") % {"ref": award.reference},
            "lines": [_("%(name)s a déposé son rapport final.") % {"name": award.beneficiary_name}],
            "url": _award_url(award),
            "transparency": "",
        }

    _send(_role(Role.OFFICER), build)


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
            "url": _award_url(award),
            "transparency": "",
        }

    _send(_beneficiary(award), build)


def closed_send(award_id: int) -> None:
    enqueue(closed_send_task, award_id)


@mail_task
def closed_send_task(award_id: int) -> None:
    award = Award.objects.get(pk=award_id)

    def build() -> dict[str, Any]:
        return {
            "subject": _("Aide clôturée : %(ref)s") % {"ref": award.reference},
            "lines": [_("L'aide %(ref)s est clôturée.") % {"ref": award.reference}],
            "url": _award_url(award),
            "transparency": "",
        }

    _send(_beneficiary(award), build)
