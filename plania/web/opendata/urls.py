"""Open data: the public transparency page, the SCDL files, the staff "to publish" list."""

from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from plania.accounts.access import Policy, access
from plania.accounts.roles import Role
from plania.core.grants import has_role
from plania.web.opendata import views


def admin_or_finance(view: Any) -> Any:
    """access() takes one role; this list is for two (admin or finance). The policy is
    recorded as "finance" (a staff role: the second factor applies) with the admin role
    in `also`; anyone else gets 404, as with access()."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (has_role(request.user, Role.FINANCE) or has_role(request.user, Role.ADMIN)):
            raise Http404
        return view(request, *args, **kwargs)

    enforced = login_required(wrapper)
    enforced.access_policy = Policy(  # type: ignore[attr-defined]
        "finance", "award.finance", ("admin",)
    )
    return enforced


# Public: awards as the law publishes them (no personal data); no object rule.

urlpatterns = [
    path(
        "transparence/",
        access("public")(views.transparency),
        name="opendata_transparency",
    ),
    path(
        "opendata/subventions.csv",
        access("public")(views.subventions_csv),
        name="opendata_scdl_csv",
    ),
    path(
        "opendata/subventions.json",
        access("public")(views.subventions_json),
        name="opendata_scdl_json",
    ),
    path(
        "opendata/a-publier/",
        admin_or_finance(views.to_publish),
        name="opendata_to_publish",
    ),
]
