"""The project's URL configuration plus one route that declares no access rule, for
test_route_policies.py (a temporary ROOT_URLCONF)."""

from django.http import HttpResponse
from django.urls import path

from plania.urls import urlpatterns as project_urlpatterns


def unruled(request, pk):  # pragma: no cover - never called
    return HttpResponse("anyone")


urlpatterns = [*project_urlpatterns, path("sans-regle/<int:pk>/", unruled, name="web_unruled")]
