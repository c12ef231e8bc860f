"""The ProConnect log-in pages (mozilla-django-oidc's views; plania.accounts.proconnect
says who the person is). After the log-in, the SIRET ProConnect gave makes the person a
verified representative of that company (plania.companies.services), or a message says
why not. When ProConnect is not configured, both pages send to the home page with a
message (there is no ProConnect button then)."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from plania.accounts.proconnect import SESSION_ERROR, SESSION_SIRET
from plania.companies.services import CompanyError, representative_from_proconnect


def _disabled(request: HttpRequest) -> HttpResponse | None:
    if getattr(settings, "PLANIA_PROCONNECT_ENABLED", False):
        return None
    messages.info(request, _("La connexion avec ProConnect n'est pas proposée sur ce site."))
    return redirect("web:home")


class ProConnectLogin(OIDCAuthenticationRequestView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return _disabled(request) or super().get(request)


class ProConnectCallback(OIDCAuthenticationCallbackView):
    @property
    def success_url(self) -> str:
        next_url = self.request.session.get("oidc_login_next", None)
        return next_url or resolve_url("web:my_companies")

    @property
    def failure_url(self) -> str:
        return resolve_url("web:login")

    def get(self, request: HttpRequest) -> Any:
        return _disabled(request) or super().get(request)

    def login_failure(self) -> HttpResponse:
        code = self.request.session.pop(SESSION_ERROR, "")
        if code == "staff":
            text = _(
                "ProConnect sert aux porteurs de projets : les agents de la Région se "
                "connectent avec leur mot de passe et leur second facteur."
            )
        elif code == "inactive":
            text = _("Ce compte est désactivé : contactez la Région.")
        else:
            text = _(
                "La connexion avec ProConnect n'a pas abouti. Réessayez, ou connectez-vous "
                "avec votre adresse e-mail et votre mot de passe."
            )
        messages.error(self.request, text)
        return HttpResponseRedirect(self.failure_url)

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        siret = self.request.session.pop(SESSION_SIRET, "")
        if not siret:
            messages.warning(
                self.request,
                _(
                    "Vous êtes connecté·e. ProConnect n'a transmis aucun SIRET d'organisation : "
                    "aucune entreprise ne vous est rattachée. Identifiez votre entreprise puis "
                    "déposez un pouvoir, ou demandez à un représentant de vous inviter."
                ),
            )
            return response
        try:
            membership = representative_from_proconnect(user=self.user, siret=siret)
        except CompanyError as exc:
            messages.warning(
                self.request,
                _("Vous êtes connecté·e, mais votre organisation n'a pas pu être rattachée : ")
                + exc.message,
            )
        else:
            messages.success(
                self.request,
                _("Connecté·e avec ProConnect : vous représentez %(name)s (SIREN %(siren)s).")
                % {"name": membership.company.name, "siren": membership.company.siren},
            )
        return response
