"""Calls and dossiers in the API (issue 4 item 7): the applicant's operations.

Auth: a personal token (`Authorization: Bearer ...`) or the browser session
(plania.accounts.auth.api_auth); the catalogue and the pre-check are public. Applicant
operations need a verified e-mail address.

Errors answer in the API's one format (plania.api.errors), with a 4xx status:

    {"detail": "what happened", "code": "invalid", "errors": {"field": ["message", ...]}}

422 invalid values (keys: a form field's id, `cost_lines[1].amount`...), 403 deadline
passed or call not open yet or e-mail not verified, 409 state conflict or stale version
(with `current_version`), 404 a dossier the caller does not act for — the same answer
as for one that does not exist.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from plania.accounts.auth import api_auth
from plania.accounts.display import name_for_applicant
from plania.api.access import api_access
from plania.api.errors import ApiError, refusal
from plania.api.pagination import Pages
from plania.applications import services
from plania.applications.eligibility import (
    COMPANY_INPUTS,
    DERIVED_INPUTS,
    eligibility_json,
    evaluate,
    parse_precheck_input,
)
from plania.applications.enums import ApplicationState
from plania.applications.models import Application, Call
from plania.applications.selectors import (
    application_of,
    applications_of,
    call_rules_date,
    calls_listed,
)
from plania.applications.services import ApplicationError
from plania.applications.workflow import BY_NAME
from plania.companies.selectors import companies_for_drafts
from plania.ops.middleware import received_at
from plania.privacy.services import dossier_view_record
from plania.rules.form_values import ValueRefused
from plania.rules.schemes import INPUT_FIELDS
from plania.schemes.selectors import criterion_rules

router = Router(tags=["applications"], auth=api_auth)

STATUS = {
    "invalid": 422,
    "deadline": 403,
    "not_open": 403,
    "forbidden": 403,
    "state": 409,
    "stale": 409,
    "config": 409,
}


class ApplicationErrorOut(ApiError):
    """The one error format; a stale `version` also gives the dossier's current one."""

    current_version: int | None = None


ERRORS: dict[int, Any] = {status: ApplicationErrorOut for status in (400, 403, 404, 409, 422)}
MEMBER = "dossier.applicant"


def _refusal(exc: ApplicationError) -> Status[dict[str, Any]]:
    return refusal(
        STATUS.get(exc.code, 400),
        exc.message,
        exc.code,
        exc.errors,
        current_version=exc.current_version,
    )


# -- Schemas ------------------------------------------------------------------------------


class CallEnvelopeOut(Schema):
    code: str
    name_fr: str
    name_en: str
    cap: Decimal | None


class RuleOut(Schema):
    label_fr: str
    label_en: str
    rule_fr: str
    rule_en: str


class CallOut(Schema):
    reference: str
    title_fr: str
    title_en: str
    scheme: str
    scheme_version: str
    opens_at: datetime
    closes_at: datetime
    status: str
    envelope: CallEnvelopeOut
    rules: list[RuleOut]

    # A Call (its envelope joined); the rules from the cached rules files, no query.
    @staticmethod
    def resolve_scheme(call: Call) -> str:
        return call.scheme_code

    @staticmethod
    def resolve_status(call: Call) -> str:
        return call.status()

    @staticmethod
    def resolve_rules(call: Call) -> list[dict[str, str]]:
        scheme = call.scheme
        if scheme is None:
            return []
        return [
            {"label_fr": a, "label_en": b, "rule_fr": c, "rule_en": d}
            for a, b, c, d in criterion_rules(scheme, call_rules_date(call, scheme))
        ]


class CallFilters(FilterSchema):
    scheme: Annotated[str | None, FilterLookup("scheme_code")] = None


class PrecheckIn(Schema):
    inputs: dict[str, Any] = {}


class CreateIn(Schema):
    call: str
    siren: str


class CostLineIn(Schema):
    label: str = ""
    category: str = ""
    amount: str | int | float | None = None
    eligible: bool = True


class DeclaredAidIn(Schema):
    granting_body: str = ""
    granted_on: str | None = None
    amount: str | int | float | None = None
    regulation: str = ""


class UpdateIn(Schema):
    version: int
    answers: dict[str, Any] | None = None
    cost_lines: list[CostLineIn] | None = None
    declared_aids: list[DeclaredAidIn] | None = None


class CostLineOut(Schema):
    label: str
    category: str
    amount: Decimal | None
    amount_text: str
    eligible: bool


class DeclaredAidOut(Schema):
    granting_body: str
    granted_on: date | None
    granted_on_text: str
    amount: Decimal | None
    amount_text: str
    regulation: str


class ApplicationOut(Schema):
    reference: str
    call: str
    company_siren: str
    company_name: str
    state: str
    version: int
    answers: dict[str, Any]
    requested_amount: Decimal | None
    eligible_cost: Decimal
    lab: str
    cost_lines: list[CostLineOut]
    declared_aids: list[DeclaredAidOut]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    receipt_number: str
    scheme: str
    scheme_version: str
    rules_sha256: str
    eligibility: dict[str, Any]
    # What is wrong with the values as typed (blocking only at submission).
    problems: dict[str, list[str]]


class SummaryOut(Schema):
    reference: str
    call: str
    company_siren: str
    state: str
    version: int
    submitted_at: datetime | None

    # An Application from applications_of (call and company joined).
    @staticmethod
    def resolve_call(app: Application) -> str:
        return app.call.reference

    @staticmethod
    def resolve_company_siren(app: Application) -> str:
        return app.company.siren


class ApplicationFilters(FilterSchema):
    state: Annotated[Literal[tuple(ApplicationState.values)] | None, FilterLookup("state")] = None  # type: ignore[valid-type]
    call: Annotated[str | None, FilterLookup("call__reference")] = None
    siren: Annotated[str | None, FilterLookup("company__siren")] = None


class ReceiptOut(Schema):
    reference: str
    receipt_number: str
    submitted_at: datetime
    state: str
    version: int
    already_submitted: bool
    eligibility: dict[str, Any]
    submitted_data: dict[str, Any]


class ApplicationEventOut(Schema):
    transition: str
    label: str
    from_state: str
    to_state: str
    at: datetime
    actor: str
    reason: str


class WithdrawIn(Schema):
    reason: str = ""


class AnswerIn(Schema):
    message: str = ""


# -- Helpers ------------------------------------------------------------------------------


def _dossier(request: HttpRequest, reference: str) -> Application:
    return get_object_or_404(
        applications_of(request.auth).prefetch_related(  # type: ignore[attr-defined]
            "cost_lines", "declared_aids"
        ),
        reference=reference,
    )


def _out(app: Application) -> dict[str, Any]:
    lines = list(app.cost_lines.all())
    problems = services.application_check(app, require=False).errors if app.editable else {}
    return {
        "reference": app.reference,
        "call": app.call.reference,
        "company_siren": app.company.siren,
        "company_name": app.company.name,
        "state": app.state,
        "version": app.version,
        "answers": app.answers,
        "requested_amount": app.requested_amount,
        "eligible_cost": sum(
            (c.amount for c in lines if c.eligible and c.amount is not None), Decimal("0.00")
        ),
        "lab": app.lab,
        "cost_lines": lines,
        "declared_aids": list(app.declared_aids.all()),
        "created_at": app.created_at,
        "updated_at": app.updated_at,
        "submitted_at": app.submitted_at,
        "receipt_number": app.receipt_number,
        "scheme": app.scheme_code,
        "scheme_version": app.scheme_version,
        "rules_sha256": app.rules_sha256,
        "eligibility": app.eligibility,
        "problems": problems,
    }


def _fresh(app: Application) -> dict[str, Any]:
    return _out(
        Application.objects.select_related("call", "company")
        .prefetch_related("cost_lines", "declared_aids")
        .get(pk=app.pk)
    )


# -- Calls --------------------------------------------------------------------------------


@router.get(
    "/calls",
    response=list[CallOut],
    auth=None,
    summary="Open and upcoming calls, the soonest deadline first (paginated)",
)
@api_access("public")  # calls open or upcoming
@paginate(Pages)
def list_calls(request: HttpRequest, filters: Query[CallFilters]) -> QuerySet[Call]:
    return filters.filter(calls_listed())


@router.post(
    "/calls/{call}/precheck",
    response={200: dict[str, Any], 404: ApiError, 422: ApiError},
    auth=None,
    summary="Am I eligible? The rules core's verdict per criterion, before any dossier",
    description=(
        "`inputs` maps the scheme's input names (creation_date, department, headcount, "
        "turnover_eur, deep_tech, ...) to values; a missing one makes its criteria "
        "'unknown'. Nothing is stored."
    ),
)
@api_access("public")  # a call's rules; nothing is stored
def precheck(request: HttpRequest, call: str, payload: PrecheckIn) -> Any:
    obj = get_object_or_404(Call, reference=call)
    scheme = obj.scheme
    if scheme is None:
        return refusal(404, _("Dispositif introuvable."), "not_found")
    at = call_rules_date(obj, scheme)
    known = set(scheme.inputs()) - set(DERIVED_INPUTS)
    errors: dict[str, list[str]] = {}
    inputs: dict[str, object] = {"application_date": at}
    for name, raw in payload.inputs.items():
        if name not in known:
            errors[name] = [
                _("Donnée inconnue de ce dispositif ; attendues : %(names)s.")
                % {"names": ", ".join(sorted(known))}
            ]
            continue
        try:
            inputs[name] = parse_precheck_input(INPUT_FIELDS[name], raw)
        except ValueRefused:
            errors[name] = [_("Valeur illisible pour %(name)s.") % {"name": name}]
    if errors:
        return refusal(422, _("Certaines réponses ne sont pas lisibles."), "invalid", errors)
    result = eligibility_json(evaluate(scheme, inputs, at))
    result["company_inputs"] = list(COMPANY_INPUTS)
    return result


# -- Dossiers -----------------------------------------------------------------------------


@router.get(
    "/",
    response={200: list[SummaryOut], 403: ApplicationErrorOut},
    summary="My dossiers, the latest created first (paginated)",
)
@api_access("verified", objects=MEMBER)
@paginate(Pages)
def list_applications(
    request: HttpRequest, filters: Query[ApplicationFilters]
) -> QuerySet[Application]:
    user = request.auth  # type: ignore[attr-defined]
    return filters.filter(applications_of(user)).order_by("-created_at", "-pk")


@router.post(
    "/",
    response={200: ApplicationOut, 201: ApplicationOut, **ERRORS},
    summary="Create a dossier on a call for one of my companies",
    description="201 created; 200 the company already has a dossier on this call (returned).",
)
@api_access("verified", objects="company.member")
def create_application(request: HttpRequest, payload: CreateIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    call = get_object_or_404(Call, reference=payload.call)
    company = get_object_or_404(companies_for_drafts(user), siren=payload.siren)
    try:
        result = services.application_create(call=call, company=company, actor=user)
    except ApplicationError as exc:
        return _refusal(exc)
    return Status(201 if result.created else 200, _fresh(result.application))


@router.get("/{reference}", response={200: ApplicationOut, **ERRORS}, summary="One dossier")
@api_access("verified", objects=MEMBER)
def get_application(request: HttpRequest, reference: str) -> Any:
    app = _dossier(request, reference)
    dossier_view_record(user=request.auth, application=app)  # type: ignore[attr-defined]
    return _out(app)


@router.patch(
    "/{reference}",
    response={200: ApplicationOut, **ERRORS},
    summary="Save a draft (optimistic concurrency on `version`)",
    description=(
        "`answers` updates the fields given (others are kept); `cost_lines` and "
        "`declared_aids`, when given, replace the lists. Values are kept as sent, valid or "
        "not; `problems` lists what a submission would refuse in them. A `version` other "
        "than the dossier's gives 409 with `current_version`, and nothing is written."
    ),
)
@api_access("verified", objects=MEMBER)
def update_application(request: HttpRequest, reference: str, payload: UpdateIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    app = _dossier(request, reference)
    scheme = app.call.scheme
    if payload.answers is not None and scheme is not None and scheme.form is not None:
        ids = {f.id for f in scheme.form.fields()}
        unknown = sorted(set(payload.answers) - ids)
        if unknown:
            return refusal(
                422,
                _("Champs inconnus dans ce formulaire : %(names)s.")
                % {"names": ", ".join(unknown)},
                "invalid",
                {
                    f"answers.{name}": [
                        _("Champ inconnu ; attendus : %(ids)s.") % {"ids": ", ".join(sorted(ids))}
                    ]
                    for name in unknown
                },
            )
    try:
        app = services.application_save_draft(
            application=app,
            actor=user,
            answers=payload.answers,
            cost_lines=(
                [
                    {**line.dict(), "eligible": "oui" if line.eligible else ""}
                    for line in payload.cost_lines
                ]
                if payload.cost_lines is not None
                else None
            ),
            declared_aids=(
                [aid.dict() for aid in payload.declared_aids]
                if payload.declared_aids is not None
                else None
            ),
            expected_version=payload.version,
            merge_answers=True,
        )
    except ApplicationError as exc:
        return _refusal(exc)
    return _fresh(app)


def _receipt(app: Application, already: bool) -> dict[str, Any]:
    return {
        "reference": app.reference,
        "receipt_number": app.receipt_number,
        "submitted_at": app.submitted_at,
        "state": app.state,
        "version": app.version,
        "already_submitted": already,
        "eligibility": app.eligibility,
        "submitted_data": app.submitted_data,
    }


@router.post(
    "/{reference}/submit",
    response={200: ReceiptOut, 201: ReceiptOut, **ERRORS},
    summary="Submit the dossier (idempotent)",
    description=(
        "201 submitted now, with its receipt; 200 it had been submitted already (a resent "
        "request): the same receipt, nothing written. 403 `deadline`: the call closed "
        "(closes_at excluded, to the second); 422 `invalid`: every field error at once."
    ),
)
@api_access("verified", objects=MEMBER)
def submit_application(request: HttpRequest, reference: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    app = application_of(user, reference)
    if app is None:
        raise Http404
    try:
        result = services.application_submit(
            application=app, actor=user, received_at=received_at(request)
        )
    except ApplicationError as exc:
        return _refusal(exc)
    return Status(201 if result.created else 200, _receipt(result.application, not result.created))


@router.post("/{reference}/withdraw", response={200: SummaryOut, **ERRORS}, summary="Withdraw")
@api_access("verified", objects=MEMBER)
def withdraw_application(request: HttpRequest, reference: str, payload: WithdrawIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    app = get_object_or_404(applications_of(user), reference=reference)
    try:
        app = services.application_withdraw(application=app, actor=user, reason=payload.reason)
    except ApplicationError as exc:
        return _refusal(exc)
    return app


@router.post(
    "/{reference}/answer",
    response={200: ReceiptOut, **ERRORS},
    summary="Answer a request for missing items (incomplete -> submitted)",
)
@api_access("verified", objects=MEMBER)
def answer_application(request: HttpRequest, reference: str, payload: AnswerIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    app = get_object_or_404(applications_of(user), reference=reference)
    try:
        app = services.application_answer_missing(
            application=app, actor=user, message=payload.message
        )
    except ApplicationError as exc:
        return _refusal(exc)
    return _receipt(app, False)


@router.get(
    "/{reference}/history",
    response={200: list[ApplicationEventOut], **ERRORS},
    summary="The dossier's state and history",
)
@api_access("verified", objects=MEMBER)
@paginate(Pages)
def application_history(request: HttpRequest, reference: str) -> Any:
    app = _dossier(request, reference)
    out = []
    for e in app.events.select_related("actor").prefetch_related("actor__groups"):
        t = BY_NAME.get(e.transition)
        out.append(
            {
                "transition": e.transition,
                "label": str(t.label) if t else _("Création du dossier"),
                "from_state": e.from_state,
                "to_state": e.to_state,
                "at": e.at,
                # Staff named by their role, never by their e-mail (issue 13).
                "actor": name_for_applicant(e.actor),
                "reason": e.reason,
            }
        )
    return out
