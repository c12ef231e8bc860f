"""One declared access rule per route (issue 7 item 1; OWASP ASVS V4).

Every view is wrapped by `access(...)`, which both enforces the rule and records it on the
view as `view.access_policy`, so that a test can walk the URL configuration and fail for
any route without one (tests/security/test_route_policies.py).

    @access("verified", objects="dossier.applicant")
    def dossier_edit(request, reference): ...

    path("connexion/", access("public")(LoginView.as_view()), name="login")

`who` is one of WHO. `objects` names the access layer's action (plania.core.grants) that
says which objects the person may reach: the view fetches through `scope(user, action)`
or asks `can(user, action, obj)` (a foreign object gives 404, not 403, so that existence
does not leak), and tests/security/test_route_policies.py runs the rule against the
security world (the granted person admitted, an ungranted one refused).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from plania.accounts.decorators import require_verified_email
from plania.accounts.roles import Role
from plania.core.grants import has_role

View = Callable[..., Any]

# public: anyone; authenticated: signed in; verified: signed in with a verified e-mail
# (applicant features); a role name: member of that group (superusers pass every role).
BASIC = ("public", "authenticated", "verified")
WHO = {*BASIC, *(role.value for role in Role)}


# An object rule names an action of the access layer (plania.core.grants), e.g.
# "dossier.view"; tests/security/test_route_policies.py runs it.
ACTION_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")


@dataclass(frozen=True)
class Policy:
    who: str
    objects: str = ""
    # Other roles that pass a role rule (an API operation open to two roles:
    # plania.api.access); empty for the web's access(), which takes one role.
    also: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.objects and not ACTION_NAME.match(self.objects):
            raise ValueError(
                f"object rule {self.objects!r} is not an action of plania.core.grants "
                "(e.g. 'dossier.view')"
            )

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles a role rule admits (superusers pass every one)."""
        return (self.who, *self.also) if self.who not in BASIC else ()


def _role_required(role: str, view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_role(request.user, role):
            # Staff pages do not exist for those who may not see them.
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def access(who: str, *, objects: str = "") -> Callable[[View], View]:
    if who not in WHO:
        raise ValueError(f"unknown access rule {who!r}; use one of {sorted(WHO)}")
    policy = Policy(who, objects)  # refuses an object rule in words

    def decorate(view: View) -> View:
        if who == "public":
            enforced = view
        elif who == "authenticated":
            enforced = login_required(view)
        elif who == "verified":
            enforced = require_verified_email(view)
        else:
            enforced = _role_required(who, view)
        enforced.access_policy = policy  # type: ignore[attr-defined]
        return enforced

    return decorate
