"""A throw-away API with one unsafe operation behind api_auth (CSRF tests)."""

from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI

from plania.accounts.auth import api_auth
from plania.urls import urlpatterns as project_urlpatterns

api = NinjaAPI(urls_namespace="accounts-csrf-test", docs_url=None)


@api.post("/echo", auth=api_auth)
def echo(request: HttpRequest) -> dict[str, str]:
    return {"email": request.auth.email}  # type: ignore[attr-defined]


urlpatterns = [path("csrf-test/", api.urls), *project_urlpatterns]
