"""/api/v1/accounts/: who am I (for integrations checking their token); my data."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from plania.accounts.auth import api_auth
from plania.api.access import api_access
from plania.companies.selectors import companies_of

router = Router(tags=["accounts"], auth=api_auth)


class MeOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    email_verified: bool
    language: str
    companies: int  # companies the person acts for (active memberships)


@router.get("/me", response=MeOut, summary="The authenticated user")
@api_access("authenticated", objects="account.own")
def me(request: HttpRequest):  # type: ignore[no-untyped-def]
    user = request.auth  # type: ignore[attr-defined]
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email_verified": user.email_verified,
        "language": user.language,
        "companies": companies_of(user).count(),
    }


@router.get(
    "/me/export",
    response=dict[str, Any],
    summary="The authenticated user's data (account, memberships, dossiers, messages, views)",
)
@api_access("authenticated", objects="account.own")
def me_export(request: HttpRequest) -> dict[str, Any]:
    from plania.privacy.selectors import personal_data

    return personal_data(request.auth)  # type: ignore[attr-defined]
