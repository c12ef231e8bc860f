"""The second-factor pages: set up an authenticator application, then type its code at
each login (plania.security.twofactor says who and why).

Thin views: they read the code form, call one service (plania.security.services), render
or redirect. Both pages are never cached: one shows a secret.
"""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from plania.security.services import (
    otp_device_confirm,
    otp_device_of,
    otp_device_start,
    otp_device_verify,
    otp_secret_text,
)
from plania.security.twofactor import (
    is_staff_member,
    otp_setup_url,
    otp_verify_url,
    qr_code_svg,
    safe_next,
)
from plania.web.security.forms import OtpTokenForm


def _verified(request: HttpRequest, device: TOTPDevice) -> None:
    # A new session key once the second factor is passed (ASVS 3.2.1), then the device.
    request.session.cycle_key()
    otp_login(request, device)


def _throttled(device: TOTPDevice) -> str | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (info or {}).get("locked_until")
    if locked_until is None:
        return _("Trop de codes erronés : patientez un instant avant de réessayer.")
    return _("Trop de codes erronés : réessayez après %(time)s.") % {
        "time": timezone.localtime(locked_until).strftime("%H:%M:%S")
    }


@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request)
    user: Any = request.user
    if not is_staff_member(request, fresh=True) or user.is_verified():
        return redirect(next_url)
    device = otp_device_of(user=user)
    if device is None:
        return redirect(otp_setup_url(next_url))
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = _throttled(device)
        if refusal is not None:
            form.add_error("token", refusal)
        elif otp_device_verify(user=user, device=device, token=form.cleaned_data["token"]):
            _verified(request, device)
            return redirect(next_url)
        else:
            form.add_error(
                "token", _("Code incorrect ou expiré : tapez le code affiché maintenant.")
            )
    return render(request, "web/security/otp_verify.html", {"form": form, "next": next_url})


@never_cache
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request)
    user: Any = request.user
    if not is_staff_member(request, fresh=True):
        return redirect(next_url)
    if otp_device_of(user=user) is not None:
        # One device per person; replacing it goes through `plania otp_reset` or the admin.
        return redirect(next_url if user.is_verified() else otp_verify_url(next_url))
    device = otp_device_start(user=user)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = _throttled(device)
        if refusal is not None:
            form.add_error("token", refusal)
        elif otp_device_confirm(device=device, token=form.cleaned_data["token"]):
            device.refresh_from_db()
            _verified(request, device)
            messages.success(
                request,
                _(
                    "Votre application d'authentification est enregistrée : son code vous "
                    "sera demandé à chaque connexion."
                ),
            )
            return redirect(next_url)
        else:
            form.add_error(
                "token", _("Code incorrect ou expiré : tapez le code affiché maintenant.")
            )
    return render(
        request,
        "web/security/otp_setup.html",
        {
            "form": form,
            "next": next_url,
            "secret": otp_secret_text(device),
            # The SVG is drawn by qrcode from the device's otpauth:// URL, nothing typed.
            "qr_svg": mark_safe(qr_code_svg(device.config_url)),  # noqa: S308
        },
    )
