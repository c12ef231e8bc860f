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
from plania.accounts.addresses import email_key, validate_new_address
from plania.accounts.models import ApiTokenScope, User, api_token_max_days
from plania.accounts.services import API_TOKEN_NAME_MAX, normalize_email


class NewAddressField(forms.EmailField):
    """An address for a new account: ASCII only once NFKC-normalised, said before the
    format check so that a look-alike gets the clear reason (plania.accounts.addresses)."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value:
            validate_new_address(value)


class SignUpForm(forms.Form):
    email = NewAddressField(
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


VALIDITY_DAYS = [(7, _("7 jours")), (30, _("30 jours")), (90, _("90 jours")), (365, _("1 an"))]


def validity_choices() -> list[tuple[str, Any]]:
    """The lifetimes offered, none past PLANIA_API_TOKEN_MAX_DAYS (which is offered too)."""
    longest = api_token_max_days()
    choices: list[tuple[str, Any]] = [(str(d), label) for d, label in VALIDITY_DAYS if d < longest]
    labels = dict(VALIDITY_DAYS)
    choices.append((str(longest), labels.get(longest, _("%(days)d jours") % {"days": longest})))
    return choices


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du jeton"),
        max_length=API_TOKEN_NAME_MAX,
        help_text=_("Pour le reconnaître : l'outil ou le script qui l'utilise."),
    )
    scope = forms.ChoiceField(
        label=_("Portée"),
        choices=ApiTokenScope.choices,
        initial=ApiTokenScope.READ,
        required=False,  # left out: read only
        help_text=_(
            "« Lecture seule » suffit pour lire ou exporter ; un tel jeton est refusé sur "
            "toute requête qui modifie des données."
        ),
    )
    validity = forms.ChoiceField(label=_("Durée de validité"), choices=validity_choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        values = [value for value, _label in validity_choices()]
        self.fields["validity"].initial = "90" if "90" in values else values[-1]
        self.fields["validity"].help_text = _(
            "Un jeton vit au plus %(days)d jours ; il est aussi révoqué quand votre mot de "
            "passe change ou qu'un rôle ou une adhésion à une entreprise vous est retiré."
        ) % {"days": api_token_max_days()}

    def clean_scope(self) -> str:
        return self.cleaned_data.get("scope") or ApiTokenScope.READ

    def expires_on(self) -> date:
        return timezone.localdate() + timedelta(days=int(self.cleaned_data["validity"]))


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's form, whose mail the worker renders and sends (plania/core/jobs.py): the
    request only enqueues it, so that it answers as fast whether the address has an account
    or not.

    Accounts are found by the address's key (plania.accounts.addresses), as at login."""

    def get_users(self, email: str) -> Any:
        return (
            user
            for user in User._default_manager.filter(email_key=email_key(email), is_active=True)
            if user.has_usable_password()
        )

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
