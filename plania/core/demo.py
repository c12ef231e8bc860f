"""Demo data at scale, written in bulk (issue 6, item 7).

`generate(applications=N, seed=S)` writes, deterministically for a seed: companies (valid
SIREN and head office SIRET, Occitanie départements weighted by their weight in the
region's economy, creation dates, size bands), one dossier per company in every state,
officers' proposals, committee sessions with their decisions, awards with agreements,
payment schedules, payments, repayable advances with instalments and repayments, and the
ledger entries of all that money; `entries` adds small commitment/payment pairs spread
over the plan's envelopes and years until the ledger holds at least that many entries
(bench/steering_at_scale.py).

Rows are written with bulk_create, not through the services (which take a lock and a
history row per movement): the generator itself keeps what the services guarantee.

- Ledger entries get explicit ids, and their chain hashes are computed here, in id
  order per envelope, from the envelope's current chain head (plania.core.chain); each
  EnvelopeBalance is then advanced (allocated, committed for the envelope and everything
  above it, chain_head), so that `plania verify_integrity` passes.
- A constrained envelope whose commitments would exceed its credits receives a
  top-up allocation ("Abondement (données de démonstration)").
- Proposals are hash-chained per dossier (one per dossier here: previous hash "").
- Each dossier has its history (ApplicationEvent): its creation, then the transitions of
  plania.applications.workflow that lead to its state, each checked against the
  workflow's table, fired by the demo applicant, officer, committee or finance, dated from
  its filing (never after AS_OF) and hash-chained from "".

It needs the plans of `demo_setup` (loaded here if missing). Timestamps come from the
seed and fixed dates, never from the clock, except the auto_now fields that nobody hashes.
"""

import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import F, Max

from plania.accounts.roles import Role
from plania.agreements.enums import SignatureMethod
from plania.agreements.models import Agreement
from plania.applications import workflow
from plania.applications.enums import ApplicationState
from plania.applications.models import Application, ApplicationEvent, Call
from plania.awards.enums import AwardState, LegalBasis
from plania.awards.models import Award
from plania.committee.enums import Outcome, SessionState
from plania.committee.models import AgendaItem, CommitteeSession
from plania.companies.enums import DataSource
from plania.companies.models import Company
from plania.companies.sirene import head_office_siret, sample_siren
from plania.core.chain import canonical, link
from plania.instruction.enums import Recommendation
from plania.instruction.models import Proposal
from plania.ledger.enums import EntryKind
from plania.ledger.models import EnvelopeBalance, LedgerEntry
from plania.payments.enums import RequestState, ScheduleKind
from plania.payments.models import Payment, PaymentRequest, ScheduledPayment
from plania.plans.models import Envelope
from plania.repayments.enums import RepaymentSource
from plania.repayments.models import Instalment, Repayment

PARIS = ZoneInfo("Europe/Paris")
PLANS = Path(__file__).resolve().parents[1] / "data" / "plans"
PLAN_FILES = ["occitanie-ia-2024-2028.yaml", "startup-industrie-demain.yaml"]
ACTOR_LABEL = "plania demo_data"
CENT = Decimal("0.01")
# Repayments recorded up to this date (a fixed date, so that a seed gives the same data).
AS_OF = date(2026, 9, 30)
THRESHOLD = Decimal("23000")

# Occitanie départements, weighted (Haute-Garonne and Hérault host most AI companies).
DEPARTEMENTS = [
    ("31", 38),
    ("34", 24),
    ("30", 7),
    ("66", 5),
    ("81", 5),
    ("11", 4),
    ("12", 3),
    ("65", 3),
    ("82", 3),
    ("32", 2),
    ("46", 2),
    ("09", 2),
    ("48", 2),
]
SIZE_BANDS = [("00", 10), ("01", 20), ("02", 20), ("03", 15), ("11", 15), ("12", 10), ("21", 6)]
SIZE_BANDS += [("22", 3), ("31", 1)]
NAF = ["62.01Z", "62.02A", "72.19Z", "58.29C", "63.11Z", "71.12B", "26.51B"]
WORDS_A = ["Vision", "Neuro", "Pyrène", "Garonne", "Occi", "Canal", "Tarn", "Aude", "Causse"]
WORDS_B = ["IA", "Data", "Robotique", "Quantique", "Santé", "Agro", "Spatial", "Énergie"]
WORDS_C = ["Labs", "Systems", "Technologies", "Analytics", "Solutions", "Innovation", ""]
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
    ("ia-rd-projets", "2025", "ia-axe-1-rd", (2024, 2025, 2026)),
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
BATCH = 5000


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS)


def _weighted(rng: random.Random, choices: list[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def _money(value: float | Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_DOWN)


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


# Each dossier's history (ApplicationEvent), from its creation to its state, through the
# transitions of plania.applications.workflow, with the day of each after the filing and
# who fires it. The generator checks every step against the workflow's table.
# The main line of a funded dossier, in order; every path below is a prefix of it or
# leaves it once.
MAIN_LINE = [
    "submit",
    "start_review",
    "propose",
    "approve",
    "sign_agreement",
    "start_payment",
    "close",
]
PATHS: dict[str, list[str]] = {
    ApplicationState.DRAFT: [],
    ApplicationState.SUBMITTED: MAIN_LINE[:1],
    ApplicationState.INCOMPLETE: ["submit", "request_missing"],
    ApplicationState.UNDER_REVIEW: MAIN_LINE[:2],
    ApplicationState.PROPOSED: MAIN_LINE[:3],
    ApplicationState.REJECTED: [*MAIN_LINE[:3], "reject"],
    ApplicationState.APPROVED: MAIN_LINE[:4],
    ApplicationState.AGREEMENT_SIGNED: MAIN_LINE[:5],
    ApplicationState.IN_PAYMENT: MAIN_LINE[:6],
    ApplicationState.CLOSED: MAIN_LINE,
}
EVENT_DAYS = {
    "create": -14,
    "submit": 0,
    "request_missing": 10,
    "start_review": 15,
    "withdraw": 20,
    "propose": 45,
    "approve": 60,
    "reject": 60,
    "sign_agreement": 75,
    "start_payment": 90,
    "close": 365,
}
EVENT_ACTORS = {
    "create": "applicant",
    "submit": "applicant",
    "withdraw": "applicant",
    "sign_agreement": "applicant",
    "request_missing": "officer",
    "start_review": "officer",
    "propose": "officer",
    "close": "officer",
    "approve": "committee",
    "reject": "committee",
    "start_payment": "finance",
}


def history(app: Application, submitted: datetime, people: dict[str, Any]) -> list[Any]:
    """The dossier's events, hash-chained (the first one's previous hash is ""), each
    transition checked against plania.applications.workflow."""
    if app.state == ApplicationState.WITHDRAWN:
        path = ["submit", "withdraw"] if app.submitted_at else ["withdraw"]
    else:
        path = PATHS[app.state]
    events, state, previous = [], "", ""
    latest = datetime.combine(AS_OF, time(18), tzinfo=PARIS)
    for step, name in enumerate(["create", *path]):
        if name == "create":
            target = ApplicationState.DRAFT
        else:
            transition = workflow.BY_NAME[name]
            if not transition.allowed_from(state):
                raise ValueError(f"{app.reference}: {name} is not allowed from {state}")
            target = transition.target
        day = EVENT_DAYS[name] if name != "withdraw" or app.submitted_at else -7
        at = submitted if name == "submit" else submitted + timedelta(days=day)
        # Never after the data's "today"; one minute apart, in order.
        at = min(at, latest - timedelta(minutes=len(path) - step))
        if events and at <= events[-1].at:
            at = events[-1].at + timedelta(minutes=1)
        event = ApplicationEvent(
            application=app,
            transition=name,
            from_state=state,
            to_state=target,
            actor=people[EVENT_ACTORS[name]],
            at=at,
            reason="",
        )
        event.chain_hash = link(previous, canonical(event))
        previous, state = event.chain_hash, target
        events.append(event)
    if state != app.state:
        raise ValueError(f"{app.reference}: history ends at {state}, not {app.state}")
    return events


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
    chains_computed: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


class Ledger:
    """Ledger entries built in memory with explicit ids and chain hashes, then bulk-written.

    Mirrors what plania.ledger.services keeps: chain per envelope in id order, running
    totals (own allocations; commitments net of de-commitments for the envelope and its
    ancestors).
    """

    def __init__(self) -> None:
        self.envelopes = {e.pk: e for e in Envelope.objects.all()}
        self.balances = {b.envelope_id: b for b in EnvelopeBalance.objects.all()}
        self.heads = {pk: b.chain_head for pk, b in self.balances.items()}
        last = LedgerEntry.objects.aggregate(m=Max("id"))["m"] or 0
        self.next_id = last + 1
        self.pending: list[LedgerEntry] = []
        self.allocated: dict[int, int] = defaultdict(int)  # new cents, own entries
        self.committed: dict[int, int] = defaultdict(int)  # new cents, tree (propagated)
        self.written = 0
        self.checked = False

    def year(self, pk: int, on: date) -> int:
        """The budget year of a movement on `pk` dated `on`: an annual envelope's own."""
        for ancestor in self._ancestors(pk):
            if self.envelopes[ancestor].budget_year is not None:
                return self.envelopes[ancestor].budget_year  # type: ignore[return-value]
        return on.year

    def _ancestors(self, pk: int) -> Iterator[int]:
        current: int | None = pk
        while current is not None:
            yield current
            current = self.envelopes[current].parent_id

    def _payload(self, e: LedgerEntry) -> str:
        """canonical(e), without the per-field lookups (checked against it once)."""
        return json.dumps(
            {
                "actor_id": e.actor_id,
                "actor_label": e.actor_label,
                "amount": format(e.amount.quantize(CENT), "f"),
                "budget_year": e.budget_year,
                "commitment_id": e.commitment_id,
                "envelope_id": e.envelope_id,
                "kind": e.kind,
                "reason": e.reason,
                "recorded_at": e.recorded_at.astimezone(UTC).isoformat(timespec="microseconds"),
                "reference": e.reference,
                "value_date": e.value_date.isoformat(),
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=True,
        )

    def add(
        self,
        *,
        envelope_id: int,
        kind: str,
        amount: Decimal,
        year: int,
        on: date,
        reference: str,
        reason: str,
        commitment_id: int | None = None,
    ) -> int:
        entry = LedgerEntry(
            id=self.next_id,
            envelope_id=envelope_id,
            kind=kind,
            amount=amount,
            budget_year=year,
            value_date=on,
            reference=reference,
            reason=reason,
            commitment_id=commitment_id,
            actor_id=None,
            actor_label=ACTOR_LABEL,
            recorded_at=_at(on, 11).astimezone(UTC),
        )
        payload = self._payload(entry)
        if not self.checked:
            assert payload == canonical(entry), "demo ledger payload differs from canonical()"
            self.checked = True
        head = link(self.heads.get(envelope_id, ""), payload)
        entry.chain_hash = head
        self.heads[envelope_id] = head
        self.next_id += 1
        cents = _cents(amount)
        if kind == EntryKind.ALLOCATION:
            self.allocated[envelope_id] += cents
        elif kind in (EntryKind.COMMITMENT, EntryKind.DECOMMITMENT):
            sign = 1 if kind == EntryKind.COMMITMENT else -1
            for pk in self._ancestors(envelope_id):
                self.committed[pk] += sign * cents
        self.pending.append(entry)
        if len(self.pending) >= BATCH * 4:
            self.flush()
        return entry.id

    def flush(self) -> None:
        if self.pending:
            LedgerEntry.objects.bulk_create(self.pending, batch_size=BATCH)
            self.written += len(self.pending)
            self.pending = []

    def _constrained(self, pk: int) -> bool:
        env = self.envelopes[pk]
        return env.parent_id is None or env.cap is not None

    def close(self, top_up_on: date) -> int:
        """Top up over-committed envelopes, write the rest, advance the running totals."""
        topups = 0
        for pk in sorted(set(self.committed) | set(self.allocated)):
            if not self._constrained(pk):
                continue
            balance = self.balances.get(pk)
            allocated = (balance.allocated_cents if balance else 0) + self.allocated[pk]
            committed = (balance.committed_cents if balance else 0) + self.committed[pk]
            if committed > allocated:
                # Whole millions of euros, on the envelope's own year (or the plan's first).
                missing = -(-(committed - allocated) // 100_000_000) * 1_000_000
                year = self.envelopes[pk].budget_year or top_up_on.year
                self.add(
                    envelope_id=pk,
                    kind=EntryKind.ALLOCATION,
                    amount=Decimal(missing),
                    year=year,
                    on=top_up_on,
                    reference=f"DEMO-ABONDEMENT-{pk}",
                    reason="Abondement (données de démonstration)",
                )
                topups += 1
        self.flush()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [LedgerEntry]):
                    cursor.execute(sql)
        for pk in sorted(set(self.committed) | set(self.allocated) | set(self.heads)):
            if pk not in self.balances:
                self.balances[pk] = EnvelopeBalance.objects.create(
                    envelope_id=pk, constrained=self._constrained(pk)
                )
            EnvelopeBalance.objects.filter(envelope_id=pk).update(
                allocated_cents=F("allocated_cents") + self.allocated[pk],
                committed_cents=F("committed_cents") + self.committed[pk],
                chain_head=self.heads.get(pk, ""),
            )
        return topups


def ensure_plans() -> None:
    from plania.plans.services import plan_load

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


def _company_name(rng: random.Random, i: int) -> str:
    parts = [rng.choice(WORDS_A) + rng.choice(WORDS_B).lower(), rng.choice(WORDS_C)]
    return " ".join(p for p in parts if p) + f" {i:05d}"


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
            calls.append(
                (
                    Call.objects.create(
                        reference=f"demo-data-{seed}-{scheme}-{year}",
                        scheme_code=scheme,
                        scheme_version=version,
                        envelope=envelopes[code],
                        title_fr=f"{scheme} {year} (données de démonstration)",
                        title_en=f"{scheme} {year} (demo data)",
                        opens_at=_at(date(year, 1, 15), 9),
                        closes_at=_at(date(year, 4, 30), 12),
                        created_by=officer,
                    ),
                    year,
                )
            )

    # -- companies ----------------------------------------------------------------------
    companies = []
    first_index = seed * 1_000_003 % 50_000_000
    # SIRENs of the sample of `seed`, skipping any already in the database (demo_setup's).
    sirens: list[str] = []
    index = first_index
    while len(sirens) < applications:
        wanted = [sample_siren(index + k, seed=seed) for k in range(applications - len(sirens))]
        index += len(wanted)
        taken = set()
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            taken |= set(Company.objects.filter(siren__in=chunk).values_list("siren", flat=True))
        sirens += [s for s in wanted if s not in taken]
    for i, siren in enumerate(sirens):
        dep = _weighted(rng, DEPARTEMENTS)
        sole = rng.random() < 0.03
        companies.append(
            Company(
                siren=siren,
                name=_company_name(rng, i),
                creation_date=date(2008, 1, 1) + timedelta(days=rng.randrange(18 * 365)),
                naf_code=rng.choice(NAF),
                size_band=_weighted(rng, SIZE_BANDS),
                category="PME",
                legal_category="1000" if sole else rng.choice(["5710", "5710", "5499", "5720"]),
                head_office_siret=head_office_siret(siren, 1 + rng.randrange(3)),
                postcode=f"{dep}{rng.randrange(10)}{rng.choice(['00', '10', '20', '50'])}",
                departement=dep,
                verified=True,
                data_source=DataSource.SIRENE_STOCK,
                refreshed_at=_at(date(2025, 1, 6), 3),
                created_by=people["applicant"],
            )
        )
    companies = Company.objects.bulk_create(companies, batch_size=BATCH)
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
            state = _weighted(rng, AWARD_STATES)
        else:
            state = _weighted(rng, OTHER_STATES)
        requested = _money(rng.randrange(20_000, 400_000, 500))
        filed = state not in (ApplicationState.DRAFT, ApplicationState.WITHDRAWN) or (
            state == ApplicationState.WITHDRAWN and rng.random() < 0.5
        )
        submitted = _at(date(year, 2, 1) + timedelta(days=rng.randrange(85)), 9 + i % 8)
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
            sessions[key] = CommitteeSession.objects.create(
                held_on=held,
                title=f"Commission permanente {month:02d}/{year} (données de démonstration)",
                deliberation_prefix=f"CP/{year}-{month:02d}-D{seed}",
                state=SessionState.HELD if held <= AS_OF else SessionState.PLANNED,
                created_by=committee,
            )
        return sessions[key]

    decided = {
        ApplicationState.PROPOSED,
        ApplicationState.REJECTED,
        *[s for s, _w in AWARD_STATES],
    }
    proposals, items, award_specs = [], [], []
    positions: dict[int, int] = defaultdict(int)
    for app, (call, year, requested, submitted) in zip(apps, plans, strict=True):
        if app.state not in decided:
            continue
        startup = call.scheme_code == "startup-industrie-demain"
        favourable = app.state != ApplicationState.REJECTED
        computed = requested
        amount = computed if favourable else Decimal(0)
        # One award in ten below the SCDL threshold; startups: half of it as an advance.
        if favourable and rng.random() < 0.1:
            amount = computed = _money(rng.randrange(8_000, 23_000, 100))
        advance = _money(amount / 2) if startup and favourable else Decimal(0)
        grant = amount - advance
        basis = (LegalBasis.GBER_ART22 if startup else LegalBasis.DE_MINIMIS) if favourable else ""
        proposed_at = submitted + timedelta(days=45)
        proposal = Proposal(
            application=app,
            envelope=call.envelope,
            officer=officer,
            recommendation=Recommendation.FAVOURABLE if favourable else Recommendation.UNFAVOURABLE,
            summary="Proposition (données de démonstration).",
            amount=amount,
            grant_amount=grant,
            advance_amount=advance,
            advance_gge_amount=_money(advance * Decimal("0.1")),
            total_gge_amount=grant + _money(advance * Decimal("0.1")),
            computed_amount=computed,
            requested_amount=requested,
            eligible_cost=_money(requested * 2),
            legal_basis=basis,
            de_minimis_status="fits",
            de_minimis={},
            scheme_code=call.scheme_code,
            scheme_version=call.scheme_version,
            rules_date=proposed_at.date(),
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
        approved = app.state != ApplicationState.REJECTED
        items.append(
            AgendaItem(
                session=session,
                position=position,
                proposal=proposal,
                envelope=call.envelope,
                beneficiary_name=app.company.name,
                dossier_reference=app.reference,
                proposed_total=amount,
                proposed_grant=grant,
                proposed_advance=advance,
                legal_basis=basis,
                recommendation=proposal.recommendation,
                outcome=Outcome.APPROVED if approved else Outcome.REJECTED,
                approved_grant=grant if approved else None,
                approved_advance=advance if approved else None,
                reason="" if approved else "Projet insuffisamment innovant (démonstration).",
                deliberation_reference=deliberation,
                decided_on=session.held_on,
                decided_by=committee,
                decided_at=_at(session.held_on, 16),
            )
        )
        if approved:
            award_specs.append((app, call, items[-1], proposal))
    Proposal.objects.bulk_create(proposals, batch_size=BATCH)
    AgendaItem.objects.bulk_create(items, batch_size=BATCH)
    counts.proposals, counts.sessions = len(proposals), len(sessions)

    # -- awards and their money ---------------------------------------------------------
    ledger = Ledger()
    award_rows, later = [], []
    for n, (app, call, item, proposal) in enumerate(award_specs):
        decided_on = item.decided_on
        year = call.envelope.budget_year or decided_on.year
        reference = f"AID-D{seed % 1000:03d}-{n:06d}"
        commitment = ledger.add(
            envelope_id=call.envelope_id,
            kind=EntryKind.COMMITMENT,
            amount=proposal.amount,
            year=year,
            on=decided_on,
            reference=item.deliberation_reference,
            reason=f"Engagement {reference}",
        )
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
                advance_gge=proposal.advance_gge_amount,
                total_gge=proposal.total_gge_amount,
                legal_basis=proposal.legal_basis,
                de_minimis_amount=proposal.total_gge_amount
                if proposal.legal_basis == LegalBasis.DE_MINIMIS
                else Decimal(0),
                deferral_periods=1,
                n_instalments=8,
                on_signature_share=Decimal("0.5"),
                deliberation_reference=item.deliberation_reference,
                decided_on=decided_on,
                state=app.state,
            )
        )
        later.append((year, commitment))
    ledger.flush()
    awards = Award.objects.bulk_create(award_rows, batch_size=BATCH)
    counts.awards = len(awards)

    agreements, lines, requests, pay_specs = [], [], [], []
    for award, (_year, commitment) in zip(awards, later, strict=True):
        signed = award.state != AwardState.APPROVED
        signed_at = _at(award.decided_on + timedelta(days=20), 15) if signed else None
        small = award.total <= THRESHOLD
        agreements.append(
            Agreement(
                award=award,
                stored_name=f"demo-data/{award.reference}.pdf",
                sha256=hashlib.sha256(award.reference.encode()).hexdigest(),
                size=0,
                generated_at=_at(award.decided_on + timedelta(days=2)),
                signed_at=signed_at,
                signed_by=people["applicant"] if signed else None,
                signer_name="Représentant légal (démo)" if signed else "",
                signature_method=(SignatureMethod.NOT_REQUIRED if small else SignatureMethod.IN_APP)
                if signed
                else "",
            )
        )
        first = _money(award.total * award.on_signature_share)
        amounts = [first, award.total - first]
        kinds = [ScheduleKind.ON_SIGNATURE, ScheduleKind.ON_FINAL_REPORT]
        paid_lines = {AwardState.IN_PAYMENT: 1, AwardState.CLOSED: 2}.get(award.state, 0)
        for position, (kind, amount) in enumerate(zip(kinds, amounts, strict=True), start=1):
            line = ScheduledPayment(award=award, position=position, kind=kind, amount=amount)
            lines.append(line)
            if position <= paid_lines:
                assert signed_at is not None
                ordered_on = (
                    signed_at.date() + timedelta(days=10)
                    if position == 1
                    else signed_at.date() + timedelta(days=200)
                )
                pay_specs.append((award, line, amount, ordered_on, commitment))
    Agreement.objects.bulk_create(agreements, batch_size=BATCH)
    ScheduledPayment.objects.bulk_create(lines, batch_size=BATCH)

    payments, instalments, repay_specs = [], [], []
    for n, (award, line, amount, ordered_on, commitment) in enumerate(pay_specs):
        entry = ledger.add(
            envelope_id=award.envelope_id,
            kind=EntryKind.PAYMENT,
            amount=amount,
            year=ledger.year(award.envelope_id, ordered_on),
            on=ordered_on,
            reference=f"MANDAT-D{seed % 1000:03d}-{n:07d}",
            reason=f"Versement {award.reference}",
            commitment_id=commitment,
        )
        requests.append(
            PaymentRequest(
                award=award,
                line=line,
                amount=amount,
                state=RequestState.ORDERED,
                requested_by=people["applicant"],
                requested_at=_at(ordered_on - timedelta(days=8)),
                certified_amount=amount,
                certified_by=officer,
                certified_at=_at(ordered_on - timedelta(days=4)),
            )
        )
        advance_part = _money(amount * award.advance / award.total)
        payments.append(
            Payment(
                award=award,
                number=f"MANDAT-D{seed % 1000:03d}-{n:07d}",
                amount=amount,
                grant_part=amount - advance_part,
                advance_part=advance_part,
                ordered_on=ordered_on,
                budget_year=ledger.year(award.envelope_id, ordered_on),
                ledger_entry_id=entry,
                ordered_by=finance,
                ordered_at=_at(ordered_on, 12),
            )
        )
        if line.position == 2 and award.advance > 0:
            # The advance is repaid in eight quarterly instalments after one quarter.
            share = _money(award.advance / 8)
            for k in range(8):
                due = ordered_on + timedelta(days=91 * (k + 1))
                value = share if k < 7 else award.advance - share * 7
                instalment = Instalment(
                    award=award,
                    number=k + 1,
                    due_on=due,
                    amount=value,
                    reference=f"{award.reference}-E{k + 1:02d}",
                )
                instalments.append(instalment)
                # One advance in five falls into arrears after its second instalment.
                late = int(award.reference[-6:]) % 5 == 0 and k >= 2
                if due <= AS_OF and not late:
                    repay_specs.append((award, instalment, due, commitment))
    ledger.flush()
    PaymentRequest.objects.bulk_create(requests, batch_size=BATCH)
    for payment, request in zip(payments, requests, strict=True):
        payment.request = request
    Payment.objects.bulk_create(payments, batch_size=BATCH)
    Instalment.objects.bulk_create(instalments, batch_size=BATCH)
    repayments = []
    for award, instalment, due, commitment in repay_specs:
        entry = ledger.add(
            envelope_id=award.envelope_id,
            kind=EntryKind.REPAYMENT,
            amount=instalment.amount,
            year=ledger.year(award.envelope_id, due),
            on=due,
            reference=instalment.reference,
            reason=f"Remboursement {award.reference}",
            commitment_id=commitment,
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
                recorded_at=_at(due, 17),
            )
        )
    # The entries the awards, payments and repayments point at must exist first.
    ledger.flush()
    Repayment.objects.bulk_create(repayments, batch_size=BATCH)
    counts.payments, counts.repayments = len(payments), len(repayments)

    # -- filler movements (bench) -------------------------------------------------------
    filler = [envelopes[c] for c in FILLER_ENVELOPES if c in envelopes]
    n = 0
    while ledger.written + len(ledger.pending) + 2 <= entries:
        env = filler[n % len(filler)]
        year = env.budget_year or YEARS[rng.randrange(len(YEARS))]
        on = date(year, 1 + rng.randrange(12), 1 + rng.randrange(28))
        amount = Decimal(rng.randrange(100_000, 2_000_000)) / 100
        commitment = ledger.add(
            envelope_id=env.pk,
            kind=EntryKind.COMMITMENT,
            amount=amount,
            year=year,
            on=on,
            reference=f"MVT-D{seed % 1000:03d}-{n:08d}",
            reason="Mouvement de démonstration",
        )
        ledger.add(
            envelope_id=env.pk,
            kind=EntryKind.PAYMENT,
            amount=_money(amount / 2) or CENT,
            year=year,
            on=on,
            reference=f"MVT-D{seed % 1000:03d}-{n:08d}-P",
            reason="Mouvement de démonstration",
            commitment_id=commitment,
        )
        n += 1
    counts.topups = ledger.close(date(2024, 1, 2))
    counts.ledger_entries = ledger.written
    return counts
