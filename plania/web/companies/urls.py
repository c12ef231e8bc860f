"""Company pages under /entreprises/ (names in the `web` namespace).

Claiming or seeing a company needs a signed-in person with a verified e-mail address
(plania.accounts.access "verified"); a company's pages show only to its active members,
anyone else gets 404 (the views fetch through companies_of(user))."""

from django.urls import path

from plania.accounts.access import access
from plania.web.companies import views

verified = access("verified")
members = access("verified", objects="company.member")
owners = access("verified", objects="company.member")

urlpatterns = [
    path("", verified(views.my_companies), name="my_companies"),
    path("identifier/", verified(views.company_identify), name="company_identify"),
    path("saisie/", verified(views.company_manual), name="company_manual"),
    path("<str:siren>/", members(views.company_detail), name="company"),
    path(
        "<str:siren>/membres/<int:membership_id>/accepter/",
        owners(views.member_approve),
        name="company_member_approve",
    ),
]
