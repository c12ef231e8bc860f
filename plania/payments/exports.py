"""Payment orders for the accounting system (CSV)."""

import csv
import io
from collections.abc import Iterable

from plania.payments.models import Payment


def payment_orders_csv(payments: Iterable[Payment]) -> str:
    """Payment orders for the accounting system: one line per mandat, ';'-separated,
    amounts with a decimal point (the usual import format of accounting software)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
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
    )
    for p in payments:
        award = p.award
        writer.writerow(
            [
                p.number,
                p.ordered_on.isoformat(),
                p.budget_year,
                award.reference,
                award.deliberation_reference,
                award.beneficiary_name,
                award.beneficiary_siret,
                award.envelope.code,
                f"{p.amount:.2f}",
                f"{p.grant_part:.2f}",
                f"{p.advance_part:.2f}",
                p.ledger_entry_id,
            ]
        )
    return out.getvalue()
