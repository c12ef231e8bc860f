"""What the awards room reads from an officer's proposal (instruction.Proposal).

The instruction room owns the model; this is the one place that knows its field names,
so that a rename there is one edit here.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from plania.plans.models import Envelope


@dataclass(frozen=True)
class ProposalFigures:
    application: Any
    envelope: Envelope
    total: Decimal
    grant: Decimal
    advance: Decimal
    legal_basis: str
    parameters: dict[str, Any] = field(default_factory=dict)
    officer: Any = None
    rules: dict[str, Any] = field(default_factory=dict)
    rules_date: date | None = None
    legal_basis_text_fr: str = ""
    legal_basis_text_en: str = ""
    recommendation: str = ""


def proposal_figures(proposal: Any) -> ProposalFigures:
    return ProposalFigures(
        application=proposal.application,
        envelope=proposal.envelope,
        total=Decimal(proposal.amount),
        grant=Decimal(proposal.grant_amount),
        advance=Decimal(proposal.advance_amount),
        legal_basis=str(proposal.legal_basis),
        parameters=dict(proposal.parameters or {}),
        officer=proposal.officer,
        rules=dict(proposal.rules or {}),
        rules_date=proposal.rules_date,
        legal_basis_text_fr=proposal.legal_basis_text_fr,
        legal_basis_text_en=proposal.legal_basis_text_en,
        recommendation=str(proposal.recommendation),
    )
