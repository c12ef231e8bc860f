"""Reads of calls and dossiers. A person reaches a dossier only through
`applications_of(user)`: the dossiers of the companies they are a verified representative
of, and the drafts they started themselves for a company they asked to represent (a
pending request sees nothing else). Anything else is 404, as if it did not exist."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from plania.applications import workflow
from plania.applications.models import Application, ApplicationEvent, Call, CostLine
from plania.applications.permissions import applicant_condition
from plania.rules.schemes import Scheme


def calls_listed(now: datetime | None = None) -> QuerySet[Call]:
    """Open and upcoming calls, the soonest deadline first, with their envelopes."""
    now = now or timezone.now()
    return (
        Call.objects.filter(closes_at__gt=now)
        .select_related("envelope")
        .order_by("closes_at", "reference")
    )


def applications_of(user) -> QuerySet[Application]:  # type: ignore[no-untyped-def]
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    return applicant_scope(Application.objects.all(), user).select_related("call", "company")


def applicant_scope(rows: QuerySet[Application], user) -> QuerySet[Application]:  # type: ignore[no-untyped-def]
    """`rows` narrowed to what `user` reaches as an applicant. One filter() call: both
    conditions are on the same membership row (one per person and company)."""
    return rows.filter(applicant_condition(user))


def application_of(user, reference: str, *, lock: bool = False) -> Application | None:  # type: ignore[no-untyped-def]
    """`user`'s dossier `reference`, or None; read through `user`'s active membership, so
    the dossier remembers that `user` acts for its company (no second query to check it).
    `lock`: its row (only its own) locked until the commit."""
    rows = applications_of(user).filter(reference=reference)
    if lock:
        rows = rows.select_for_update(of=("self",))
    app = rows.first()
    if app is not None:
        workflow.remember_applicant(app, user)
    return app


def application_for_page(user, reference: str) -> QuerySet[Application]:  # type: ignore[no-untyped-def]
    """The user's dossier `reference`, with its rows and history, for one page."""
    return (
        applications_of(user)
        .filter(reference=reference)
        .prefetch_related(
            "cost_lines",
            "declared_aids",
            Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor")),
        )
    )


def eligible_cost(application: Application) -> Decimal:
    return CostLine.objects.filter(application=application, eligible=True).aggregate(
        total=Coalesce(Sum("amount"), Value(Decimal("0.00")))
    )["total"]


def call_applications_of(user, call: Call) -> QuerySet[Application]:  # type: ignore[no-untyped-def]
    return applications_of(user).filter(call=call).filter(~Q(state="withdrawn"))


def call_rules_date(call: Call, scheme: Scheme, now: datetime | None = None) -> date:
    """The day a call's rules are read on before filing (catalogue, pre-check, preview):
    today in Paris, kept within the call's period and the scheme version's validity."""
    from plania.applications.calls import paris

    now = now or timezone.now()
    day = max(paris(now).date(), paris(call.opens_at).date())
    day = min(day, paris(call.closes_at - timedelta(microseconds=1)).date())
    if day < scheme.valid_from:
        day = scheme.valid_from
    if scheme.valid_until is not None and day >= scheme.valid_until:
        day = scheme.valid_until - timedelta(days=1)
    return day
