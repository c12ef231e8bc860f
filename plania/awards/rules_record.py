"""What an award keeps of the rules: the scheme version and its parameter values (with
their sources), the repayment terms, the grant equivalent of the advance as decided, and
the computation's explanation — the CRPA R311-3-1-2 answer, frozen at the decision.

The parameters are read on the day the dossier's eligibility was frozen (its filing day),
as the officer's proposal was computed; the grant equivalent is recomputed on the advance
the committee approved (it may be lower than proposed).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from plania.awards.enums import LegalBasis
from plania.awards.models import Award
from plania.awards.proposals import proposal_figures
from plania.rules import gge
from plania.rules.award import LEGAL_BASIS_TEXT, AwardConfigError, AwardContext
from plania.rules.schedules import RepaymentTerms

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Record:
    purpose: str
    advance_gge: Decimal
    legal_basis_text: str
    rules: dict[str, Any]
    terms: RepaymentTerms | None


def _rules_day(application: Any, fallback: date) -> date:
    at = (application.eligibility or {}).get("at")
    return date.fromisoformat(at) if at else fallback


def for_item(
    item: Any,
    *,
    application: Any,
    advance: Decimal,
    on: date,
    terms: RepaymentTerms | None = None,
) -> Record:
    if application is None:
        direct = item.direct
        return Record(
            purpose=direct.purpose,
            advance_gge=ZERO,
            legal_basis_text=str(LegalBasis(direct.legal_basis).label),
            rules={
                "direct": True,
                "justification": direct.justification,
                "legal_basis": direct.legal_basis,
            },
            terms=None,
        )
    figures = proposal_figures(item.proposal)
    scheme = application.call.scheme
    answers = (application.submitted_data or {}).get("answers") or {}
    purpose = str(answers.get("project_title") or application.call.title_fr)[:256]
    if scheme is None:
        raise AwardConfigError(
            f"scheme {application.call.scheme_code} {application.call.scheme_version} not found"
        )
    # The parameters in force on the day the proposal was computed (its rules date).
    day = figures.rules_date or _rules_day(application, on)
    ctx = AwardContext.build(scheme, day)
    terms_source = "scheme"
    if terms is None:
        terms = ctx.terms
    else:
        terms_source = "deliberation"
    advance_gge = ZERO
    gge_detail: dict[str, Any] = {}
    if advance > 0:
        result = gge.advance_gge(
            principal=advance,
            deferral_periods=terms.deferral_periods,
            n_instalments=terms.n_instalments,
            periods_per_year=terms.periods_per_year,
            annual_rate=ctx.reference_rate,
            compounding=ctx.compounding,
        )
        advance_gge = result.gge
        gge_detail = {
            "principal": str(result.principal),
            "gge": str(result.gge),
            "ratio": str(result.ratio),
            "present_value": str(result.present_value),
            "reference_rate": str(result.reference_rate),
            "compounding": result.compounding,
        }
    proposal_rules = figures.rules
    labels = {n: (p.label_fr, p.label_en) for n, p in ctx.params.items()}
    parameters: dict[str, Any] = {}
    for name, p in (proposal_rules.get("parameters") or {}).items():
        fr, en = labels.get(name, (name, name))
        parameters[name] = {**p, "label_fr": fr, "label_en": en}
    for name in ctx.parameter_names():
        if name not in parameters:
            p = ctx.params[name]
            parameters[name] = {**p.as_dict(), "label_fr": p.label_fr, "label_en": p.label_en}
    basis_fr, basis_en = LEGAL_BASIS_TEXT.get(figures.legal_basis, ("", ""))  # type: ignore[call-overload]
    return Record(
        purpose=purpose,
        advance_gge=advance_gge,
        legal_basis_text=figures.legal_basis_text_fr or basis_fr or figures.legal_basis,
        rules={
            "scheme": proposal_rules.get("scheme", scheme.id),
            "version": proposal_rules.get("version", scheme.version),
            "rules_sha256": proposal_rules.get("sha256", application.rules_sha256),
            "at": day.isoformat(),
            "inputs": proposal_rules.get("inputs", {}),
            "parameters": parameters,
            "proposal": {
                "total": str(figures.total),
                "grant": str(figures.grant),
                "advance": str(figures.advance),
                "requested_lowered_to": proposal_rules.get("requested_lowered_to"),
                "limited_by": proposal_rules.get("limited_by"),
                "advance_gge": proposal_rules.get("advance_gge"),
            },
            "terms": {
                "deferral_periods": terms.deferral_periods,
                "n_instalments": terms.n_instalments,
                "frequency": terms.frequency,
                "forgiveness_share_on_failure": str(terms.forgiveness_share_on_failure),
                "source": terms_source,
            },
            "reference_rate": str(ctx.reference_rate),
            "gge": gge_detail,
            "legal_basis": {
                "code": figures.legal_basis,
                "fr": figures.legal_basis_text_fr or basis_fr,
                "en": figures.legal_basis_text_en or basis_en,
            },
            "computation": proposal_rules.get("explanation") or {"fr": [], "en": []},
        },
        terms=terms,
    )


def terms_of(award: Award) -> RepaymentTerms:
    """The repayment terms recorded on the award (from its scheme version or its
    deliberation)."""
    return RepaymentTerms(
        deferral_periods=award.deferral_periods,
        n_instalments=award.n_instalments,
        frequency=award.frequency,  # type: ignore[arg-type]
        forgiveness_share_on_failure=award.forgiveness_share,
    )
