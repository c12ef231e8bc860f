"""Reads of the ledger: balances derived from entries, never stored by the application.

The sums per envelope, kind and budget year come from LedgerYearTotal, which a database
trigger keeps as each entry is written (plania.ledger.models); `year_totals_problems`
checks them against the entries (`plania verify_integrity`)."""

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from plania.ledger.enums import EntryKind
from plania.ledger.models import LedgerEntry, LedgerYearTotal
from plania.plans.models import Envelope, Plan

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

Sums = dict[int, dict[str, Decimal]]

# The envelope `root_id` and its subtree, with per envelope and kind the sum of entries.
# Table names come from the models; every value is a parameter.
_SUBTREE_SQL = """
    WITH RECURSIVE subtree (id, parent_id, capped) AS (
        SELECT id, parent_id, cap IS NOT NULL FROM {envelopes} WHERE id = %s
        UNION ALL
        SELECT e.id, e.parent_id, e.cap IS NOT NULL
        FROM {envelopes} e JOIN subtree s ON e.parent_id = s.id
    )
    SELECT s.id, s.parent_id, s.capped, l.kind, SUM(l.amount)
    FROM subtree s
    LEFT JOIN {entries} l ON l.envelope_id = s.id AND l.kind IN ({kinds})
    GROUP BY s.id, s.parent_id, s.capped, l.kind
"""
_LOCK_SQL = "SELECT id FROM {envelopes} WHERE id = %s FOR NO KEY UPDATE;"


def _client_side_binding() -> bool:
    """Django's default psycopg cursor binds client-side and accepts several statements."""
    return connection.settings_dict["OPTIONS"].get("server_side_binding") is not True


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


def _decimal(total: Decimal | int) -> Decimal:
    """A SUM as money with two decimals (a raw SUM of whole cents may come back as an int)."""
    return Decimal(total).quantize(CENT)


def _empty_sums() -> Sums:
    return defaultdict(lambda: defaultdict(lambda: ZERO))


def _sums_by_envelope(envelope_ids: Iterable[int]) -> Sums:
    rows = (
        LedgerYearTotal.objects.filter(envelope_id__in=list(envelope_ids))
        .values("envelope_id", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    sums = _empty_sums()
    for row in rows:
        sums[row["envelope_id"]][row["kind"]] = _decimal(row["total"])
    return sums


# (envelope id, budget year, kind) -> sum of the entries.
YearSums = dict[tuple[int, int, str], Decimal]


def sums_by_envelope_year(envelope_ids: Iterable[int]) -> YearSums:
    """The sum of the entries per envelope, budget year and kind, as the database keeps
    them (LedgerYearTotal: a few rows per envelope, whatever the number of entries)."""
    rows = LedgerYearTotal.objects.filter(envelope_id__in=list(envelope_ids)).values_list(
        "envelope_id", "budget_year", "kind", "amount"
    )
    return {(env, year, kind): _decimal(amount) for env, year, kind, amount in rows}


def year_totals_problems() -> list[str]:
    """Where the kept sums (LedgerYearTotal) differ from the entries: empty when they
    agree; each item names the envelope, kind and budget year and both figures. One
    grouped read of every entry (for `verify_integrity`, not for pages)."""
    from_entries = {
        (row["envelope_id"], row["budget_year"], row["kind"]): _decimal(row["total"])
        for row in LedgerEntry.objects.values("envelope_id", "kind", "budget_year")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    kept = {
        (env, year, kind): _decimal(amount)
        for env, year, kind, amount in LedgerYearTotal.objects.values_list(
            "envelope_id", "budget_year", "kind", "amount"
        )
    }
    codes = dict(Envelope.objects.values_list("pk", "code"))
    problems = []
    for key in sorted(from_entries.keys() | kept.keys()):
        entries, total = from_entries.get(key, ZERO), kept.get(key, ZERO)
        if entries != total:
            env, year, kind = key
            problems.append(
                f"{codes.get(env, env)} {kind} {year}: {entries} in entries, {total} in the "
                "kept yearly totals"
            )
    return problems


def sums_over_years(year_sums: YearSums) -> Sums:
    """Per envelope and kind, all budget years together (exact: Decimal additions)."""
    sums = _empty_sums()
    for (envelope_id, _year, kind), total in year_sums.items():
        sums[envelope_id][kind] += total
    return sums


class EnvelopeTree:
    """Envelopes with their ledger sums: the structure, and per envelope and kind a total.

    Built from a plan's Envelope rows (two queries; one when the caller passes the `sums`
    it already read, e.g. `sums_over_years(sums_by_envelope_year(...))`), or by
    `EnvelopeTree.for_root` from one statement that reads the structure and the sums of one
    root's subtree together (the ledger's services use it under their lock).
    """

    def __init__(self, envelopes: Iterable[Envelope], *, sums: Sums | None = None):
        # The Envelope rows, by id; empty for a tree built by `for_root`.
        self.envelopes: dict[int, Envelope] = {e.pk: e for e in envelopes}
        self.parents: dict[int, int | None] = {pk: e.parent_id for pk, e in self.envelopes.items()}
        self.capped: set[int] = {pk for pk, e in self.envelopes.items() if e.cap is not None}
        self.sums = _sums_by_envelope(self.envelopes) if sums is None else sums
        self._index()

    def _index(self) -> None:
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for pk, parent_id in self.parents.items():
            self.children[parent_id].append(pk)

    @classmethod
    def for_root(
        cls,
        root_id: int,
        *,
        kinds: Collection[str] = tuple(EntryKind.values),
        lock_root: bool = False,
    ) -> "EnvelopeTree":
        """The envelope `root_id` and everything below it, with the sums of `kinds` only.

        One statement reads the structure and the sums together, and only the entries of
        this subtree are summed. The tree's `envelopes` is empty: fetch an Envelope by id
        when its name is needed.

        lock_root=True first locks the root row (FOR NO KEY UPDATE), for the ledger's
        services. On PostgreSQL the lock and the read go in one message: the server runs
        the read as soon as the lock is granted, without a round trip to the client in
        between, which is time the lock is held. The read is still its own statement, so
        under READ COMMITTED it takes a new snapshot once the lock is granted and sees
        everything the previous holder committed (a single statement would not: it keeps
        the snapshot it started with).
        """
        kinds = list(kinds)
        read = _SUBTREE_SQL.format(
            envelopes=Envelope._meta.db_table,
            entries=LedgerEntry._meta.db_table,
            kinds=", ".join(["%s"] * len(kinds)),
        )
        params: list[object] = [root_id, *kinds]
        lock = lock_root and connection.features.has_select_for_no_key_update
        with connection.cursor() as cursor:
            if lock and _client_side_binding():
                cursor.execute(
                    _LOCK_SQL.format(envelopes=Envelope._meta.db_table) + read, [root_id, *params]
                )
                if not cursor.fetchall():
                    raise Envelope.DoesNotExist(f"Envelope {root_id} does not exist.")
                cursor.nextset()
            else:
                if lock:
                    cursor.execute(_LOCK_SQL.format(envelopes=Envelope._meta.db_table), [root_id])
                cursor.execute(read, params)
            rows = cursor.fetchall()
        tree = cls.__new__(cls)
        tree.envelopes = {}
        tree.parents = {}
        tree.capped = set()
        tree.sums = _empty_sums()
        for pk, parent_id, capped, kind, total in rows:
            # The root's parent is outside the subtree: the root is treated as a root.
            tree.parents[pk] = None if pk == root_id else parent_id
            if capped:
                tree.capped.add(pk)
            if kind is not None:
                tree.sums[pk][kind] = _decimal(total)
        if root_id not in tree.parents:
            raise Envelope.DoesNotExist(f"Envelope {root_id} does not exist.")
        tree._index()
        return tree

    def subtree(self, pk: int) -> list[int]:
        out, stack = [], [pk]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(self.children.get(node, []))
        return out

    def _total(self, pk: int, kind: str) -> Decimal:
        return sum((self.sums[n][kind] for n in self.subtree(pk)), ZERO)

    def committed(self, pk: int) -> Decimal:
        """Net commitments (commitments less de-commitments) of `pk` and everything below
        it: what the running total EnvelopeBalance.committed_cents keeps."""
        return self._total(pk, EntryKind.COMMITMENT) - self._total(pk, EntryKind.DECOMMITMENT)

    def constrains(self, pk: int) -> bool:
        """A root, a capped envelope, or one with an allocation of its own limits commitments."""
        return (
            self.parents[pk] is None
            or pk in self.capped
            or EntryKind.ALLOCATION in (self.sums.get(pk) or {})
        )

    def headroom(self, pk: int) -> Decimal | None:
        """Own allocation minus net commitments of the subtree; None if unconstrained."""
        if not self.constrains(pk):
            return None
        return self.sums[pk][EntryKind.ALLOCATION] - self.committed(pk)

    def chain(self, pk: int) -> list[int]:
        """`pk` and every envelope above it, nearest first."""
        out = [pk]
        while (parent_id := self.parents[out[-1]]) is not None:
            out.append(parent_id)
        return out

    def balances(self, pk: int) -> Balances:
        committed = self.committed(pk)
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
        row["kind"]: _decimal(row["total"])
        for row in commitment.movements.values("kind").annotate(total=Sum("amount")).order_by()
    }
    decommitted = totals.get(EntryKind.DECOMMITMENT, ZERO)
    return {
        "committed": commitment.amount - decommitted,
        "paid": totals.get(EntryKind.PAYMENT, ZERO),
        "repaid": totals.get(EntryKind.REPAYMENT, ZERO),
    }


def commitment_sum_expressions(commitment: str) -> dict[str, Coalesce]:
    """`commitment_sums` as expressions, to annotate the rows of a list with (one query
    for the page instead of one per row): `qs.annotate(**commitment_sum_expressions(
    "commitment"))` gives each row `committed`, `paid` and `repaid`, `commitment` being
    the path from the row to its commitment entry."""
    money = DecimalField(max_digits=14, decimal_places=2)

    def total(kind: str) -> Coalesce:
        movements = (
            LedgerEntry.objects.filter(commitment_id=OuterRef(f"{commitment}_id"), kind=kind)
            .order_by()
            .values("commitment_id")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return Coalesce(Subquery(movements, output_field=money), Value(ZERO), output_field=money)

    return {
        "committed": F(f"{commitment}__amount") - total(EntryKind.DECOMMITMENT),
        "paid": total(EntryKind.PAYMENT),
        "repaid": total(EntryKind.REPAYMENT),
    }


def balances_match_entries() -> list[str]:
    """Envelopes whose running totals (EnvelopeBalance) differ from their entries.

    Empty when the ledger is consistent; each item names the envelope and both figures.
    """
    from plania.ledger.models import EnvelopeBalance

    problems = []
    trees: dict[int, EnvelopeTree] = {}
    for balance in EnvelopeBalance.objects.select_related("envelope"):
        env = balance.envelope
        tree = trees.get(env.plan_id)
        if tree is None:
            tree = trees[env.plan_id] = EnvelopeTree(Envelope.objects.filter(plan_id=env.plan_id))
        derived = tree.balances(env.pk)
        allocated = tree.sums[env.pk][EntryKind.ALLOCATION]
        if int(allocated * 100) != balance.allocated_cents:
            problems.append(
                f"{env.code}: allocated {allocated} in entries, {balance.allocated_cents} cents "
                "in running totals"
            )
        if int(derived.committed * 100) != balance.committed_cents:
            problems.append(
                f"{env.code}: committed {derived.committed} in entries, "
                f"{balance.committed_cents} cents in running totals"
            )
    return problems


def chain_head_problems(last_hashes: dict[int, str]) -> list[str]:
    """Envelopes whose chain head (EnvelopeBalance.chain_head) is not the hash of their
    last entry (`last_hashes`: envelope id -> that hash, from plania.core.chain.verify_model):
    rows removed at the end of a chain, or a head moved without its entry."""
    from plania.ledger.models import EnvelopeBalance

    stored = dict(EnvelopeBalance.objects.values_list("envelope_id", "chain_head"))
    problems = []
    for envelope_id in sorted(set(stored) | set(last_hashes)):
        last = last_hashes.get(envelope_id, "")
        if stored.get(envelope_id, "") != last:
            problems.append(
                f"{EnvelopeBalance._meta.db_table} envelope {envelope_id}: chain head "
                f"expected {last or '(none)'}, found {stored.get(envelope_id) or '(none)'}"
            )
    return problems
