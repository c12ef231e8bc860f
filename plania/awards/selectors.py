"""Reads of the awards room. Balances come from the ledger (commitment_sums); who may see
what is decided here, in one place:

- staff of the Region (is_staff, or the officer, committee or finance role) see every
  session and award;
- the active members of the beneficiary company see their company's awards;
- anyone else: nothing (404, as if it did not exist).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from plania.accounts.roles import Role
from plania.awards.enums import RequestState
from plania.awards.models import AgendaItem, Award, Instalment, Payment, PaymentRequest
from plania.companies.enums import MembershipStatus
from plania.core.access import has_role
from plania.ledger.selectors import commitment_sum_expressions, commitment_sums

ZERO = Decimal("0.00")
STAFF_ROLES = (Role.OFFICER, Role.COMMITTEE, Role.FINANCE)


def _sum(qs: QuerySet[Any], field: str) -> Decimal:
    total = qs.aggregate(total=Coalesce(Sum(field), Value(ZERO)))["total"]
    return Decimal(total).quantize(Decimal("0.01"))


def is_region_staff(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_staff) or any(has_role(user, role) for role in STAFF_ROLES)


def awards_visible_to(user: Any) -> QuerySet[Award]:
    base = Award.objects.select_related(
        "envelope", "company", "application", "item__session", "commitment"
    )
    if is_region_staff(user):
        return base
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    return base.filter(
        company__memberships__user=user,
        company__memberships__status=MembershipStatus.ACTIVE,
    ).distinct()


def with_sums(awards: QuerySet[Award]) -> QuerySet[Award]:
    """Each award with `committed`, `paid` and `repaid` from the ledger (`award_sums`),
    computed in the list's own query: a list runs one query whatever its length."""
    return awards.annotate(**commitment_sum_expressions("commitment"))


@dataclass(frozen=True)
class AwardSums:
    committed: Decimal  # net of de-commitments
    paid: Decimal
    repaid: Decimal

    @property
    def unpaid(self) -> Decimal:
        return self.committed - self.paid


def award_sums(award: Award) -> AwardSums:
    sums = commitment_sums(award.commitment)
    return AwardSums(sums["committed"], sums["paid"], sums["repaid"])


def open_requests_total(award: Award) -> Decimal:
    """What is asked and not yet ordered (certified at the certified amount)."""
    requested = _sum(award.payment_requests.filter(state=RequestState.REQUESTED), "amount")
    certified = _sum(
        award.payment_requests.filter(state=RequestState.CERTIFIED), "certified_amount"
    )
    return requested + certified


def advance_paid(award: Award) -> Decimal:
    return _sum(Payment.objects.filter(award=award), "advance_part")


def repaid_total(award: Award) -> Decimal:
    return _sum(award.repayments.all(), "amount")


def coverage(lines: Sequence[Instalment], repaid: Decimal) -> list[Decimal]:
    """How much of each instalment (in due order) the repayments cover: money received
    pays the oldest instalment first."""
    out = []
    left = repaid
    for line in lines:
        paid = min(line.amount, max(left, ZERO))
        out.append(paid)
        left -= paid
    return out


@dataclass(frozen=True)
class InstalmentView:
    instalment: Instalment
    paid: Decimal
    days_late: int

    @property
    def unpaid(self) -> Decimal:
        return self.instalment.amount - self.paid


def schedule_view(award: Award, on: date | None = None) -> list[InstalmentView]:
    on = on or timezone.localdate()
    lines = list(award.instalments.filter(superseded=False).order_by("due_on", "number"))
    covered = coverage(lines, repaid_total(award))
    return [
        InstalmentView(
            line,
            paid,
            (on - line.due_on).days if paid < line.amount and line.due_on < on else 0,
        )
        for line, paid in zip(lines, covered, strict=True)
    ]


@dataclass(frozen=True)
class Arrear:
    award: Award
    instalments: list[InstalmentView]

    @property
    def amount(self) -> Decimal:
        return sum((i.unpaid for i in self.instalments), ZERO)

    @property
    def days_late(self) -> int:
        return max(i.days_late for i in self.instalments)


def arrears(on: date | None = None) -> list[Arrear]:
    """Awards with instalments due before `on` and not (fully) repaid: days late and
    amounts, the oldest first. Three queries whatever the number of awards."""
    on = on or timezone.localdate()
    due = Instalment.objects.filter(superseded=False, due_on__lt=on).values_list(
        "award_id", flat=True
    )
    awards = list(
        Award.objects.filter(pk__in=due).select_related("envelope", "company").order_by("reference")
    )
    ids = [a.pk for a in awards]
    lines: dict[int, list[Instalment]] = {pk: [] for pk in ids}
    for line in Instalment.objects.filter(award_id__in=ids, superseded=False).order_by(
        "due_on", "number"
    ):
        lines[line.award_id].append(line)
    repaid: dict[int, Decimal] = {pk: ZERO for pk in ids}
    from plania.awards.models import Repayment

    for row in (
        Repayment.objects.filter(award_id__in=ids)
        .values("award_id")
        .annotate(total=Coalesce(Sum("amount"), Value(ZERO)))
        .order_by()
    ):
        repaid[row["award_id"]] = Decimal(row["total"]).quantize(Decimal("0.01"))
    out = []
    for award in awards:
        views = [
            InstalmentView(line, paid, (on - line.due_on).days)
            for line, paid in zip(
                lines[award.pk], coverage(lines[award.pk], repaid[award.pk]), strict=True
            )
            if line.due_on < on and paid < line.amount
        ]
        if views:
            out.append(Arrear(award, views))
    return sorted(out, key=lambda a: -a.days_late)


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


def decision_for(application: Any) -> AgendaItem | None:
    """The latest decided agenda item of a dossier (approval, rejection, adjournment)."""
    return (
        AgendaItem.objects.filter(proposal__application=application)
        .filter(~Q(outcome="pending"))
        .select_related("session")
        .order_by("-decided_at", "-pk")
        .first()
    )
