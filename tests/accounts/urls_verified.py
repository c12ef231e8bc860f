"""The project's URLs plus one view behind require_verified_email (decorator tests)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from plania.accounts.decorators import require_verified_email
from plania.urls import urlpatterns as project_urlpatterns


@require_verified_email
def applicant_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("applicant page")


urlpatterns = [path("applicant-only/", applicant_only), *project_urlpatterns]
