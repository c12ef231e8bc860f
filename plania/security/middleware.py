"""Security middleware.

`RefuseNulCharactersMiddleware` (below) refuses input PostgreSQL cannot store.

`StaffSecondFactorMiddleware`: staff pages need a session verified by the second factor.

A staff member (plania.security.twofactor) whose session has not passed the TOTP step is
refused, whatever the page's own rule says:

- every route whose declared policy (plania.accounts.access) is a staff role;
- the Django admin (the `admin` URL namespace);
- the routes named in `PLANIA_OTP_ALSO_REQUIRED_FOR` (the API tokens pages: a token
  made from a session without the second factor would bypass it);
- with `PLANIA_OTP_SCOPE = "signed-in"`, every route that is not public, and the API
  when called with the session cookie (a Bearer token was made behind the second factor).

A page gets a redirection to `/securite/otp/?next=<the page>`; the API a 403 in its error
format (code `second_factor`; in the `staff-pages` scope the API's staff operations
refuse such a session themselves: plania.api.access).
Others pass through untouched: an applicant on a staff page still gets the 404 of the
route's own rule, so that staff pages do not show that they exist.

Placed after django_otp.middleware.OTPMiddleware (which sets `request.user.is_verified`)
and after the messages middleware.
"""

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from plania.core.errors import error_json
from plania.security.twofactor import (
    SECOND_FACTOR_CODE,
    STAFF_ROLES,
    is_staff_member,
    otp_verify_url,
    second_factor_enabled,
    second_factor_message,
)

ROLE, ADMIN, LISTED, SIGNED_IN, API = "role", "admin", "listed", "signed-in", "api"


def otp_exempt(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that a staff member reaches before the second factor (its own pages)."""
    view.otp_exempt = True  # type: ignore[attr-defined]
    return view


def staff_page_kind(request: HttpRequest, view_func: Callable[..., Any]) -> str | None:
    """Why this route needs the second factor from a staff member, or None."""
    policy = getattr(view_func, "access_policy", None)
    if policy is not None and policy.who in STAFF_ROLES:
        return ROLE
    match = request.resolver_match
    namespaces = match.namespaces if match is not None else []
    if "admin" in namespaces:
        return ADMIN
    if match is not None and match.view_name in getattr(
        settings, "PLANIA_OTP_ALSO_REQUIRED_FOR", ()
    ):
        return LISTED
    if getattr(settings, "PLANIA_OTP_SCOPE", "staff-pages") == "signed-in":
        if policy is not None and policy.who != "public":
            return SIGNED_IN
        bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
        if "api" in namespaces and not bearer:
            # A Bearer token that is wrong gets 401 without falling back to the session
            # (plania.accounts.auth); any other Authorization header does fall back.
            return API
    return None


class StaffSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not second_factor_enabled() or getattr(view_func, "otp_exempt", False):
            return None
        kind = staff_page_kind(request, view_func)
        if kind is None or not request.user.is_authenticated:
            return None
        # A staff-role page asks the database: a role given since the login counts at once.
        if not is_staff_member(request, fresh=kind == ROLE):
            return None
        if request.user.is_verified():  # type: ignore[union-attr]
            return None
        if kind == API:
            return error_json(403, second_factor_message(), SECOND_FACTOR_CODE)
        return redirect(otp_verify_url(request.get_full_path()))


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class RefuseNulCharactersMiddleware:
    """Refuse a request carrying a NUL character (U+0000) in its path, query, form fields or
    JSON body, with 400, before any view: PostgreSQL cannot store it in text and answers an
    error (a 500), and no person types it. Django's form fields refuse it already; this
    covers the API (found by the fuzzing: a NUL in `call` of POST /api/v1/applications/).
    Uploaded files are not looked at (their names are sanitised by plania.documents)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not self._carries_nul(request):
            return None
        message = _("La requête contient un caractère nul (U+0000) : elle est refusée.")
        match = request.resolver_match
        if match is not None and "api" in match.namespaces:
            return error_json(400, message, "nul_character")
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")

    @staticmethod
    def _carries_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path_info:
            return True
        if any(_has_nul(key) or _has_nul(values) for key, values in request.GET.lists()):
            return True
        content_type = request.content_type or ""
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if content_type == "application/json":
                try:
                    return _has_nul(json.loads(request.body or b"null"))
                except ValueError:
                    return False  # not JSON: the API answers that itself
            if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                return any(
                    _has_nul(key) or _has_nul(values) for key, values in request.POST.lists()
                )
        return False
