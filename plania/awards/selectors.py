"""Reads of the awards room. Balances come from the ledger (commitment_sums); who may see
what is decided here, in one place, for every room of an award's life (committee,
agreements, payments, repayments):

- staff of the Region (is_staff, or the officer, committee or finance role) see every
  session and award;
- the active members of the beneficiary company see their company's awards;
- anyone else: nothing (404, as if it did not exist).

`advance_paid` reads the award's payments through its reverse relation (`award.payments`,
plania.payments): what has been paid of the advance is a balance of the award that the
payments room (closing) and the repayments room (what may come back) both read.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from plania.accounts.access import has_role
from plania.accounts.roles import Role
from plania.awards.models import Award
from plania.companies.enums import MembershipStatus
from plania.ledger.selectors import commitment_sum_expressions, commitment_sums

ZERO = Decimal("0.00")
STAFF_ROLES = (Role.OFFICER, Role.COMMITTEE, Role.FINANCE)


def amount_sum(qs: QuerySet[Any], field: str) -> Decimal:
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


def advance_paid(award: Award) -> Decimal:
    return amount_sum(award.payments.all(), "advance_part")
