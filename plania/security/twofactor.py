"""Staff two-factor authentication (issue 7 item 2; OWASP ASVS 2.7/2.8: TOTP).

Who needs a second factor: staff members, that is `is_staff` accounts, superusers and the
members of a staff role group (every role of plania.accounts.roles but applicant).

How: django-otp with TOTP devices (an authenticator application on a phone). After the
password, `after_password_login` (called by the login view) sends a staff member to
`/securite/otp/`: the first time they set up their device there (secret and QR code,
confirmed by a code), later they type a code at each login. django-otp then keeps the
verified device's id in the session, and `request.user.is_verified()` says so
(django_otp.middleware.OTPMiddleware). `StaffSecondFactorMiddleware`
(plania.security.middleware) refuses staff pages to a session that is not verified.

Every password login starts unverified: `on_user_logged_in` drops a device id left in
the session by an earlier login, so a code is asked at each login.
"""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY

from plania.accounts.roles import Role

# A session that has not passed the second factor, refused (the API's 403 `second_factor`,
# from its own access check or from StaffSecondFactorMiddleware).
SECOND_FACTOR_CODE = "second_factor"


def second_factor_message() -> str:
    return _(
        "Confirmez d'abord votre identité avec le code de votre application d'authentification."
    )


STAFF_ROLES = frozenset(role.value for role in Role if role != Role.APPLICANT)
# Whether the signed-in person is in a staff role group, computed at login and kept in the
# session so that pages which are not staff pages need no query to know it (the
# "signed-in" scope of the middleware). Staff-role pages always ask the database.
STAFF_SESSION_KEY = "security:staff_member"


def second_factor_enabled() -> bool:
    return bool(getattr(settings, "PLANIA_OTP_REQUIRED", True))


def in_staff_group(user: Any) -> bool:
    return bool(user.groups.filter(name__in=STAFF_ROLES).exists())


def is_staff_user(user: Any) -> bool:
    """Whether `user` must use a second factor (a query for the group part)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or in_staff_group(user))


def is_staff_member(request: HttpRequest, *, fresh: bool = False) -> bool:
    """`is_staff_user(request.user)`, with the group part read from the session unless
    `fresh` (then the session is brought up to date)."""
    user = request.user
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:  # type: ignore[union-attr]
        return True
    session = request.session
    if not fresh and session.get(STAFF_SESSION_KEY) is not None:
        return bool(session[STAFF_SESSION_KEY])
    member = in_staff_group(user)
    if session.get(STAFF_SESSION_KEY) != member:
        session[STAFF_SESSION_KEY] = member
    return member


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """A new login: forget the second factor of an earlier login (unless the login itself
    came with a verified device, as django-otp's own forms do) and note the staff groups."""
    if request is None or not hasattr(request, "session"):
        return
    if getattr(user, "otp_device", None) is None:
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[STAFF_SESSION_KEY] = in_staff_group(user)


def safe_next(request: HttpRequest, default: str | None = None) -> str:
    """The `next` parameter if it stays on this site, else `default` (the account page)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or reverse(settings.LOGIN_REDIRECT_URL)


def otp_verify_url(next_url: str = "") -> str:
    url = reverse("web:otp_verify")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def otp_setup_url(next_url: str = "") -> str:
    url = reverse("web:otp_setup")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def after_password_login(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """What the login view answers once the password is right: for a staff member, the
    second-factor page (which then goes on to where the login was going)."""
    if not second_factor_enabled() or not is_staff_member(request, fresh=True):
        return response
    target = response.get("Location", "") if response.status_code in (301, 302, 303) else ""
    return redirect(otp_verify_url(target))


def qr_code_svg(data: str) -> str:
    """`data` as a QR code in SVG (one path), drawn here: no image service, no script."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage)
    return str(image.to_string(encoding="unicode"))
