"""Repayment schedules of repayable advances, and the failure finding.

Practice (DOMAIN.md, "Repayable advances in practice"; no Occitanie figure was found, so
every value below is a scheme parameter): zero interest, a capital deferral, then equal
("linear") instalments, quarterly, annual or monthly; in case of failure, a finding that
forgives a share of the remainder.

Conventions
-----------
* Periods. Period ``k`` (1-based) ends ``k * m`` calendar months after ``start``, where
  ``m`` is 1 (monthly), 3 (quarterly) or 12 (annual). The date is computed from ``start``
  each time (never from the previous due date, so there is no drift), keeping the day of
  the month and clamping it to the last day of shorter months: start 2025-01-31, quarterly
  -> 2025-04-30, 2025-07-31, 2025-10-31, 2026-01-31...
* Due dates. With ``d`` deferral periods and ``n`` instalments, instalment ``j`` (1..n) is
  due at the end of period ``d + j``.
* Amounts. The principal is split in integer cents: every instalment gets
  ``principal_cents // n``; the first ``principal_cents % n`` instalments carry one extra
  cent. Instalments are therefore non-increasing, differ by at most one cent, and sum to
  the principal exactly. The vectorised path must split the same way
  (``split_equal_cents``).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, get_args

from plania.rules.money import ZERO, Money, from_cents, round_cent, to_cents

Frequency = Literal["monthly", "quarterly", "annual"]
FREQUENCIES: tuple[str, ...] = get_args(Frequency)
MONTHS_PER_PERIOD: dict[str, int] = {"monthly": 1, "quarterly": 3, "annual": 12}
PERIODS_PER_YEAR: dict[str, int] = {"monthly": 12, "quarterly": 4, "annual": 1}


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic, the day clamped to the month's end (months may be < 0)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def split_equal_cents(total_cents: int, n: int) -> list[int]:
    """Split ``total_cents`` in ``n`` instalments; the first ``total_cents % n`` get +1 cent."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if total_cents < 0:
        raise ValueError(f"total must be >= 0, got {total_cents} cents")
    base, extra = divmod(total_cents, n)
    return [base + 1 if i < extra else base for i in range(n)]


@dataclass(frozen=True, slots=True)
class RepaymentTerms:
    """Terms of a repayable advance; each field is a scheme parameter set by the Region."""

    deferral_periods: int
    n_instalments: int
    frequency: Frequency = "quarterly"
    forgiveness_share_on_failure: Decimal = ZERO

    def __post_init__(self) -> None:
        if self.deferral_periods < 0:
            raise ValueError(f"deferral_periods must be >= 0, got {self.deferral_periods}")
        if self.n_instalments < 1:
            raise ValueError(f"n_instalments must be >= 1, got {self.n_instalments}")
        if self.frequency not in FREQUENCIES:
            raise ValueError(
                f"frequency must be one of {', '.join(FREQUENCIES)}, got {self.frequency!r}"
            )
        share = self.forgiveness_share_on_failure
        if not (share.is_finite() and Decimal(0) <= share <= Decimal(1)):
            raise ValueError(f"forgiveness_share_on_failure must be in [0, 1], got {share}")

    @property
    def periods_per_year(self) -> int:
        return PERIODS_PER_YEAR[self.frequency]


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # 1..n
    due: date
    amount: Money


def repayment_schedule(
    *, principal: Decimal, start: date, terms: RepaymentTerms
) -> list[Instalment]:
    """Instalments of ``principal`` from ``start`` (the payment of the advance), per the
    module conventions: due at the end of periods ``d+1 .. d+n``; first instalments carry
    the extra cents."""
    if principal < 0:
        raise ValueError(f"principal must be >= 0, got {principal}")
    months = MONTHS_PER_PERIOD[terms.frequency]
    amounts = split_equal_cents(to_cents(principal), terms.n_instalments)
    return [
        Instalment(
            number=j,
            due=add_months(start, (terms.deferral_periods + j) * months),
            amount=from_cents(cents),
        )
        for j, cents in enumerate(amounts, start=1)
    ]


@dataclass(frozen=True, slots=True)
class FailureOutcome:
    """Result of a failure finding (constat d'échec).

    ``remaining_before == forgiven + still_due`` always; ``arrears`` (instalments due on or
    before the finding date and not covered by repayments) is part of ``remaining_before``
    and ``not_yet_due`` is the rest.
    """

    remaining_before: Money
    forgiven: Money
    still_due: Money
    arrears: Money
    not_yet_due: Money
    forgiveness_share: Decimal
    arrears_forgivable: bool


def failure_finding(
    *,
    schedule: Sequence[Instalment],
    repaid_to_date: Decimal,
    on: date,
    forgiveness_share: Decimal,
    arrears_forgivable: bool = True,
) -> FailureOutcome:
    """Forgive ``forgiveness_share`` of what remains unpaid at the finding date ``on``.

    The remainder is everything not repaid yet: instalments not yet due plus any due but
    unpaid (arrears). By default the share applies to all of it; with
    ``arrears_forgivable=False`` it applies to the part not yet due only and arrears stay
    due in full (a scheme may choose either; the convention is not in any text found).
    ``forgiven = round_cent(base * share)`` (half up); ``still_due`` is the rest.
    """
    if not (forgiveness_share.is_finite() and Decimal(0) <= forgiveness_share <= Decimal(1)):
        raise ValueError(f"forgiveness_share must be in [0, 1], got {forgiveness_share}")
    if repaid_to_date < 0:
        raise ValueError(f"repaid_to_date must be >= 0, got {repaid_to_date}")
    total = sum((i.amount for i in schedule), ZERO)
    if repaid_to_date > total:
        raise ValueError(f"repaid_to_date {repaid_to_date} exceeds the schedule total {total}")
    due_by_then = sum((i.amount for i in schedule if i.due <= on), ZERO)
    remaining = round_cent(total - repaid_to_date)
    arrears = round_cent(max(ZERO, due_by_then - repaid_to_date))
    not_yet_due = remaining - arrears
    base = remaining if arrears_forgivable else not_yet_due
    forgiven = round_cent(base * forgiveness_share)
    return FailureOutcome(
        remaining_before=remaining,
        forgiven=forgiven,
        still_due=remaining - forgiven,
        arrears=arrears,
        not_yet_due=not_yet_due,
        forgiveness_share=forgiveness_share,
        arrears_forgivable=arrears_forgivable,
    )
