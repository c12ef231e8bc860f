"""Reads of the ledger: balances derived from entries, never stored."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from plania.ledger.enums import EntryKind
from plania.ledger.models import LedgerEntry
from plania.plans.models import Envelope, Plan

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Balances:
    """Balances of one envelope; committed is net of de-commitments.

    allocated is the envelope's own budget authority (None when it has none and draws on
    its parent); committed, paid and repaid cover the envelope and its sub-envelopes.
    """

    allocated: Decimal | None
    committed: Decimal
    paid: Decimal
    repaid: Decimal
    # What can still be committed here, given this envelope and every one above it.
    available: Decimal

    @property
    def unpaid_commitments(self) -> Decimal:
        return self.committed - self.paid


def _sums_by_envelope(envelope_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    rows = (
        LedgerEntry.objects.filter(envelope_id__in=list(envelope_ids))
        .values("envelope_id", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in rows:
        # SQLite returns sums without their scale; money is always shown to the cent.
        sums[row["envelope_id"]][row["kind"]] = row["total"].quantize(ZERO)
    return sums


class EnvelopeTree:
    """The envelopes of a plan with their ledger sums, computed in two queries."""

    def __init__(self, envelopes: Iterable[Envelope]):
        self.envelopes = {e.pk: e for e in envelopes}
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for env in self.envelopes.values():
            self.children[env.parent_id].append(env.pk)
        self.sums = _sums_by_envelope(self.envelopes)

    def subtree(self, pk: int) -> list[int]:
        out, stack = [], [pk]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(self.children.get(node, []))
        return out

    def _total(self, pk: int, kind: str) -> Decimal:
        return sum((self.sums[n][kind] for n in self.subtree(pk)), ZERO)

    def constrains(self, pk: int) -> bool:
        env = self.envelopes[pk]
        return (
            env.parent_id is None
            or env.cap is not None
            or EntryKind.ALLOCATION in (self.sums.get(pk) or {})
        )

    def headroom(self, pk: int) -> Decimal | None:
        """Own allocation minus net commitments of the subtree; None if unconstrained."""
        if not self.constrains(pk):
            return None
        allocated = self.sums[pk][EntryKind.ALLOCATION]
        committed = self._total(pk, EntryKind.COMMITMENT) - self._total(pk, EntryKind.DECOMMITMENT)
        return allocated - committed

    def chain(self, pk: int) -> list[int]:
        out = [pk]
        while self.envelopes[out[-1]].parent_id is not None:
            out.append(self.envelopes[out[-1]].parent_id)  # type: ignore[arg-type]
        return out

    def balances(self, pk: int) -> Balances:
        committed = self._total(pk, EntryKind.COMMITMENT) - self._total(pk, EntryKind.DECOMMITMENT)
        headrooms = [h for h in (self.headroom(p) for p in self.chain(pk)) if h is not None]
        return Balances(
            allocated=self.sums[pk][EntryKind.ALLOCATION] if self.constrains(pk) else None,
            committed=committed,
            paid=self._total(pk, EntryKind.PAYMENT),
            repaid=self._total(pk, EntryKind.REPAYMENT),
            available=min(headrooms),
        )


def envelope_tree(plan: Plan) -> EnvelopeTree:
    return EnvelopeTree(Envelope.objects.filter(plan=plan))


def envelope_balances(envelope: Envelope) -> Balances:
    tree = envelope_tree(envelope.plan)
    return tree.balances(envelope.pk)


def plan_balances(plan: Plan) -> dict[int, Balances]:
    """Balances of every envelope of a plan, keyed by envelope id (two queries)."""
    tree = envelope_tree(plan)
    return {pk: tree.balances(pk) for pk in tree.envelopes}


def commitment_sums(commitment: LedgerEntry) -> dict[str, Decimal]:
    """Net committed, paid and repaid for one commitment."""
    totals = {
        row["kind"]: row["total"]
        for row in commitment.movements.values("kind").annotate(total=Sum("amount")).order_by()
    }
    decommitted = totals.get(EntryKind.DECOMMITMENT, ZERO)
    return {
        "committed": commitment.amount - decommitted,
        "paid": totals.get(EntryKind.PAYMENT, ZERO),
        "repaid": totals.get(EntryKind.REPAYMENT, ZERO),
    }
