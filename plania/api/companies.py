"""Companies in the API: identify one by SIREN/SIRET, enter one by hand, list and read
the caller's companies. Errors answer in the API's one format (plania.api.errors).

Auth: the browser session (django-ninja's django_auth, with its CSRF check on POST).
A verified e-mail address, as on the web.
A company is visible only to its active members; anyone else gets 404, as if it did not
exist, so the API does not tell which companies use PlanIA.
"""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import django_auth

from plania.api.access import api_access
from plania.api.errors import ApiError, refusal
from plania.api.pagination import Pages
from plania.companies.enums import MembershipStatus
from plania.companies.models import Company, Membership
from plania.companies.selectors import companies_of, memberships_of
from plania.companies.services import (
    CompanyError,
    Identification,
    company_create_unverified,
    company_identify,
)

router = Router(tags=["companies"], auth=django_auth)

# What each kind of refusal means in HTTP.
STATUS = {
    "invalid": 422,
    "not_found": 404,
    "ceased": 409,
    "unavailable": 503,
    "forbidden": 403,
}


class CompanyOut(Schema):
    siren: str
    name: str
    creation_date: date | None
    naf_code: str
    size_band: str
    size_band_label: str
    category: str
    legal_category: str
    head_office_siret: str
    postcode: str
    departement: str
    active: bool
    verified: bool
    data_source: str
    refreshed_at: datetime
    role: str
    membership_status: str


class IdentifyIn(Schema):
    identifier: str


class ManualIn(Schema):
    siren: str
    name: str
    creation_date: date | None = None
    postcode: str
    naf_code: str = ""
    size_band: str = ""
    category: str = ""


ERRORS = {status: ApiError for status in set(STATUS.values())}
MEMBER = "company.member"


def _out(company: Company, membership: Membership) -> dict:
    return {
        **{
            name: getattr(company, name)
            for name in CompanyOut.model_fields
            if hasattr(company, name)
        },
        "role": membership.role,
        "membership_status": membership.status,
    }


def _error(exc: CompanyError) -> Status:
    return refusal(STATUS.get(exc.code, 400), exc.message, exc.code, exc.errors)


def _joined(result: Identification) -> Status:
    """200: the caller already represents the company (data refreshed); 202: a pending
    request to represent it (nobody represents a company by identifying it). 201 stays in
    the schema for clients written before verified representatives; it is never sent."""
    if result.membership.status != MembershipStatus.ACTIVE:
        status = 202
    else:
        status = 201 if result.membership_created else 200
    return Status(status, _out(result.company, result.membership))


@router.post(
    "/identify",
    response={200: CompanyOut, 201: CompanyOut, 202: CompanyOut, **ERRORS},
    summary="Identify a company by SIREN or SIRET and join it",
    description=(
        "202: the caller's request to represent the company is pending (identifying a "
        "company never makes anyone its representative: ProConnect, a mandate accepted "
        "by an officer, or a representative's invitation does); until verified the "
        "caller may only create drafts of their own for it. 200: the caller already "
        "represents it, data refreshed. 422 invalid number, 404 unknown, 409 ceased, "
        "503 store has no match and the search API is unavailable."
    ),
)
# A company found by its number: the caller joins it, or asks to (no object yet).
@api_access("verified")
def identify(request, payload: IdentifyIn):  # type: ignore[no-untyped-def]
    try:
        result = company_identify(identifier=payload.identifier, actor=request.auth)
    except CompanyError as exc:
        return _error(exc)
    return _joined(result)


@router.post(
    "/manual",
    response={200: CompanyOut, 201: CompanyOut, 202: CompanyOut, **ERRORS},
    summary="Enter a company by hand (flagged unverified)",
)
# A company entered by hand: the caller joins it, or asks to (no object yet).
@api_access("verified")
def manual(request, payload: ManualIn):  # type: ignore[no-untyped-def]
    try:
        result = company_create_unverified(actor=request.auth, **payload.dict())
    except CompanyError as exc:
        return _error(exc)
    return _joined(result)


@router.get("/", response=list[CompanyOut], summary="The caller's companies")
@api_access("verified", objects="account.own")
@paginate(Pages)
def list_companies(request):  # type: ignore[no-untyped-def]
    return [_out(m.company, m) for m in memberships_of(request.auth)]


@router.get("/{siren}", response=CompanyOut, summary="One of the caller's companies")
@api_access("verified", objects=MEMBER)
def get_company(request, siren: str):  # type: ignore[no-untyped-def]
    company = get_object_or_404(companies_of(request.auth), siren=siren)
    membership = company.memberships.get(user=request.auth)
    return _out(company, membership)
