"""Demo data at scale, written in bulk (issue 6, item 7).

`generate(applications=N, seed=S)` writes, deterministically for a seed: companies (valid
SIREN and head office SIRET, Occitanie départements weighted by their weight in the
region's economy, creation dates, size bands), one dossier per company in every state,
officers' proposals, committee sessions with their decisions, awards with agreements,
payment schedules, payments, repayable advances with instalments and repayments, and the
ledger entries of all that money; `entries` adds small commitment/payment pairs spread
over the plan's envelopes and years until the ledger holds at least that many entries
(bench/steering_at_scale.py).

Rows are written with bulk_create, not one service call each (which takes a lock and a
history row per movement), but nothing here re-implements what a room owns:

- Amounts come from the rules core (plania.rules.award.split_award on the scheme version
  of the call, on the proposal's date; the grant equivalent of an advance from
  plania.rules.gge), so every award keeps within its scheme's caps: the aid cap, the
  grant cap, the intensity on the eligible cost.
- Ledger movements go through plania.ledger.batch.LedgerBatch: the ledger's own checks,
  chain hashes and running totals, so that `plania verify_integrity` passes. A
  constrained envelope whose commitments would exceed its credits receives a top-up
  allocation first ("Abondement (données de démonstration)").
- Proposals and dossier histories are hash-chained with plania.core.chain (one proposal
  per dossier: previous hash ""). Each dossier has its history (ApplicationEvent): its
  creation, then the transitions of plania.applications.workflow that lead to its state,
  each checked against the workflow's table, fired by the demo applicant, officer,
  committee or finance, dated from its filing (never after AS_OF).

It needs the plans of `demo_setup` (loaded here if missing). Timestamps come from the
seed and fixed dates, never from the clock, except the auto_now fields that nobody hashes.
"""

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from plania.accounts.roles import Role
from plania.agreements.enums import SignatureMethod
from plania.agreements.models import Agreement
from plania.applications.enums import ApplicationState
from plania.applications.models import Application, ApplicationEvent, Call
from plania.applications.services import call_open
from plania.awards.enums import AwardState, LegalBasis
from plania.awards.models import Award
from plania.committee.enums import Outcome
from plania.committee.models import AgendaItem, CommitteeSession
from plania.committee.services import session_close, session_create
from plania.core.chain import canonical, link
from plania.demo.amounts import Amounts, money
from plania.demo.common import AS_OF, DEMO_TERMS, at, clock
from plania.demo.companies import BATCH, demo_companies, weighted
from plania.demo.history import history
from plania.instruction.enums import Recommendation
from plania.instruction.models import Proposal
from plania.ledger.batch import LedgerBatch
from plania.ledger.plan_load import plan_load
from plania.payments.enums import RequestState, ScheduleKind
from plania.payments.models import Payment, PaymentRequest, ScheduledPayment
from plania.plans.models import Envelope
from plania.repayments.enums import RepaymentSource
from plania.repayments.models import Instalment, Repayment
from plania.repayments.services import instalment_reference
from plania.rules.schedules import repayment_schedule

PLANS = Path(__file__).resolve().parents[1] / "data" / "plans"
PLAN_FILES = ["occitanie-ia-2024-2028.yaml", "startup-industrie-demain.yaml"]
ACTOR_LABEL = "plania demo_data"
CENT = Decimal("0.01")
THRESHOLD = Decimal("23000")

# Non-awarded dossiers: state and weight. Awarded ones are spread over the award states.
OTHER_STATES = [
    (ApplicationState.DRAFT, 18),
    (ApplicationState.SUBMITTED, 16),
    (ApplicationState.INCOMPLETE, 6),
    (ApplicationState.UNDER_REVIEW, 18),
    (ApplicationState.PROPOSED, 6),
    (ApplicationState.REJECTED, 14),
    (ApplicationState.WITHDRAWN, 6),
]
AWARD_STATES = [
    (AwardState.APPROVED, 10),
    (AwardState.AGREEMENT_SIGNED, 20),
    (AwardState.IN_PAYMENT, 40),
    (AwardState.CLOSED, 30),
]
# (scheme, version, envelope code, budget years): the calls of the demo.
CALLS = [
    # Within each scheme version's validity (call_open refuses a call outside it).
    ("ia-rd-projets", "2025", "ia-axe-1-rd", (2025, 2026)),
    ("startup-industrie-demain", "2025", "startup-industrie-demain-2025", (2025,)),
]
# Filler movements (bench): envelopes and the years they take.
FILLER_ENVELOPES = [
    "ia-axe-1-rd",
    "ia-axe-1-animation",
    "ia-axe-2",
    "ia-axe-3",
    "ia-axe-4-post-bac",
    "ia-axe-5",
    "startup-industrie-demain-2025",
]
YEARS = (2024, 2025, 2026, 2027, 2028)


@dataclass
class Counts:
    companies: int = 0
    applications: int = 0
    events: int = 0
    states: dict[str, int] = field(default_factory=dict)
    proposals: int = 0
    sessions: int = 0
    awards: int = 0
    payments: int = 0
    repayments: int = 0
    ledger_entries: int = 0
    topups: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def ensure_plans() -> None:
    if (
        Envelope.objects.filter(code="ia-axe-1-rd").exists()
        and Envelope.objects.filter(code="startup-industrie-demain-2025").exists()
    ):
        return
    for name in PLAN_FILES:
        plan_load(path=PLANS / name, actor_label=f"demo_data {name}")


def _people() -> dict[str, Any]:
    User = get_user_model()

    def user(username: str, role: str, staff: bool) -> Any:
        person, _created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@demo.plania.fr", "is_staff": staff},
        )
        group, _ = Group.objects.get_or_create(name=role)
        person.groups.add(group)
        return person

    return {
        "applicant": user("porteur-donnees-demo", Role.APPLICANT, False),
        "officer": user("instructeur-donnees-demo", Role.OFFICER, True),
        "committee": user("commission-donnees-demo", Role.COMMITTEE, False),
        "finance": user("finances-donnees-demo", Role.FINANCE, True),
    }


def already_generated(seed: int) -> bool:
    return Call.objects.filter(reference__startswith=f"demo-data-{seed}-").exists()


@transaction.atomic
def generate(
    *, applications: int, seed: int, entries: int = 0, award_share: float = 0.05
) -> Counts:
    """Write the demo data of `seed` (see module docstring); returns what was written."""
    ensure_plans()
    rng = random.Random(seed)
    counts = Counts()
    people = _people()
    officer, committee, finance = people["officer"], people["committee"], people["finance"]
    envelopes = {e.code: e for e in Envelope.objects.all()}

    # -- calls --------------------------------------------------------------------------
    calls = []
    for scheme, version, code, years in CALLS:
        for year in years:
            with clock(at(date(year, 1, 6), 9)):
                call = call_open(
                    scheme_code=scheme,
                    version=version,
                    envelope=envelopes[code],
                    opens_at=at(date(year, 1, 15), 9),
                    closes_at=at(date(year, 4, 30), 12),
                    title_fr=f"{scheme} {year} (données de démonstration)",
                    title_en=f"{scheme} {year} (demo data)",
                    reference=f"demo-data-{seed}-{scheme}-{year}",
                    actor=officer,
                )
            calls.append((call, year))

    # -- companies ----------------------------------------------------------------------
    companies = demo_companies(rng, seed=seed, n=applications, created_by=people["applicant"])
    counts.companies = len(companies)

    # -- dossiers -----------------------------------------------------------------------
    n_awards = round(applications * award_share)
    awarded = set(rng.sample(range(applications), n_awards)) if n_awards else set()
    startup_call = next(c for c in calls if c[0].scheme_code == "startup-industrie-demain")
    rd_calls = [c for c in calls if c is not startup_call]
    rules_sha = hashlib.sha256(b"plania demo rules").hexdigest()
    apps, plans = [], []
    for i, company in enumerate(companies):
        # Half of the dossiers go to the startup programme's call, half to the R&D calls.
        call, year = startup_call if rng.random() < 0.5 else rd_calls[rng.randrange(len(rd_calls))]
        if i in awarded:
            state = weighted(rng, AWARD_STATES)
        else:
            state = weighted(rng, OTHER_STATES)
        requested = money(rng.randrange(20_000, 400_000, 500))
        filed = state not in (ApplicationState.DRAFT, ApplicationState.WITHDRAWN) or (
            state == ApplicationState.WITHDRAWN and rng.random() < 0.5
        )
        submitted = at(date(year, 2, 1) + timedelta(days=rng.randrange(85)), 9 + i % 8)
        reference = f"D{seed % 1000:03d}-{year}-{i:07d}"
        apps.append(
            Application(
                reference=reference,
                call=call,
                company=company,
                created_by=people["applicant"],
                state=state,
                answers={"project_title": f"Projet IA {i}", "requested_eur": str(requested)},
                requested_amount=requested,
                scheme_code=call.scheme_code if filed else "",
                scheme_version=call.scheme_version if filed else "",
                rules_sha256=rules_sha if filed else "",
                submitted_at=submitted if filed else None,
                receipt_number=f"AR-{reference}" if filed else "",
            )
        )
        plans.append((call, year, requested, submitted))
    apps = Application.objects.bulk_create(apps, batch_size=BATCH)
    counts.applications = len(apps)
    events = []
    for app, (_call, _year, _requested, submitted) in zip(apps, plans, strict=True):
        events += history(app, submitted, people)
    ApplicationEvent.objects.bulk_create(events, batch_size=BATCH)
    counts.events = len(events)
    for a in apps:
        counts.states[a.state] = counts.states.get(a.state, 0) + 1

    # -- proposals, sessions, decisions -------------------------------------------------
    sessions: dict[tuple[int, int], CommitteeSession] = {}

    def session_for(year: int) -> CommitteeSession:
        month = rng.choice([6, 10]) if year < 2026 else 6
        key = (year, month)
        if key not in sessions:
            held = date(year, month, 12)
            with clock(at(held, 9)):
                sessions[key] = session_create(
                    held_on=held,
                    title=f"Commission permanente {month:02d}/{year} (données de démonstration)",
                    deliberation_prefix=f"CP/{year}-{month:02d}-D{seed}",
                    actor=committee,
                )
        return sessions[key]

    decided = {
        ApplicationState.PROPOSED,
        ApplicationState.REJECTED,
        *[s for s, _w in AWARD_STATES],
    }
    amounts = Amounts()
    proposals, items, award_specs = [], [], []
    positions: dict[int, int] = defaultdict(int)
    for app, (call, year, requested, submitted) in zip(apps, plans, strict=True):
        if app.state not in decided:
            continue
        favourable = app.state != ApplicationState.REJECTED
        proposed_at = submitted + timedelta(days=45)
        day = proposed_at.date()
        eligible_cost = money(requested * 2)
        computed = amounts.figures(call, requested=requested, eligible_cost=eligible_cost, on=day)
        figures = computed
        # One proposal in ten is lowered below the SCDL threshold by the officer; the
        # rules core computes it again on the lowered request, as proposal_create does.
        if favourable and rng.random() < 0.1:
            lowered = money(rng.randrange(8_000, 23_000, 100))
            figures = amounts.figures(call, requested=lowered, eligible_cost=eligible_cost, on=day)
        startup = call.scheme_code == "startup-industrie-demain"
        basis = (LegalBasis.GBER_ART22 if startup else LegalBasis.DE_MINIMIS) if favourable else ""
        zero = Decimal("0.00")
        proposal = Proposal(
            application=app,
            envelope=call.envelope,
            officer=officer,
            recommendation=Recommendation.FAVOURABLE if favourable else Recommendation.UNFAVOURABLE,
            summary="Proposition (données de démonstration).",
            amount=figures.aid if favourable else zero,
            grant_amount=figures.grant if favourable else zero,
            advance_amount=figures.advance if favourable else zero,
            advance_gge_amount=figures.advance_gge if favourable else zero,
            total_gge_amount=figures.grant + figures.advance_gge if favourable else zero,
            computed_amount=computed.aid,
            requested_amount=requested,
            eligible_cost=eligible_cost,
            legal_basis=basis,
            de_minimis_status="fits",
            de_minimis={},
            scheme_code=call.scheme_code,
            scheme_version=call.scheme_version,
            rules_date=day,
            rules={},
            officer_score=Decimal(rng.randrange(40, 95)),
            created_at=proposed_at,
        )
        proposal.chain_hash = link("", canonical(proposal))
        proposals.append(proposal)
        if app.state == ApplicationState.PROPOSED:
            continue
        session = session_for(year)
        positions[session.pk] += 1
        position = positions[session.pk]
        deliberation = f"{session.deliberation_prefix}/{position}"
        items.append(
            AgendaItem(
                session=session,
                position=position,
                proposal=proposal,
                envelope=call.envelope,
                beneficiary_name=app.company.name,
                dossier_reference=app.reference,
                proposed_total=proposal.amount,
                proposed_grant=proposal.grant_amount,
                proposed_advance=proposal.advance_amount,
                legal_basis=basis,
                recommendation=proposal.recommendation,
                outcome=Outcome.APPROVED if favourable else Outcome.REJECTED,
                approved_grant=proposal.grant_amount if favourable else None,
                approved_advance=proposal.advance_amount if favourable else None,
                reason="" if favourable else "Projet insuffisamment innovant (démonstration).",
                deliberation_reference=deliberation,
                decided_on=session.held_on,
                decided_by=committee,
                decided_at=at(session.held_on, 16),
            )
        )
        if favourable:
            award_specs.append((app, call, items[-1], proposal, figures))
    Proposal.objects.bulk_create(proposals, batch_size=BATCH)
    AgendaItem.objects.bulk_create(items, batch_size=BATCH)
    # Every item decided: the sessions held by AS_OF are closed, as the committee would.
    for session in sessions.values():
        if session.held_on <= AS_OF:
            with clock(at(session.held_on, 18)):
                session_close(session=session, actor=committee)
    counts.proposals, counts.sessions = len(proposals), len(sessions)

    # -- awards and their money ---------------------------------------------------------
    ledger = LedgerBatch(actor_label=ACTOR_LABEL)
    award_rows, later = [], []
    for n, (app, call, item, proposal, figures) in enumerate(award_specs):
        decided_on = item.decided_on
        year = ledger.year(call.envelope_id, decided_on)
        reference = f"AID-D{seed % 1000:03d}-{n:06d}"
        commitment = ledger.commit(
            envelope_id=call.envelope_id,
            amount=proposal.amount,
            budget_year=year,
            on=decided_on,
            reference=item.deliberation_reference,
            reason=f"Engagement {reference}",
        )
        total_gge = proposal.grant_amount + figures.award_advance_gge
        award_rows.append(
            Award(
                reference=reference,
                item=item,
                application=app,
                company=app.company,
                beneficiary_name=app.company.name,
                beneficiary_siret=app.company.head_office_siret,
                purpose=f"Projet IA {app.reference}",
                scheme_code=call.scheme_code,
                envelope_id=call.envelope_id,
                budget_year=year,
                commitment_id=commitment,
                total=proposal.amount,
                grant=proposal.grant_amount,
                advance=proposal.advance_amount,
                advance_gge=figures.award_advance_gge,
                total_gge=total_gge,
                legal_basis=proposal.legal_basis,
                de_minimis_amount=total_gge
                if proposal.legal_basis == LegalBasis.DE_MINIMIS
                else Decimal(0),
                deferral_periods=DEMO_TERMS.deferral_periods,
                n_instalments=DEMO_TERMS.n_instalments,
                frequency=DEMO_TERMS.frequency,
                forgiveness_share=DEMO_TERMS.forgiveness_share_on_failure,
                on_signature_share=Decimal("0.5"),
                deliberation_reference=item.deliberation_reference,
                decided_on=decided_on,
                state=app.state,
            )
        )
        later.append(commitment)
    ledger.flush()
    awards = Award.objects.bulk_create(award_rows, batch_size=BATCH)
    counts.awards = len(awards)

    agreements, lines, requests, pay_specs = [], [], [], []
    for award, commitment in zip(awards, later, strict=True):
        signed = award.state != AwardState.APPROVED
        signed_at = at(award.decided_on + timedelta(days=20), 15) if signed else None
        small = award.total <= THRESHOLD
        agreements.append(
            Agreement(
                award=award,
                stored_name=f"demo-data/{award.reference}.pdf",
                sha256=hashlib.sha256(award.reference.encode()).hexdigest(),
                size=0,
                generated_at=at(award.decided_on + timedelta(days=2)),
                signed_at=signed_at,
                signed_by=people["applicant"] if signed else None,
                signer_name="Représentant légal (démo)" if signed else "",
                signature_method=(SignatureMethod.NOT_REQUIRED if small else SignatureMethod.IN_APP)
                if signed
                else "",
            )
        )
        first = money(award.total * award.on_signature_share)
        amounts_due = [first, award.total - first]
        kinds = [ScheduleKind.ON_SIGNATURE, ScheduleKind.ON_FINAL_REPORT]
        paid_lines = {AwardState.IN_PAYMENT: 1, AwardState.CLOSED: 2}.get(award.state, 0)
        for position, (kind, amount) in enumerate(zip(kinds, amounts_due, strict=True), start=1):
            line = ScheduledPayment(award=award, position=position, kind=kind, amount=amount)
            lines.append(line)
            if position <= paid_lines:
                assert signed_at is not None
                ordered_on = signed_at.date() + timedelta(days=10 if position == 1 else 200)
                pay_specs.append((award, line, amount, ordered_on, commitment))
    Agreement.objects.bulk_create(agreements, batch_size=BATCH)
    ScheduledPayment.objects.bulk_create(lines, batch_size=BATCH)

    payments, instalments, repay_specs = [], [], []
    for n, (award, line, amount, ordered_on, commitment) in enumerate(pay_specs):
        number = f"MANDAT-D{seed % 1000:03d}-{n:07d}"
        budget_year = ledger.year(award.envelope_id, ordered_on)
        entry = ledger.pay(
            commitment_id=commitment,
            amount=amount,
            budget_year=budget_year,
            on=ordered_on,
            reference=number,
            reason=f"Versement {award.reference}",
        )
        requests.append(
            PaymentRequest(
                award=award,
                line=line,
                amount=amount,
                state=RequestState.ORDERED,
                requested_by=people["applicant"],
                requested_at=at(ordered_on - timedelta(days=8)),
                certified_amount=amount,
                certified_by=officer,
                certified_at=at(ordered_on - timedelta(days=4)),
            )
        )
        advance_part = money(amount * award.advance / award.total)
        payments.append(
            Payment(
                award=award,
                number=number,
                amount=amount,
                grant_part=amount - advance_part,
                advance_part=advance_part,
                ordered_on=ordered_on,
                budget_year=budget_year,
                ledger_entry_id=entry,
                ordered_by=finance,
                ordered_at=at(ordered_on, 12),
            )
        )
        if line.position == 1 and award.advance > 0:
            # The advance's schedule from its first payment (rules core), as payment_order
            # makes it; one advance in five falls into arrears after two instalments.
            schedule = repayment_schedule(
                principal=award.advance, start=ordered_on, terms=DEMO_TERMS
            )
            for due in schedule:
                instalment = Instalment(
                    award=award,
                    number=due.number,
                    due_on=due.due,
                    amount=due.amount,
                    reference=instalment_reference(award, due.number),
                )
                instalments.append(instalment)
                late = int(award.reference[-6:]) % 5 == 0 and due.number > 2
                if due.due <= AS_OF and not late:
                    repay_specs.append((award, instalment, commitment))
    ledger.flush()
    PaymentRequest.objects.bulk_create(requests, batch_size=BATCH)
    for payment, request in zip(payments, requests, strict=True):
        payment.request = request
    Payment.objects.bulk_create(payments, batch_size=BATCH)
    Instalment.objects.bulk_create(instalments, batch_size=BATCH)
    repayments = []
    for award, instalment, commitment in repay_specs:
        due = instalment.due_on
        entry = ledger.repay(
            commitment_id=commitment,
            amount=instalment.amount,
            budget_year=ledger.year(award.envelope_id, due),
            on=due,
            reference=instalment.reference,
            reason=f"Remboursement {award.reference}",
        )
        repayments.append(
            Repayment(
                award=award,
                instalment=instalment,
                amount=instalment.amount,
                received_on=due,
                reference=instalment.reference,
                source=RepaymentSource.MANUAL,
                ledger_entry_id=entry,
                recorded_by=finance,
                recorded_at=at(due, 17),
            )
        )
    # The entries the awards, payments and repayments point at must exist first.
    ledger.flush()
    Repayment.objects.bulk_create(repayments, batch_size=BATCH)
    counts.payments, counts.repayments = len(payments), len(repayments)

    # -- filler movements (bench) -------------------------------------------------------
    filler = [envelopes[c] for c in FILLER_ENVELOPES if c in envelopes]
    n = 0
    while ledger.count + 2 <= entries:
        env = filler[n % len(filler)]
        year = env.budget_year or YEARS[rng.randrange(len(YEARS))]
        on = date(year, 1 + rng.randrange(12), 1 + rng.randrange(28))
        amount = Decimal(rng.randrange(100_000, 2_000_000)) / 100
        reference = f"MVT-D{seed % 1000:03d}-{n:08d}"
        commitment = ledger.commit(
            envelope_id=env.pk,
            amount=amount,
            budget_year=year,
            on=on,
            reference=reference,
            reason="Mouvement de démonstration",
        )
        ledger.pay(
            commitment_id=commitment,
            amount=money(amount / 2) or CENT,
            budget_year=year,
            on=on,
            reference=f"{reference}-P",
            reason="Mouvement de démonstration",
        )
        n += 1
    counts.topups = top_up(ledger, on=date(2024, 1, 2))
    ledger.close()
    counts.ledger_entries = ledger.count
    return counts


def top_up(ledger: LedgerBatch, *, on: date) -> int:
    """Credits for every envelope the demo's commitments would over-commit: an allocation
    of the whole millions of euros it lacks, on its budget year."""
    shortfalls = ledger.shortfalls()
    for pk, missing in sorted(shortfalls.items()):
        millions = (missing / 1_000_000).to_integral_value(rounding=ROUND_CEILING) * 1_000_000
        ledger.allocate(
            envelope_id=pk,
            amount=Decimal(millions),
            budget_year=ledger.year(pk, on),
            on=on,
            reference=f"DEMO-ABONDEMENT-{pk}",
            reason="Abondement (données de démonstration)",
        )
    return len(shortfalls)
