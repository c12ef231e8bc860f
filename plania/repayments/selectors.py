"""Reads of the repayments room: what was repaid, how the repayments cover the schedule
(the oldest instalment first), and the arrears."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from plania.awards.models import Award
from plania.awards.selectors import ZERO, amount_sum
from plania.repayments.models import Instalment, Repayment


def repaid_total(award: Award) -> Decimal:
    return amount_sum(award.repayments.all(), "amount")


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
