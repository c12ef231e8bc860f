"""A new key for the hash chains (`plania chain_rekey`; docs/security.md, "Tamper evidence
and the deadline").

When PLANIA_CHAIN_KEY must change (it leaked, or a yearly rotation), every row's hash and
every envelope's chain head are recomputed under the new key. Nothing is trusted blindly:
first every chain is checked under the previous key, and against the latest checkpoint
(whose seal must be the previous key's); anything wrong stops the change with the
problems named, so that re-hashing never launders an edit. Then, in one transaction, the
append-only triggers are disabled (the table owner's right: run it with the role that owns
the tables), the rows re-hashed, the triggers enabled again; a checkpoint under the new
key is written after the commit.
"""

from typing import Any

from django.db import connection, transaction

from plania.core.chain import canonical, chain_key, link_of
from plania.ledger.models import EnvelopeBalance, LedgerEntry
from plania.ops import checkpoint
from plania.ops.integrity import chained_models


class RekeyRefused(Exception):
    """The chains do not all match under the previous key: the message lists why."""


def _walk(
    model: Any, key: str, anchors: dict[tuple, tuple[int, str]]
) -> tuple[list[Any], list[str], dict[tuple, tuple[int, str]], dict[tuple, str]]:
    """Every row with its hash under the current key; the problems under `key`; each
    chain's rows and stored head; the stored hash at each anchor's length."""
    make = link_of(model)
    rows, problems = [], []
    heads: dict[tuple, tuple[int, str]] = {}
    new_heads: dict[tuple, str] = {}
    at_anchor: dict[tuple, str] = {}
    broken: set[tuple] = set()
    for row in model._base_manager.order_by(*model.CHAIN_FIELDS, "pk").iterator(2000):
        chain = chain_key(row)
        payload = canonical(row)
        count, previous = heads.get(chain, (0, ""))
        if chain not in broken and row.chain_hash != make(previous, payload, key):
            broken.add(chain)
            problems.append(f"{model._meta.db_table} id {row.pk}: not chained under the old key")
        heads[chain] = (count + 1, row.chain_hash)
        if chain in anchors and anchors[chain][0] == count + 1:
            at_anchor[chain] = row.chain_hash
        row.chain_hash = make(new_heads.get(chain, ""), payload)
        new_heads[chain] = row.chain_hash
        rows.append(row)
    return rows, problems, heads, at_anchor


def rekey(previous_key: str) -> tuple[dict[str, int], str]:
    """Re-hash every chain under the current key; (rows per table, new checkpoint)."""
    latest = checkpoint.latest()
    if latest is not None and not checkpoint.sealed(latest[1], previous_key):
        raise RekeyRefused(f"checkpoint {latest[0]}: its seal is not the previous key's")
    counts: dict[str, int] = {}
    with transaction.atomic():
        plans, problems = [], []
        for model in chained_models():
            table = model._meta.db_table
            anchors = checkpoint.anchors(latest[1], table) if latest else {}
            rows, found, heads, at_anchor = _walk(model, previous_key, anchors)
            problems += found
            if latest is not None:
                problems += checkpoint.compare(
                    latest[1], table, tuple(model.CHAIN_FIELDS), heads, at_anchor
                )
            plans.append((model, rows))
            counts[table] = len(rows)
        if problems:
            raise RekeyRefused("\n".join(problems))
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for model, rows in plans:
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                model._base_manager.bulk_update(rows, ["chain_hash"], batch_size=1000)
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                if model is LedgerEntry:
                    last = {row.envelope_id: row.chain_hash for row in rows}
                    for envelope_id, head in last.items():
                        EnvelopeBalance.objects.filter(envelope_id=envelope_id).update(
                            chain_head=head
                        )
    name, _body = checkpoint.write()
    return counts, name
