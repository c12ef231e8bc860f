"""Reads of the awards room. Balances come from the ledger (commitment_sums); who may see
what is decided here, in one place, for every room of an award's life (committee,
agreements, payments, repayments):

- who sees an award is the access layer's `award.view` (plania/awards/permissions.py):
  the beneficiary company's active members; the officer, committee, finance and
  steering roles; anyone else: nothing (404, as if it did not exist).

`advance_paid` reads the award's payments through its reverse relation (`award.payments`,
plania.payments): what has been paid of the advance is a balance of the award that the
payments room (closing) and the repayments room (what may come back) both read.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from plania.awards.models import Award
from plania.awards.permissions import VIEW
from plania.core.grants import scope
from plania.ledger.selectors import commitment_sum_expressions, commitment_sums

ZERO = Decimal("0.00")


def amount_sum(qs: QuerySet[Any], field: str) -> Decimal:
    total = qs.aggregate(total=Coalesce(Sum(field), Value(ZERO)))["total"]
    return Decimal(total).quantize(Decimal("0.01"))


def awards_visible_to(user: Any) -> QuerySet[Award]:
    base = Award.objects.select_related(
        "envelope", "company", "application", "item__session", "commitment"
    )
    return scope(user, VIEW, base)


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
