"""Reads of the instruction: user-scoped querysets (an officer reaches only the filed
dossiers of the schemes assigned to them, an expert only the dossiers they are invited
on; anything else is 404), the officers' queue, the experts' panel with its averages, and
the rules core's award on a dossier's frozen data.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from plania.accounts.models import User
from plania.accounts.roles import Role
from plania.applications.enums import ApplicationState
from plania.applications.models import Application, ApplicationEvent
from plania.applications.permissions import INSTRUCT, NOTES
from plania.core.grants import can, scope
from plania.instruction.enums import InvitationStatus
from plania.instruction.models import (
    ExpertInvitation,
    InternalNote,
    Proposal,
    SchemeAssignment,
)
from plania.instruction.naf import SECTIONS, section_filter
from plania.instruction.permissions import INVITATION
from plania.rules import scoring
from plania.rules.award import AwardResult, award_for
from plania.rules.schemes import Scheme
from plania.schemes.selectors import scheme_version

# States in which an officer works on a dossier (the queue's default filter).
OPEN_STATES = (
    ApplicationState.SUBMITTED,
    ApplicationState.INCOMPLETE,
    ApplicationState.UNDER_REVIEW,
)
PAGE_SIZES = (25, 50, 100)
SORTS: dict[str, tuple[str, ...]] = {
    "waiting": ("submitted_at", "pk"),  # longest waiting first
    "-waiting": ("-submitted_at", "-pk"),
    "amount": ("requested_amount", "pk"),
    "-amount": ("-requested_amount", "-pk"),
    "reference": ("reference",),
    "-reference": ("-reference",),
    "company": ("company__name", "pk"),
    "-company": ("-company__name", "-pk"),
    "state": ("state", "submitted_at", "pk"),
}


# -- Who reaches which dossier ---------------------------------------------------------------


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_superuser


def officer_scheme_codes(user: Any) -> list[str]:
    """The schemes assigned to an officer (a superuser instructs every scheme)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        SchemeAssignment.objects.filter(officer=user)
        .order_by("scheme_code")
        .values_list("scheme_code", flat=True)
    )


def officer_applications(user: Any) -> QuerySet[Application]:
    """The filed dossiers of the officer's schemes: the only queryset officer pages and
    the API fetch dossiers from. Drafts are the applicant's alone."""
    return scope(user, INSTRUCT, Application.objects.all())


def may_instruct(user: Any, application: Application) -> bool:
    return can(user, INSTRUCT, application)


def officer_application(user: Any, reference: str) -> QuerySet[Application]:
    """The officer's dossier `reference` with what its page shows in one query."""
    return (
        officer_applications(user)
        .filter(reference=reference)
        .select_related("call__envelope", "company", "assignment__officer", "review__officer")
    )


def expert_invitations_of(user: Any) -> QuerySet[ExpertInvitation]:
    """The expert's invitations (cancelled ones left out), newest first."""
    return (
        scope(user, INVITATION, ExpertInvitation.objects.all())
        .select_related("application__call", "application__company", "declaration", "opinion")
        .order_by("-invited_at", "-pk")
    )


def expert_invitation(user: Any, reference: str) -> QuerySet[ExpertInvitation]:
    return expert_invitations_of(user).filter(application__reference=reference)


def may_read_notes(user: Any, application: Application) -> bool:
    """Officers of the dossier's scheme, experts invited on it without a conflict, the
    committee. Never the applicant."""
    return can(user, NOTES, application)


def notes_of(application: Application) -> QuerySet[InternalNote]:
    return InternalNote.objects.filter(application=application).select_related("author")


def history_of(application: Application) -> QuerySet[ApplicationEvent]:
    return ApplicationEvent.objects.filter(application=application).select_related("actor")


def experts_to_invite(application: Application) -> QuerySet[User]:
    """Users with the expert role not yet invited on the dossier."""
    invited = ExpertInvitation.objects.filter(application=application).values("expert_id")
    return (
        User.objects.filter(groups__name=Role.EXPERT, is_active=True)
        .exclude(pk__in=invited)
        .order_by("last_name", "first_name", "email")
        .distinct()
    )


def latest_proposal(application: Application) -> Proposal | None:
    return (
        Proposal.objects.filter(application=application)
        .select_related("officer", "envelope")
        .order_by("-created_at", "-pk")
        .first()
    )


# -- The queue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """What the officer asked the queue for; every field optional."""

    call: str = ""
    states: tuple[str, ...] = ()
    departement: str = ""
    sector: str = ""  # NAF section letter
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    days_min: int | None = None  # waiting at least this many days since submission
    days_max: int | None = None
    assigned: str = ""  # "me", "none" or ""
    q: str = ""  # reference, company name or SIREN
    sort: str = "waiting"


def queue(
    user: Any, scheme_code: str, filters: QueueFilters, now: datetime | None = None
) -> QuerySet[Application]:
    """The officer's dossiers of one scheme, filtered and sorted, with everything a row
    shows joined or counted in the same query (so a page costs one query plus the
    paginator's count, whatever its size)."""
    now = now or timezone.now()
    qs = officer_applications(user).filter(scheme_code=scheme_code)
    if filters.call:
        qs = qs.filter(call__reference=filters.call)
    qs = qs.filter(state__in=filters.states or OPEN_STATES)
    if filters.departement:
        qs = qs.filter(company__departement=filters.departement)
    if filters.sector in SECTIONS:
        qs = qs.filter(section_filter(filters.sector))
    if filters.amount_min is not None:
        qs = qs.filter(requested_amount__gte=filters.amount_min)
    if filters.amount_max is not None:
        qs = qs.filter(requested_amount__lte=filters.amount_max)
    if filters.days_min is not None:
        qs = qs.filter(submitted_at__lte=now - timedelta(days=filters.days_min))
    if filters.days_max is not None:
        # Waiting at most N full days: submitted less than N+1 days ago.
        qs = qs.filter(submitted_at__gt=now - timedelta(days=filters.days_max + 1))
    if filters.assigned == "me":
        qs = qs.filter(assignment__officer=user)
    elif filters.assigned == "none":
        qs = qs.filter(assignment__isnull=True)
    text = filters.q.strip()
    if text:
        qs = qs.filter(
            Q(reference__icontains=text)
            | Q(company__name__icontains=text)
            | Q(company__siren__startswith=text)
        )
    return (
        qs.select_related("call", "company", "assignment__officer", "review")
        .annotate(
            invitation_count=Count(
                "expert_invitations",
                filter=~Q(expert_invitations__status=InvitationStatus.CANCELLED),
                distinct=True,
            ),
            opinion_count=Count("expert_invitations__opinion", distinct=True),
        )
        .order_by(*SORTS.get(filters.sort, SORTS["waiting"]))
    )


@dataclass(frozen=True)
class QueueCall:
    reference: str
    title_fr: str
    title_en: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class QueueScheme:
    code: str
    scheme: Scheme | None
    calls: list[QueueCall] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(c.counts.get(s, 0) for c in self.calls for s in OPEN_STATES)


def officer_overview(user: Any) -> list[QueueScheme]:
    """Per scheme of the officer, its calls with the number of dossiers per state (one
    grouped query)."""
    codes = officer_scheme_codes(user)
    rows = (
        officer_applications(user)
        .values(
            "scheme_code",
            "scheme_version",
            "call__reference",
            "call__title_fr",
            "call__title_en",
            "state",
        )
        .annotate(n=Count("pk"))
        .order_by("scheme_code", "call__reference", "state")
    )
    by_code: dict[str, QueueScheme] = {}
    calls: dict[tuple[str, str], QueueCall] = {}
    for code in codes:
        by_code[code] = QueueScheme(code, _latest_version(code))
    for row in rows:
        code = row["scheme_code"]
        entry = by_code.setdefault(code, QueueScheme(code, None))
        if entry.scheme is None:
            entry.scheme = scheme_version(code, row["scheme_version"])
        key = (code, row["call__reference"])
        if key not in calls:
            calls[key] = QueueCall(
                row["call__reference"],
                row["call__title_fr"],
                row["call__title_en"],
                dict.fromkeys(ApplicationState.values, 0),
            )
            entry.calls.append(calls[key])
        calls[key].counts[row["state"]] += row["n"]
    return [by_code[c] for c in sorted(by_code)]


def _latest_version(code: str) -> Scheme | None:
    from plania.schemes.selectors import scheme_versions

    versions = [s for s in scheme_versions() if s.id == code]
    return versions[-1] if versions else None


def scheme_calls(user: Any, scheme_code: str) -> list[tuple[str, str, str]]:
    """(reference, title fr, title en) of the calls with dossiers of the officer's scheme."""
    return list(
        officer_applications(user)
        .filter(scheme_code=scheme_code)
        .values_list("call__reference", "call__title_fr", "call__title_en")
        .distinct()
        .order_by("call__reference")
    )


def days_waiting(application: Application, now: datetime | None = None) -> int | None:
    if application.submitted_at is None:
        return None
    return ((now or timezone.now()) - application.submitted_at).days


# -- Scoring grid and panel ----------------------------------------------------------------------


@lru_cache(maxsize=32)
def _grid(scheme_code: str, version: str, mtime_ns: int) -> scoring.ScoringGrid | None:
    return scoring.find_grid(scheme_code, version)


def grid_for(scheme_code: str, version: str) -> scoring.ScoringGrid | None:
    """The scoring grid of a scheme version (cached per file modification time)."""
    path = scoring.grid_path(scheme_code, version)
    if not path.is_file():
        return None
    return _grid(scheme_code, version, path.stat().st_mtime_ns)


def grid_of(application: Application) -> scoring.ScoringGrid | None:
    return grid_for(
        application.scheme_code or application.call.scheme_code,
        application.scheme_version or application.call.scheme_version,
    )


def scores_on(grid: scoring.ScoringGrid | None, scores: Mapping[str, Any]) -> dict[str, int] | None:
    """Scores kept in JSON, if they are a complete valid set on `grid` (else None)."""
    if grid is None or not scores:
        return None
    read, problems = scoring.check_scores(grid, scores)
    return read if not problems else None


@dataclass
class PanelEntry:
    invitation: ExpertInvitation
    declaration: Any  # ConflictDeclaration | None
    conflicted: bool
    scores: dict[str, int] | None  # None: no opinion yet, or not on the current grid
    score: Decimal | None  # weighted, out of 100
    score_rows: list[tuple[scoring.ScoringCriterion, int]] = field(default_factory=list)

    @property
    def opinion(self) -> Any:
        return getattr(self.invitation, "opinion", None)

    @property
    def counted(self) -> bool:
        return not self.conflicted and self.scores is not None


@dataclass
class Panel:
    grid: scoring.ScoringGrid | None
    entries: list[PanelEntry]
    average: Decimal | None
    means: dict[str, Decimal | None]

    @property
    def counted(self) -> list[PanelEntry]:
        return [e for e in self.entries if e.counted]

    @property
    def conflicted(self) -> list[PanelEntry]:
        return [e for e in self.entries if e.conflicted]


def invitations_of(application: Application) -> QuerySet[ExpertInvitation]:
    return (
        ExpertInvitation.objects.filter(application=application)
        .exclude(status=InvitationStatus.CANCELLED)
        .select_related("expert", "invited_by", "declaration", "opinion")
        .order_by("invited_at", "pk")
    )


def panel_of(application: Application, grid: scoring.ScoringGrid | None = None) -> Panel:
    """Every expert's opinion; the averages leave out conflicted experts (and opinions
    not on the dossier's grid)."""
    grid = grid if grid is not None else grid_of(application)
    entries = []
    for inv in invitations_of(application):
        declaration = getattr(inv, "declaration", None)
        opinion = getattr(inv, "opinion", None)
        conflicted = inv.status == InvitationStatus.CONFLICTED or (
            declaration is not None and declaration.status == "conflicted"
        )
        scores = scores_on(grid, opinion.scores) if opinion is not None else None
        entries.append(
            PanelEntry(
                invitation=inv,
                declaration=declaration,
                conflicted=conflicted,
                scores=scores,
                score=scoring.weighted_score(grid, scores) if grid and scores else None,
                score_rows=[(c, scores[c.id]) for c in grid.criteria] if grid and scores else [],
            )
        )
    counted = [e.scores for e in entries if e.counted and e.scores is not None]
    average = scoring.panel_average(grid, counted) if grid is not None else None
    means = scoring.criterion_means(grid, counted) if grid is not None else {}
    return Panel(grid=grid, entries=entries, average=average, means=means)


# -- The rules core's award on the frozen dossier -------------------------------------------------


@dataclass(frozen=True)
class AwardView:
    scheme: Scheme | None
    at: date | None
    inputs: dict[str, object]
    result: AwardResult | None
    error: str = ""


def _paris_day(moment: datetime) -> date:
    from plania.applications.calls import paris

    return paris(moment).date()


def _frozen_inputs(application: Application, scheme: Scheme, on: date) -> dict[str, object]:
    """The rules inputs of the dossier as filed, built the way the applications room
    builds them (`plania.applications.services.rules_inputs_of`) but from the snapshot
    frozen at submission (`submitted_data`) rather than from the live rows: the form's
    answers with an `input`, the company's creation date and département as they were,
    the filing day, the eligible cost, the prior de minimis aid declared in the window."""
    from plania.applications.eligibility import prior_de_minimis
    from plania.rules.form_values import ValueRefused, parse_amount, parse_date, rules_inputs

    snapshot = application.submitted_data or {}
    company = snapshot.get("company") or {}
    inputs: dict[str, object] = {}
    if scheme.form is not None:
        inputs.update(rules_inputs(scheme.form, snapshot.get("answers") or {}))
    if company.get("creation_date"):
        inputs["creation_date"] = company["creation_date"]
    if company.get("departement"):
        inputs["department"] = company["departement"]
    inputs["application_date"] = on
    if snapshot.get("eligible_cost") not in (None, ""):
        inputs["eligible_cost_eur"] = snapshot["eligible_cost"]
    aids = []
    for aid in snapshot.get("declared_aids") or []:
        try:
            granted = parse_date(aid.get("granted_on")) if aid.get("granted_on") else None
            amount = parse_amount(aid.get("amount")) if aid.get("amount") else None
        except ValueRefused:
            continue
        aids.append((granted, amount))
    inputs["prior_de_minimis_eur"] = prior_de_minimis(aids, on)
    return inputs


def rules_inputs(application: Application) -> tuple[dict[str, object], date | None]:
    """The rules core's input mapping of a filed dossier and its evaluation date (the
    filing day, as frozen with the eligibility).

    The eligibility frozen at submission (or at the answer to a request for missing
    items) keeps the inputs its criteria read; the award also needs the others (the
    legal basis reads the company's size and age, de minimis the prior aid declared):
    they come from the frozen snapshot (`_frozen_inputs`). A dossier filed without a
    snapshot is rebuilt from its rows with the applications room's `rules_inputs_of`.
    """
    frozen = application.eligibility or {}
    on: date | None = date.fromisoformat(frozen["at"]) if frozen.get("at") else None
    if on is None and application.submitted_at is not None:
        on = _paris_day(application.submitted_at)
    if on is None:
        return {}, None
    scheme = scheme_version(
        application.scheme_code or application.call.scheme_code,
        application.scheme_version or application.call.scheme_version,
    )
    inputs: dict[str, object] = dict(frozen.get("inputs") or {})
    if (application.submitted_data or {}).get("answers") and scheme is not None:
        snapshot = _frozen_inputs(application, scheme, on)
        inputs.update({k: v for k, v in snapshot.items() if v not in (None, "")})
        return inputs, on
    if scheme is None or scheme.form is None:
        return inputs, on
    from plania.applications.services import application_check, rules_inputs_of

    check = application_check(application, require=False)
    rebuilt = rules_inputs_of(application, check, form=scheme.form, on=on)
    inputs.update({k: v for k, v in rebuilt.items() if v not in (None, "")})
    return inputs, on


def award_view(application: Application, *, requested: Decimal | None = None) -> AwardView:
    """The rules core's award on the dossier as filed; `requested` lowers the amount
    asked (the officer proposing less than the rules allow)."""
    scheme = scheme_version(
        application.scheme_code or application.call.scheme_code,
        application.scheme_version or application.call.scheme_version,
    )
    inputs, at = rules_inputs(application)
    if scheme is None or at is None:
        return AwardView(scheme, at, inputs, None, error="scheme")
    inputs = {**inputs, "siren": application.company.siren}
    if requested is not None:
        inputs["requested_eur"] = str(requested)
    try:
        result = award_for(inputs, scheme=scheme, at=at)
    except (ValueError, LookupError) as exc:
        return AwardView(scheme, at, inputs, None, error=str(exc))
    return AwardView(scheme, at, inputs, result)
