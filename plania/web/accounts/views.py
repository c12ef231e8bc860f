"""Account pages: sign-up, verification, login and logout, passwords, API tokens.

Thin views: they read the form, call one service (plania.accounts.services), turn its
AccountError into a message, render or redirect. Login, logout and the password pages are
Django's views with PlanIA's templates and e-mail address login form. Who may use each
page is declared and enforced in urls.py (plania.accounts.access).
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from plania.accounts import emails
from plania.accounts.selectors import api_tokens_of
from plania.accounts.services import (
    AccountError,
    api_token_create,
    api_token_revoke,
    user_sign_up,
    user_verification_send,
    user_verify_email,
)
from plania.security.twofactor import after_password_login
from plania.web.accounts.forms import (
    ApiTokenCreateForm,
    EmailAuthenticationForm,
    PasswordResetForm,
    SignUpForm,
)

SIGNUP_EMAIL_SESSION_KEY = "accounts:signup_email"


def _next_or(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@never_cache
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:account")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user_sign_up(
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=get_language(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The same page whether the address was new or not (no account enumeration).
            request.session[SIGNUP_EMAIL_SESSION_KEY] = data["email"]
            return redirect("web:signup_done")
    return render(request, "web/accounts/signup.html", {"form": form})


def sign_up_done(request: HttpRequest) -> HttpResponse:
    email = request.session.pop(SIGNUP_EMAIL_SESSION_KEY, "")
    return render(request, "web/accounts/signup_done.html", {"email": email})


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = user_verify_email(token=token)
    except AccountError as exc:
        return render(
            request,
            "web/accounts/verify_failed.html",
            {"error": exc.message, "code": exc.code},
            status=400,
        )
    return render(request, "web/accounts/verify_done.html", {"verified_email": user.email})


@require_POST
def verification_resend(request: HttpRequest) -> HttpResponse:
    try:
        user_verification_send(user=request.user)  # type: ignore[arg-type]
    except AccountError as exc:
        messages.info(request, exc.message)
    else:
        messages.success(
            request,
            _("Un nouveau lien de vérification a été envoyé à %(email)s.")
            % {"email": request.user.email},  # type: ignore[union-attr]
        )
    return redirect(_next_or(request, "web:account"))


def account(request: HttpRequest) -> HttpResponse:
    return render(request, "web/accounts/account.html")


class LoginView(auth_views.LoginView):
    """Django's login with the e-mail form. A staff member goes on to the second-factor
    page (plania.security.twofactor); a locked-out login never gets here (django-axes)."""

    template_name = "web/accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["proconnect_enabled"] = settings.PLANIA_PROCONNECT_ENABLED
        return context

    def form_valid(self, form: Form) -> HttpResponse:
        response = super().form_valid(form)
        if not self.request.user.email_verified:  # type: ignore[union-attr]
            messages.warning(
                self.request,
                _(
                    "Votre adresse e-mail n'est pas encore vérifiée : suivez le lien que nous "
                    "vous avons envoyé pour pouvoir déposer un dossier."
                ),
            )
        return after_password_login(self.request, response)


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5); the header's button sends it with its CSRF token."""


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/accounts/password_change.html"
    success_url = reverse_lazy("web:account")

    def form_valid(self, form: Form) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Votre mot de passe a été changé."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "web/accounts/password_reset.html"
    form_class = PasswordResetForm
    # Rendered by the worker (plania.accounts.emails.password_reset_send_task).
    email_template_name = emails.PASSWORD_RESET_BODY
    subject_template_name = emails.PASSWORD_RESET_SUBJECT
    success_url = reverse_lazy("web:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/accounts/password_reset_confirm.html"
    success_url = reverse_lazy("web:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/accounts/password_reset_complete.html"


@never_cache
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List, and create on POST: the new secret is in this response only (never stored,
    never in a redirect's session), hence never_cache."""
    form = ApiTokenCreateForm(request.POST or None)
    created = plaintext = None
    if request.method == "POST" and form.is_valid():
        try:
            created, plaintext = api_token_create(
                user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                expires_on=form.expires_on(),
                scope=form.cleaned_data["scope"],
            )
        except AccountError as exc:
            form.add_error(None, str(exc.message))
        else:
            form = ApiTokenCreateForm()
    return render(
        request,
        "web/accounts/tokens.html",
        {
            "form": form,
            "created": created,
            "plaintext": plaintext,
            "tokens": api_tokens_of(user=request.user),  # type: ignore[arg-type]
            "today": timezone.localdate(),
        },
    )


@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    token = get_object_or_404(api_tokens_of(user=request.user), pk=pk)  # type: ignore[arg-type]
    try:
        api_token_revoke(token=token, actor=request.user)  # type: ignore[arg-type]
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Le jeton « %(name)s » est révoqué.") % {"name": token.name})
    return redirect("web:api_tokens")
