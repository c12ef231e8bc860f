"""E-mails of the payments room (request to certify, payment to order, payment ordered,
award closed), sent after commit in each recipient's language (plania.awards.emails)."""

from typing import Any

from django.utils.translation import gettext as _

from plania.accounts.roles import Role
from plania.awards.emails import award_url, beneficiary, role_recipients, send
from plania.awards.models import Award
from plania.core.formats import format_eur
from plania.core.jobs import enqueue, mail_task
from plania.payments.models import Payment, PaymentRequest


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
            "url": award_url(request.award),
            "transparency": "",
        }

    send(role_recipients(Role.OFFICER), build)


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
            "url": award_url(request.award),
            "transparency": "",
        }

    send(role_recipients(Role.FINANCE), build)


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
            "url": award_url(payment.award),
            "transparency": "",
        }

    send(beneficiary(payment.award), build)


def closed_send(award_id: int) -> None:
    enqueue(closed_send_task, award_id)


@mail_task
def closed_send_task(award_id: int) -> None:
    award = Award.objects.get(pk=award_id)

    def build() -> dict[str, Any]:
        return {
            "subject": _("Aide clôturée : %(ref)s") % {"ref": award.reference},
            "lines": [_("L'aide %(ref)s est clôturée.") % {"ref": award.reference}],
            "url": award_url(award),
            "transparency": "",
        }

    send(beneficiary(award), build)
