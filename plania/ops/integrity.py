"""Walk every hash chain (plania.core.chain) and check the ledger's running totals.

The chained tables are found, not listed: every installed model that declares
`HASHED_FIELDS` and `CHAIN_FIELDS` (the ledger's entries and every history table), so a
room that adds one is checked without a change here. The ledger's own checks (its chain
heads kept on EnvelopeBalance, its running totals against its entries) are the ledger's
selectors.
"""

from django.apps import apps
from django.db import models

from plania.core.chain import verify_model
from plania.ledger.models import LedgerEntry
from plania.ledger.selectors import (
    balances_match_entries,
    chain_head_problems,
    year_totals_problems,
)


def chained_models() -> list[type[models.Model]]:
    """The hash-chained models, the ledger's first, then in the order of INSTALLED_APPS."""
    found = [
        model
        for model in apps.get_models()
        if getattr(model, "HASHED_FIELDS", None) and getattr(model, "CHAIN_FIELDS", None)
    ]
    return sorted(found, key=lambda model: model is not LedgerEntry)


def integrity_problems() -> tuple[list[str], dict[str, int]]:
    """Every problem found, as lines, and the number of rows checked per table."""
    problems: list[str] = []
    counts: dict[str, int] = {}
    for model in chained_models():
        count, mismatches, heads = verify_model(model)
        counts[model._meta.db_table] = count
        problems.extend(str(m) for m in mismatches)
        if model is LedgerEntry:
            problems.extend(chain_head_problems({key[0]: last for key, last in heads.items()}))
    problems.extend(f"ledger balances: {p}" for p in balances_match_entries())
    problems.extend(f"ledger yearly totals: {p}" for p in year_totals_problems())
    return problems, counts
