"""One declared access rule per API operation (issue 7 item 1), as `plania.accounts.access`
does for the web's routes: the rule is enforced and recorded on the operation's function
(`func.access_policy`), so that a test can walk the API and fail for an operation without
one (tests/security/test_route_policies.py), and a matrix check what each role gets
(tests/security/test_api_matrix.py).

    @router.get("/{reference}", response=...)
    @api_access("verified", objects="dossier.applicant")
    def get_application(request, reference): ...

`who` is one of plania.accounts.access.WHO; `also` other roles admitted by a role rule.

- public: anyone, without authentication (the router's auth is not asked: `auth=None`);
- authenticated: the router's authentication (a token or the session), else 401;
- verified: and a verified e-mail address, else 403 `unverified`;
- a role: a member of the role or of `also` (superusers pass), else **404** (a staff
  operation does not exist for others); called with the browser session, a staff member
  must have passed the second factor, else 403 `second_factor` (a personal token is
  created behind the second factor already).

The check runs once django-ninja has authenticated the caller (401 first) and read the
parameters (so a malformed request gets 422 whoever sends it: its shape is public in the
description); then the operation fetches its objects through user-scoped querysets, so
that another company's object is 404, not 403.
"""

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from plania.accounts.access import BASIC, WHO, Policy
from plania.api.errors import ApiRefusal
from plania.core.grants import has_role
from plania.security.twofactor import (
    SECOND_FACTOR_CODE,
    STAFF_ROLES,
    second_factor_enabled,
    second_factor_message,
)

Func = Callable[..., Any]


def unverified_refusal() -> ApiRefusal:
    return ApiRefusal(403, _("Vérifiez d'abord votre adresse e-mail."), code="unverified")


def second_factor_refusal() -> ApiRefusal:
    return ApiRefusal(403, second_factor_message(), code=SECOND_FACTOR_CODE)


def _session_without_second_factor(request: HttpRequest) -> bool:
    if not second_factor_enabled() or getattr(request, "api_token", None) is not None:
        return False
    is_verified = getattr(request.user, "is_verified", None)
    return not (callable(is_verified) and is_verified())


def enforce(request: HttpRequest, policy: Policy) -> Any:
    """Refuse the caller if `policy` does not admit them; return the user."""
    user = request.auth  # type: ignore[attr-defined]
    if policy.who == "authenticated":
        return user
    if policy.who == "verified":
        if not getattr(user, "email_verified", False):
            raise unverified_refusal()
        return user
    if not any(has_role(user, role) for role in policy.roles):
        raise Http404
    if set(policy.roles) & STAFF_ROLES and _session_without_second_factor(request):
        raise second_factor_refusal()
    return user


def api_access(who: str, *, objects: str = "", also: Sequence[str] = ()) -> Callable[[Func], Func]:
    if who not in WHO or any(role not in WHO or role in BASIC for role in also):
        raise ValueError(f"unknown access rule {who!r} {tuple(also)!r}; use {sorted(WHO)}")
    if also and who in BASIC:
        raise ValueError("`also` names other roles of a role rule")
    policy = Policy(who, objects, tuple(also))

    def decorate(func: Func) -> Func:
        if who == "public":
            func.access_policy = policy  # type: ignore[attr-defined]
            return func

        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            enforce(request, policy)
            return func(request, *args, **kwargs)

        wrapper.access_policy = policy  # type: ignore[attr-defined]
        return wrapper

    return decorate
