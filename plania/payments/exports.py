"""Payment orders for the accounting system (CSV)."""

from collections.abc import Iterable
from decimal import Decimal

from plania.core import tabular
from plania.payments.models import Payment

CENT = Decimal("0.01")


def payment_orders_csv(payments: Iterable[Payment]) -> str:
    """Payment orders for the accounting system: one line per mandat, ';'-separated,
    amounts as numbers with a decimal point (the usual import format of accounting
    software)."""
    head = [
        "numero_mandat",
        "date_mandat",
        "exercice",
        "reference_aide",
        "deliberation",
        "beneficiaire",
        "siret",
        "enveloppe",
        "montant",
        "dont_subvention",
        "dont_avance",
        "ecriture",
    ]
    rows = (
        [
            p.number,
            p.ordered_on.isoformat(),
            p.budget_year,
            award.reference,
            award.deliberation_reference,
            award.beneficiary_name,
            award.beneficiary_siret,
            award.envelope.code,
            p.amount.quantize(CENT),
            p.grant_part.quantize(CENT),
            p.advance_part.quantize(CENT),
            p.ledger_entry_id,
        ]
        for p in payments
        for award in (p.award,)
    )
    # plania.core.tabular: a beneficiary's name never reads as a formula.
    return tabular.csv_text(head, rows, delimiter=";")
