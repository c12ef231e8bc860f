"""The award for one application: amounts, grant equivalent, legal basis, de minimis.

Formula (scheme file, `award` block; issue 3 item 2):

    aid     = round_to_euro(min(requested, cap, eligible_cost[, intensity x eligible_cost]))
    grant   = min(aid, grant_cap)
    advance = aid - grant            (remainder "repayable_advance"; 0 with "none")
    gge     = GGE of the advance (Communication 2008/C 14/02, `plania.rules.gge`)
    total aid in GGE = grant + gge   (grants count at face value, de minimis art. 4)

Legal basis: GBER art. 22 when the scheme's `gber_art22_when` condition *passes* (a small
enterprise within five years of registration); otherwise de minimis. An undetermined
condition (e.g. missing turnover) gives de minimis: GBER art. 22 must be shown to apply,
and de minimis is the stricter test, so the choice never lets an aid through unchecked.

Fundable = eligible, award computed, and — when the basis is de minimis — the aid fits
under the ceiling (Regulation 2023/2831 from 2024, 1407/2013 before; `deminimis.py`).
The award date used for de minimis and for the parameters is the evaluation date `at`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Literal, TypeAlias, cast

from plania.rules import deminimis, gge
from plania.rules.eligibility import (
    EligibilityResult,
    LeafResult,
    RulesContext,
    evaluate_condition,
    evaluate_eligibility,
    read_inputs,
)
from plania.rules.money import ZERO, format_money
from plania.rules.params import ParameterError, ResolvedParameter
from plania.rules.schedules import Frequency, RepaymentTerms
from plania.rules.schemes import Scheme

LegalBasis: TypeAlias = Literal["gber_art22", "de_minimis"]
DeMinimisStatus: TypeAlias = Literal["fits", "exceeds", "unknown"]
Limit: TypeAlias = Literal["requested", "cap", "eligible_cost", "intensity"]

LEGAL_BASIS_TEXT: dict[LegalBasis, tuple[str, str]] = {
    "gber_art22": (
        "RGEC (UE) 651/2014, art. 22 — aide aux jeunes pousses",
        "GBER (EU) 651/2014, art. 22 — aid for start-ups",
    ),
    "de_minimis": (
        "Règlement (UE) de minimis (2023/2831 ; 1407/2013 avant 2024)",
        "De minimis Regulation (EU) (2023/2831; 1407/2013 before 2024)",
    ),
}
# Intensities are applied in exact integer arithmetic in the vector path; four decimals
# (0.4525 = 45.25 %) is finer than any intensity in the GBER.
MAX_INTENSITY_DECIMALS = 4


class AwardConfigError(ValueError):
    pass


def _dec(p: ResolvedParameter) -> Decimal:
    assert isinstance(p.value, Decimal), p
    return p.value


def _int(p: ResolvedParameter) -> int:
    assert isinstance(p.value, int) and not isinstance(p.value, bool), p
    return p.value


def _text(p: ResolvedParameter) -> str:
    assert isinstance(p.value, str), p
    return p.value


@dataclass(frozen=True)
class AwardContext:
    """Everything an award needs, resolved once per (scheme, date, overrides)."""

    rules: RulesContext
    cap: Decimal
    intensity: Decimal | None
    grant_cap: Decimal
    remainder: Literal["repayable_advance", "none"]
    rounding_mode: Literal["down", "half_up"]
    terms: RepaymentTerms
    base_rate: Decimal
    rating: str
    collateral: str
    compounding: str
    reference_rate: Decimal
    envelope: Decimal
    # None when no de minimis regime is recorded for the date (deminimis.REGIMES).
    de_minimis_regime: str | None
    de_minimis_ceiling: Decimal | None

    @property
    def scheme(self) -> Scheme:
        return self.rules.scheme

    @property
    def at(self) -> date:
        return self.rules.at

    @property
    def params(self) -> dict[str, ResolvedParameter]:
        return self.rules.params

    @classmethod
    def build(
        cls, scheme: Scheme, at: date, overrides: Mapping[str, object] | None = None
    ) -> "AwardContext":
        rules = RulesContext.build(scheme, at, overrides)
        p = rules.params
        a, r, g = scheme.award, scheme.repayment, scheme.gge
        intensity = _dec(p[a.intensity]) if a.intensity else None
        if intensity is not None:
            exponent = intensity.as_tuple().exponent
            if not (0 <= intensity <= 1) or (
                isinstance(exponent, int) and -exponent > MAX_INTENSITY_DECIMALS
            ):
                raise AwardConfigError(
                    f"{a.intensity} = {intensity}: expected a share in [0, 1] with at most "
                    f"{MAX_INTENSITY_DECIMALS} decimals"
                )
        for name in (a.cap, a.grant_cap, scheme.envelope):
            if _dec(p[name]) < 0:
                raise AwardConfigError(f"{name} = {p[name].value}: expected an amount >= 0")
        try:
            terms = RepaymentTerms(
                deferral_periods=_int(p[r.deferral_periods]),
                n_instalments=_int(p[r.n_instalments]),
                frequency=cast(Frequency, _text(p[r.frequency])),
                forgiveness_share_on_failure=_dec(p[r.forgiveness_share_on_failure]),
            )
            ref_rate = gge.reference_rate(
                base_rate=_dec(p[g.base_rate]),
                rating=_text(p[g.rating]),
                collateral=_text(p[g.collateral]),
            )
            compounding = _text(p[g.compounding])
            if compounding not in gge.COMPOUNDINGS:
                raise ValueError(f"{g.compounding}: unknown compounding {compounding!r}")
        except ValueError as exc:
            # An override can set a value the file's checks never saw.
            raise AwardConfigError(str(exc)) from None
        try:
            regime = deminimis.regime_on(at)
            regime_code: str | None = regime.code
            ceiling: Decimal | None = regime.ceiling
        except ValueError:
            regime_code, ceiling = None, None
        return cls(
            rules=rules,
            cap=_dec(p[a.cap]),
            intensity=intensity,
            grant_cap=_dec(p[a.grant_cap]),
            remainder=a.remainder,
            rounding_mode=a.rounding_mode,
            terms=terms,
            base_rate=_dec(p[g.base_rate]),
            rating=_text(p[g.rating]),
            collateral=_text(p[g.collateral]),
            compounding=compounding,
            reference_rate=ref_rate,
            envelope=_dec(p[scheme.envelope]),
            de_minimis_regime=regime_code,
            de_minimis_ceiling=ceiling,
        )

    def parameter_names(self) -> tuple[str, ...]:
        s = self.scheme
        names: dict[str, None] = {}
        for c in s.criteria:
            names.update(dict.fromkeys(c.condition.parameters()))
        a, r, g = s.award, s.repayment, s.gge
        for n in (a.cap, a.intensity, a.grant_cap, *vars(r).values(), *vars(g).values()):
            if n:
                names[n] = None
        names.update(dict.fromkeys(s.gber_art22_when.parameters()))
        names[s.envelope] = None
        return tuple(names)


@dataclass(frozen=True)
class AwardResult:
    """An award and how every figure was obtained. Amounts in euros (Decimal)."""

    eligibility: EligibilityResult
    computed: bool  # False when not eligible or when an amount is missing
    fundable: bool
    requested_eur: Decimal | None = None
    eligible_cost_eur: Decimal | None = None
    aid_eur: Decimal | None = None
    limited_by: Limit | None = None
    grant_eur: Decimal | None = None
    advance_eur: Decimal | None = None
    advance_gge_eur: Decimal | None = None
    advance_gge: gge.GgeResult | None = None
    total_gge_eur: Decimal | None = None
    legal_basis: LegalBasis | None = None
    legal_basis_reason_fr: str = ""
    legal_basis_reason_en: str = ""
    legal_basis_details: tuple[LeafResult, ...] = ()
    de_minimis: deminimis.DeMinimisResult | None = None
    de_minimis_status: DeMinimisStatus | None = None
    de_minimis_note_fr: str = ""
    de_minimis_note_en: str = ""
    reference_rate: Decimal | None = None
    parameters_used: dict[str, ResolvedParameter] | None = None

    @property
    def eligible(self) -> str:
        return self.eligibility.overall

    def explanation(self, lang: Literal["fr", "en"]) -> list[str]:
        fr = lang == "fr"
        lines = self.eligibility.explanation(lang)
        if not self.computed:
            lines.append(
                "Aide non calculée (dossier non éligible ou incomplet)."
                if fr
                else "Award not computed (application not eligible or incomplete)."
            )
            return lines
        assert self.aid_eur is not None and self.grant_eur is not None
        assert self.advance_eur is not None and self.total_gge_eur is not None

        def money(amount: Decimal) -> str:
            return format_money(amount, "fr" if fr else "en", cents=False)

        lim = {
            "requested": ("le montant demandé", "the amount requested"),
            "cap": ("le plafond du dispositif", "the scheme's cap"),
            "eligible_cost": ("les dépenses éligibles", "the eligible cost"),
            "intensity": ("l'intensité maximale", "the maximum intensity"),
        }[self.limited_by or "requested"][0 if fr else 1]
        if fr:
            lines.append(
                f"Aide : {money(self.aid_eur)} (limitée par {lim}), dont subvention "
                f"{money(self.grant_eur)} et avance remboursable {money(self.advance_eur)} ; "
                f"équivalent-subvention brut de l'avance {money(self.advance_gge_eur or ZERO)} "
                f"(taux de référence {self.reference_rate}) ; aide totale en ESB "
                f"{money(self.total_gge_eur)}."
            )
            lines.append(f"Base juridique : {self.legal_basis_reason_fr}")
            lines.append(self.de_minimis_note_fr)
            lines.append("Finançable." if self.fundable else "Non finançable en l'état.")
        else:
            lines.append(
                f"Aid: {money(self.aid_eur)} (limited by {lim}), of which grant "
                f"{money(self.grant_eur)} and repayable advance {money(self.advance_eur)}; "
                f"gross grant equivalent of the advance {money(self.advance_gge_eur or ZERO)} "
                f"(reference rate {self.reference_rate}); total aid in GGE "
                f"{money(self.total_gge_eur)}."
            )
            lines.append(f"Legal basis: {self.legal_basis_reason_en}")
            lines.append(self.de_minimis_note_en)
            lines.append("Fundable." if self.fundable else "Not fundable as it stands.")
        return lines


def round_to_euro(amount: Decimal, mode: Literal["down", "half_up"]) -> Decimal:
    return amount.quantize(Decimal(1), rounding=ROUND_FLOOR if mode == "down" else ROUND_HALF_UP)


def split_award(
    *, requested: Decimal, eligible_cost: Decimal, ctx: AwardContext
) -> tuple[Decimal, Limit, Decimal, Decimal]:
    """(aid, what limited it, grant part, advance part), euros rounded per the scheme."""
    candidates: list[tuple[Limit, Decimal]] = [
        ("requested", requested),
        ("cap", ctx.cap),
        ("eligible_cost", eligible_cost),
    ]
    if ctx.intensity is not None:
        candidates.append(("intensity", eligible_cost * ctx.intensity))
    limit, exact = min(candidates, key=lambda c: c[1])  # first of equals: the request
    aid = max(ZERO, round_to_euro(exact, ctx.rounding_mode))
    grant = min(aid, round_to_euro(ctx.grant_cap, ctx.rounding_mode))
    if ctx.remainder == "none":
        aid = grant
    return aid, limit, grant, aid - grant


def legal_basis_for(
    values: Mapping[str, object], ctx: AwardContext
) -> tuple[LegalBasis, str, str, tuple[LeafResult, ...]]:
    details: list[LeafResult] = []
    read, _ = read_inputs(values, ctx.scheme.gber_art22_when.inputs())
    verdict = evaluate_condition(ctx.scheme.gber_art22_when, read, ctx.params, details)
    seen_fr = " ; ".join(d.text("fr") for d in details)
    seen_en = "; ".join(d.text("en") for d in details)
    if verdict == "pass":
        return (
            "gber_art22",
            f"{LEGAL_BASIS_TEXT['gber_art22'][0]} : petite entreprise immatriculée depuis "
            f"moins de cinq ans ({seen_fr}). Les autres conditions (non cotée, pas de "
            "bénéfice distribué, pas issue d'une fusion) sont à confirmer par l'instructeur.",
            f"{LEGAL_BASIS_TEXT['gber_art22'][1]}: small enterprise registered less than five "
            f"years ago ({seen_en}). The other conditions (unlisted, no profit distributed, "
            "not formed by a merger) are for the officer to confirm.",
            tuple(details),
        )
    why_fr = "non remplies" if verdict == "fail" else "non établies (données manquantes)"
    why_en = "not met" if verdict == "fail" else "not established (missing data)"
    return (
        "de_minimis",
        f"{LEGAL_BASIS_TEXT['de_minimis'][0]} : conditions du RGEC art. 22 {why_fr} ({seen_fr}).",
        f"{LEGAL_BASIS_TEXT['de_minimis'][1]}: GBER art. 22 conditions {why_en} ({seen_en}).",
        tuple(details),
    )


def compute_award(
    application: Mapping[str, object],
    ctx: AwardContext,
    *,
    prior_aids: Sequence[deminimis.PriorAid] | None = None,
    linked_sirens: Sequence[str] = (),
) -> AwardResult:
    """Eligibility, amounts, GGE, legal basis and de minimis check for one application.

    Prior de minimis aid: `prior_aids` (dated, per SIREN, e.g. awards recorded in PlanIA
    and the company's declaration) when given; otherwise the application's
    `prior_de_minimis_eur`, the total the company declared for the current window (counted
    as granted within it). Neither known: the de minimis check is "unknown".
    """
    elig = evaluate_eligibility(application, ctx.rules)
    used = {n: ctx.params[n] for n in ctx.parameter_names()}
    values, _ = read_inputs(application, ("requested_eur", "eligible_cost_eur"))
    requested, cost = values["requested_eur"], values["eligible_cost_eur"]
    if elig.overall != "yes" or requested is None or cost is None:
        return AwardResult(eligibility=elig, computed=False, fundable=False, parameters_used=used)
    assert isinstance(requested, Decimal) and isinstance(cost, Decimal)
    aid, limit, grant, advance = split_award(requested=requested, eligible_cost=cost, ctx=ctx)
    advance_gge: gge.GgeResult | None = None
    advance_gge_eur = ZERO
    if advance > 0:
        advance_gge = gge.advance_gge(
            principal=advance,
            deferral_periods=ctx.terms.deferral_periods,
            n_instalments=ctx.terms.n_instalments,
            periods_per_year=ctx.terms.periods_per_year,
            annual_rate=ctx.reference_rate,
            compounding=ctx.compounding,
        )
        advance_gge_eur = advance_gge.gge
    total_gge = grant + advance_gge_eur
    basis, reason_fr, reason_en, basis_details = legal_basis_for(application, ctx)

    # De minimis: informative under GBER, binding under de minimis.
    dm: deminimis.DeMinimisResult | None = None
    status: DeMinimisStatus = "unknown"
    note_fr = note_en = ""
    siren = str(application.get("siren") or "applicant")
    aids: list[deminimis.PriorAid] | None = list(prior_aids) if prior_aids is not None else None
    if aids is None:
        prior, _ = read_inputs(application, ("prior_de_minimis_eur",))
        declared = prior["prior_de_minimis_eur"]
        if isinstance(declared, Decimal):
            aids = [
                deminimis.PriorAid(
                    granted_on=ctx.at,
                    amount_gge=declared,
                    undertaking_siren=siren,
                    source="declared by the applicant (prior_de_minimis_eur)",
                )
            ]
    if ctx.de_minimis_ceiling is None:
        note_fr = f"Aucun régime de minimis enregistré pour le {ctx.at.isoformat()}."
        note_en = f"No de minimis regime recorded for {ctx.at.isoformat()}."
    elif aids is None:
        note_fr = "Aides de minimis antérieures non déclarées : contrôle du plafond impossible."
        note_en = "Prior de minimis aid not declared: the ceiling cannot be checked."
    else:
        dm = deminimis.deminimis_check(
            award_date=ctx.at,
            new_aid_gge=total_gge,
            prior_aids=aids,
            linked_sirens=list(linked_sirens) or [siren],
        )
        status = "fits" if dm.fits else "exceeds"
        note_fr, note_en = dm.explanation_fr, dm.explanation_en
    fundable = basis == "gber_art22" or status == "fits"
    return AwardResult(
        eligibility=elig,
        computed=True,
        fundable=fundable,
        requested_eur=requested,
        eligible_cost_eur=cost,
        aid_eur=aid,
        limited_by=limit,
        grant_eur=grant,
        advance_eur=advance,
        advance_gge_eur=advance_gge_eur,
        advance_gge=advance_gge,
        total_gge_eur=total_gge,
        legal_basis=basis,
        legal_basis_reason_fr=reason_fr,
        legal_basis_reason_en=reason_en,
        legal_basis_details=basis_details,
        de_minimis=dm,
        de_minimis_status=status,
        de_minimis_note_fr=note_fr,
        de_minimis_note_en=note_en,
        reference_rate=ctx.reference_rate,
        parameters_used=used,
    )


def award_for(
    application: Mapping[str, object],
    *,
    scheme: Scheme,
    at: date,
    overrides: Mapping[str, object] | None = None,
    prior_aids: Sequence[deminimis.PriorAid] | None = None,
    linked_sirens: Sequence[str] = (),
) -> AwardResult:
    """Convenience wrapper: build the context on `at`, then compute the award."""
    return compute_award(
        application,
        AwardContext.build(scheme, at, overrides),
        prior_aids=prior_aids,
        linked_sirens=linked_sirens,
    )


__all__ = [
    "AwardConfigError",
    "AwardContext",
    "AwardResult",
    "ParameterError",
    "award_for",
    "compute_award",
    "split_award",
]
