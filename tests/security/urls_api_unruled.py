"""The project's URL configuration plus one URL under /api/v1/ that is no API operation
and declares no access rule, for test_route_policies.py (a temporary ROOT_URLCONF)."""

from django.http import HttpResponse
from django.urls import include, path

from plania.urls import urlpatterns as project_urlpatterns


def extra(request):  # pragma: no cover - never called
    return HttpResponse("anyone")


urlpatterns = [
    path("api/v1/", include(([path("extra/", extra, name="extra")], "api-extra"))),
    *project_urlpatterns,
]
