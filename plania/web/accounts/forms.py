"""Forms of the account pages. They check what the person typed and say so beside each
field; the services decide."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from plania.accounts import emails
from plania.accounts.models import User
from plania.accounts.services import API_TOKEN_NAME_MAX, normalize_email


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Mot de passe (à nouveau)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que la Région traite les données de ce compte pour gérer mes "
            "demandes d'aide."
        ),
        error_messages={"required": _("Votre accord est nécessaire pour créer un compte.")},
    )

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif password1:
            candidate = User(
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                validate_password(password1, user=candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, asking for the e-mail address (plania.accounts.backends)."""

    username = forms.CharField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Adresse e-mail ou mot de passe incorrect."),
        "inactive": _("Ce compte est désactivé."),
    }


VALIDITY_CHOICES = [
    ("30", _("30 jours")),
    ("90", _("90 jours")),
    ("365", _("1 an")),
    ("never", _("Sans expiration")),
]


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du jeton"),
        max_length=API_TOKEN_NAME_MAX,
        help_text=_("Pour le reconnaître : l'outil ou le script qui l'utilise."),
    )
    validity = forms.ChoiceField(
        label=_("Durée de validité"), choices=VALIDITY_CHOICES, initial="90"
    )

    def expires_on(self) -> date | None:
        validity = self.cleaned_data["validity"]
        if validity == "never":
            return None
        return timezone.localdate() + timedelta(days=int(validity))


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's form, whose mail the worker renders and sends (plania/core/jobs.py): the
    request only enqueues it, so that it answers as fast whether the address has an account
    or not."""

    def send_mail(  # type: ignore[override]
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        emails.password_reset_send(
            context["user"].pk,
            email=to_email,
            domain=context["domain"],
            site_name=context["site_name"],
            protocol=context["protocol"],
            language=translation.get_language() or "",
        )
