"""Reads of the payments room: what is asked and not yet ordered, the payment orders of a
period (for the accounting export), the requests to process."""

from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from plania.awards.models import Award
from plania.awards.selectors import amount_sum
from plania.payments.enums import RequestState
from plania.payments.models import Payment, PaymentRequest


def open_requests_total(award: Award) -> Decimal:
    """What is asked and not yet ordered (certified at the certified amount)."""
    requested = amount_sum(award.payment_requests.filter(state=RequestState.REQUESTED), "amount")
    certified = amount_sum(
        award.payment_requests.filter(state=RequestState.CERTIFIED), "certified_amount"
    )
    return requested + certified


def payments_for_export(*, start: date | None = None, end: date | None = None) -> QuerySet[Payment]:
    qs = Payment.objects.select_related("award__envelope").order_by("ordered_on", "pk")
    if start:
        qs = qs.filter(ordered_on__gte=start)
    if end:
        qs = qs.filter(ordered_on__lt=end)
    return qs


def requests_to_process() -> QuerySet[PaymentRequest]:
    return (
        PaymentRequest.objects.filter(state__in=[RequestState.REQUESTED, RequestState.CERTIFIED])
        .select_related("award", "requested_by")
        .order_by("requested_at")
    )
