"""Walk every hash chain (plania.core.chain), compare it with the latest checkpoint
(plania.ops.checkpoint) and check the ledger's running totals.

The chained tables are found, not listed: every installed model that declares
`HASHED_FIELDS` and `CHAIN_FIELDS` (the ledger's entries and every history table), so a
room that adds one is checked without a change here. The ledger's own checks (its chain
heads kept on EnvelopeBalance, its running totals against its entries) are the ledger's
selectors.
"""

from typing import NamedTuple

from django.apps import apps
from django.db import models

from plania.core.chain import survey
from plania.ledger.models import LedgerEntry
from plania.ledger.selectors import (
    balances_match_entries,
    chain_head_problems,
    year_totals_problems,
)
from plania.ops import checkpoint


def chained_models() -> list[type[models.Model]]:
    """The hash-chained models, the ledger's first, then in the order of INSTALLED_APPS."""
    found = [
        model
        for model in apps.get_models()
        if getattr(model, "HASHED_FIELDS", None) and getattr(model, "CHAIN_FIELDS", None)
    ]
    return sorted(found, key=lambda model: model is not LedgerEntry)


class Integrity(NamedTuple):
    problems: list[str]
    # rows checked per table
    counts: dict[str, int]
    # the checkpoint compared with ("" when there is none yet)
    checkpoint: str


def integrity_problems() -> Integrity:
    """Every problem found, as lines, the rows checked per table, and the checkpoint used."""
    problems: list[str] = []
    counts: dict[str, int] = {}
    latest = checkpoint.latest()
    body, name = None, ""
    if latest is not None:
        name, body = latest
        if not checkpoint.sealed(body):
            problems.append(
                f"checkpoint {name}: its seal is not the chain key's (rewritten, or written "
                "under another PLANIA_CHAIN_KEY): not compared"
            )
            body = None
    for model in chained_models():
        table = model._meta.db_table
        anchors = checkpoint.anchors(body, table) if body else {}
        found = survey(model, anchors)
        counts[table] = found.rows
        problems.extend(str(m) for m in found.mismatches)
        if body:
            problems.extend(
                checkpoint.compare(
                    body,
                    table,
                    tuple(model.CHAIN_FIELDS),  # type: ignore[attr-defined]
                    found.heads,
                    found.at_anchor,
                )
            )
        if model is LedgerEntry:
            problems.extend(
                chain_head_problems({key[0]: last for key, (_n, last) in found.heads.items()})
            )
    problems.extend(f"ledger balances: {p}" for p in balances_match_entries())
    problems.extend(f"ledger yearly totals: {p}" for p in year_totals_problems())
    return Integrity(problems, counts, name if body else "")
