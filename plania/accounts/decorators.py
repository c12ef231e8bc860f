"""`require_verified_email`: for views of applicant features.

    from plania.accounts.decorators import require_verified_email

    @require_verified_email
    def dossier_edit(request, ...): ...

Anonymous visitors go to the login page (as with login_required); a signed-in person
whose address is not verified gets a 403 page saying so, with a button to re-send the
link.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

View = Callable[..., HttpResponse]


def require_verified_email(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.email_verified:  # type: ignore[union-attr]
            return render(
                request,
                "web/accounts/verification_required.html",
                {"next": request.get_full_path()},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper
