"""Company pages under /entreprises/ (names in the `web` namespace).

Claiming or seeing a company needs a signed-in person with a verified e-mail address
(plania.accounts.access "verified"); a company's pages show only to its active members,
anyone else gets 404 (the views fetch through companies_of(user)). Mandates are examined
by officers under /entreprises/pouvoirs/."""

from django.urls import path

from plania.accounts.access import access
from plania.web.companies import views

verified = access("verified")
members = access("verified", objects="company.member")
owners = access("verified", objects="company.member")

# Any officer examines any pending mandate (no grant narrows them yet: docs/security.md).
officer = access("officer")

urlpatterns = [
    path("", verified(views.my_companies), name="my_companies"),
    path("identifier/", verified(views.company_identify), name="company_identify"),
    path("saisie/", verified(views.company_manual), name="company_manual"),
    path("pouvoirs/", officer(views.mandate_queue), name="mandates"),
    path("pouvoirs/<int:mandate_id>/fichier/", officer(views.mandate_file), name="mandate_file"),
    path(
        "pouvoirs/<int:mandate_id>/decision/",
        officer(views.mandate_decide),
        name="mandate_decide",
    ),
    path(
        "invitations/<int:invitation_id>/accepter/",
        access("verified", objects="company.invitation")(views.invitation_accept),
        name="invitation_accept",
    ),
    path("<str:siren>/", members(views.company_detail), name="company"),
    path(
        "<str:siren>/pouvoir/",
        access("verified", objects="company.requester")(views.mandate_upload),
        name="company_mandate",
    ),
    path(
        "<str:siren>/inviter/",
        owners(views.company_invite),
        name="company_invite",
    ),
    path(
        "<str:siren>/membres/<int:membership_id>/accepter/",
        owners(views.member_approve),
        name="company_member_approve",
    ),
]
