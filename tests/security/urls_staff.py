"""The project's URL configuration plus one officer page, for test_two_factor.py."""

from django.http import HttpResponse
from django.urls import path

from plania.accounts.access import access
from plania.urls import urlpatterns as project_urlpatterns


def officer_page(request):
    return HttpResponse("officer page")


urlpatterns = [*project_urlpatterns, path("agents/", access("officer")(officer_page))]
