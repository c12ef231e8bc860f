"""The schemas of /api/v1/instruction/ (plania.api.instruction): what the officers' and
experts' operations take and answer, apart from the operations themselves."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, FilterSchema, Schema
from pydantic import field_validator

from plania.applications.models import Application
from plania.instruction import selectors
from plania.instruction.naf import section_of


class QueueItemOut(Schema):
    reference: str
    call: str
    state: str
    company_name: str
    siren: str
    company_verified: bool
    departement: str
    naf_code: str
    sector: str
    requested_amount: Decimal | None
    submitted_at: datetime | None
    days_waiting: int | None
    officer: str | None
    recommendation: str
    invitations: int
    opinions: int

    # An Application from selectors.queue (company, call, assignment, review joined,
    # invitations and opinions counted in the same query).
    @staticmethod
    def resolve_call(app: Application) -> str:
        return app.call.reference

    @staticmethod
    def resolve_company_name(app: Application) -> str:
        return app.company.name

    @staticmethod
    def resolve_siren(app: Application) -> str:
        return app.company.siren

    @staticmethod
    def resolve_company_verified(app: Application) -> bool:
        return app.company.verified

    @staticmethod
    def resolve_departement(app: Application) -> str:
        return app.company.departement

    @staticmethod
    def resolve_naf_code(app: Application) -> str:
        return app.company.naf_code

    @staticmethod
    def resolve_sector(app: Application) -> str:
        return section_of(app.company.naf_code)

    @staticmethod
    def resolve_days_waiting(app: Application) -> int | None:
        return selectors.days_waiting(app)

    @staticmethod
    def resolve_officer(app: Application) -> str | None:
        assignment = getattr(app, "assignment", None)
        return assignment.officer.email if assignment else None

    @staticmethod
    def resolve_recommendation(app: Application) -> str:
        review = getattr(app, "review", None)
        return review.recommendation if review else ""

    @staticmethod
    def resolve_invitations(app: Application) -> int:
        return app.invitation_count  # type: ignore[attr-defined]

    @staticmethod
    def resolve_opinions(app: Application) -> int:
        return app.opinion_count  # type: ignore[attr-defined]


Amount = Annotated[Decimal | None, Field(None, ge=0, le=10**12, allow_inf_nan=False)]
Days = Annotated[int | None, Field(None, ge=0, le=100_000)]


class QueueFilters(FilterSchema):
    """The queue's filters, as the page's form names them. An empty value is no filter
    (as on the page); a decimal comma is read as a point. The queue's own selector
    applies them (selectors.queue, shared with the page), not FilterSchema.filter."""

    scheme: str
    call: str = ""
    state: list[str] = []
    departement: str = ""
    sector: str = ""
    amount_min: Amount = None
    amount_max: Amount = None
    days_min: Days = None
    days_max: Days = None
    assigned: Literal["", "me", "none"] = ""
    q: str = ""
    sort: Literal[tuple(selectors.SORTS)] = "waiting"  # type: ignore[valid-type]

    @field_validator("amount_min", "amount_max", "days_min", "days_max", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
            return value or None
        return value

    def parsed(self) -> selectors.QueueFilters:
        return selectors.QueueFilters(
            call=self.call,
            states=tuple(self.state),
            departement=self.departement.strip().upper(),
            sector=self.sector.strip().upper(),
            amount_min=self.amount_min,
            amount_max=self.amount_max,
            days_min=self.days_min,
            days_max=self.days_max,
            assigned=self.assigned,
            q=self.q,
            sort=self.sort,
        )


class BulkIn(Schema):
    action: str
    references: list[str]


class BulkRefusalOut(Schema):
    reference: str
    detail: str


class BulkOut(Schema):
    done: list[str]
    refused: list[BulkRefusalOut]


class DossierCompanyOut(Schema):
    siren: str
    name: str
    verified: bool
    creation_date: date | None
    departement: str
    naf_code: str
    sector: str


class ComputedAwardOut(Schema):
    computed: bool
    fundable: bool
    eligible: str
    aid: Decimal | None
    limited_by: str | None
    grant: Decimal | None
    advance: Decimal | None
    advance_gge: Decimal | None
    total_gge: Decimal | None
    reference_rate: Decimal | None
    legal_basis: str | None
    legal_basis_text: str
    de_minimis_status: str | None
    de_minimis_note: str
    de_minimis_headroom_before: Decimal | None
    de_minimis_headroom_after: Decimal | None
    rules_date: date | None
    explanation: list[str]


class ReviewOut(Schema):
    officer: str
    summary: str
    recommendation: str
    proposed_amount: Decimal | None
    scores: dict[str, int]
    weighted_score: Decimal | None
    created_at: datetime
    updated_at: datetime


class NoteOut(Schema):
    id: int
    author: str
    body: str
    created_at: datetime


class OpinionOut(Schema):
    scores: dict[str, int]
    weighted_score: Decimal | None
    text: str
    recommendation: str
    submitted_at: datetime
    updated_at: datetime


class InvitationOut(Schema):
    id: int
    reference: str
    expert: str
    status: str
    invited_at: datetime
    conflicted: bool
    conflict_reason: str
    counted_in_average: bool
    opinion: OpinionOut | None


class DossierEventOut(Schema):
    transition: str
    from_state: str
    to_state: str
    actor: str | None
    at: datetime
    reason: str


class ProposalOut(Schema):
    id: int
    reference: str
    recommendation: str
    amount: Decimal
    grant_amount: Decimal
    advance_amount: Decimal
    advance_gge_amount: Decimal
    total_gge_amount: Decimal
    computed_amount: Decimal
    requested_amount: Decimal
    legal_basis: str
    legal_basis_text: str
    de_minimis_status: str
    envelope: str
    scheme_code: str
    scheme_version: str
    rules_date: date
    officer: str
    officer_score: Decimal | None
    expert_average: Decimal | None
    expert_count: int
    created_at: datetime
    rules: dict[str, Any]


class DossierOut(Schema):
    reference: str
    state: str
    call: str
    envelope: str
    scheme_code: str
    scheme_version: str
    submitted_at: datetime | None
    requested_amount: Decimal | None
    officer: str | None
    company: DossierCompanyOut
    eligibility: dict[str, Any]
    award: ComputedAwardOut | None
    review: ReviewOut | None
    notes: list[NoteOut]
    experts: list[InvitationOut]
    expert_average: Decimal | None
    history: list[DossierEventOut]
    proposal: ProposalOut | None


class RequestMissingIn(Schema):
    message: str = ""


class StateOut(Schema):
    reference: str
    state: str


class ReviewIn(Schema):
    summary: str = ""
    recommendation: str = ""
    proposed_amount: Any = None
    scores: dict[str, Any] = {}


class NoteIn(Schema):
    body: str = ""


class InviteIn(Schema):
    expert_email: str
    message: str = ""


class AssignIn(Schema):
    officer_email: str = ""


class DeclarationIn(Schema):
    conflicted: bool
    reason: str = ""


class DeclarationOut(Schema):
    reference: str
    status: str
    reason: str
    declared_at: datetime


class OpinionIn(Schema):
    scores: dict[str, Any] = {}
    text: str = ""
    recommendation: str = ""


class ExpertiseOut(Schema):
    reference: str
    call: str
    status: str
    access: str  # declare, conflicted, open
    invited_at: datetime
    company_name: str | None = None
    answers: dict[str, Any] | None = None
    cost_lines: list[dict[str, Any]] | None = None
    grid: list[dict[str, Any]] | None = None
    opinion: OpinionOut | None = None


class PanelEntryOut(Schema):
    you: bool
    weighted_score: Decimal | None
    recommendation: str
    scores: dict[str, int]


class ScoresOut(Schema):
    reference: str
    average: Decimal | None
    means: dict[str, Decimal | None]
    opinions: list[PanelEntryOut]
