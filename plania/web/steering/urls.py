"""Steering pages, under /pilotage/ (French paths): the steering page, figures entered
against targets, exports of every table and the annual report."""

from django.urls import path

from plania.accounts.access import access
from plania.web.steering import views

EVERYTHING = "steering.figures"

urlpatterns = [
    path("", access("steering", objects=EVERYTHING)(views.steering_page), name="steering"),
    path(
        "objectifs/<slug:code>/mesures/",
        access("steering", objects="steering.figures")(views.measurement_entry),
        name="steering_measurement",
    ),
    path(
        "export/<slug:name>.<str:fmt>",
        access("steering", objects=EVERYTHING)(views.table_export),
        name="steering_export",
    ),
    path(
        "rapport-annuel.pdf",
        access("steering", objects=EVERYTHING)(views.annual_report),
        name="steering_report",
    ),
]
