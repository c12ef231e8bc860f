"""The demo's amounts, from the rules core: plania.rules.award.split_award on the call's
scheme version in force on the proposal's day (the aid cap, the grant cap, the intensity
on the eligible cost), the grant equivalent of an advance from plania.rules.gge. So the
demo's awards keep within their schemes' caps, as the officer's proposal would."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from plania.applications.models import Call
from plania.demo.common import DEMO_TERMS
from plania.rules import gge
from plania.rules.award import AwardContext, split_award
from plania.rules.schedules import RepaymentTerms
from plania.schemes.selectors import scheme_version

CENT = Decimal("0.01")


def money(value: float | Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Figures:
    """The rules core's amounts for one dossier (euros)."""

    aid: Decimal
    grant: Decimal
    advance: Decimal
    # The grant equivalent of the advance on the scheme's terms (the proposal's) and on
    # the terms the demo's deliberations set (the award's).
    advance_gge: Decimal
    award_advance_gge: Decimal


class Amounts:
    """Amounts by plania.rules.award.split_award on the call's scheme version, in force on
    the proposal's day (contexts built once per scheme and day)."""

    def __init__(self) -> None:
        self.contexts: dict[tuple[str, str, date], AwardContext] = {}

    def context(self, call: Call, on: date) -> AwardContext:
        key = (call.scheme_code, call.scheme_version, on)
        if key not in self.contexts:
            scheme = scheme_version(call.scheme_code, call.scheme_version)
            if scheme is None:
                raise ValueError(f"scheme {call.scheme_code} {call.scheme_version} not found")
            self.contexts[key] = AwardContext.build(scheme, on)
        return self.contexts[key]

    def figures(
        self, call: Call, *, requested: Decimal, eligible_cost: Decimal, on: date
    ) -> Figures:
        ctx = self.context(call, on)
        aid, _limit, grant, advance = split_award(
            requested=requested, eligible_cost=eligible_cost, ctx=ctx
        )
        return Figures(
            aid=money(aid),
            grant=money(grant),
            advance=money(advance),
            advance_gge=self._gge(advance, ctx.terms, ctx),
            award_advance_gge=self._gge(advance, DEMO_TERMS, ctx),
        )

    @staticmethod
    def _gge(advance: Decimal, terms: RepaymentTerms, ctx: AwardContext) -> Decimal:
        if advance <= 0:
            return Decimal("0.00")
        return money(
            gge.advance_gge(
                principal=advance,
                deferral_periods=terms.deferral_periods,
                n_instalments=terms.n_instalments,
                periods_per_year=terms.periods_per_year,
                annual_rate=ctx.reference_rate,
                compounding=ctx.compounding,
            ).gge
        )
