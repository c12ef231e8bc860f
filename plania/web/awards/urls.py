"""Committee, award, payment and repayment pages, under /aides/ (French paths)."""

from django.urls import path

from plania.accounts.access import access
from plania.web.awards import views

# Applicant pages ask for a verified address, as the dossier, document and message pages
# do (an award is the dossier's outcome: its agreement, payments and repayments).
AWARD_OBJECTS = (
    "every award for the Region's staff (is_staff or any staff role); the awards of the "
    "person's companies for their active members"
)

urlpatterns = [
    path(
        "commissions/",
        access("committee", objects="every committee session")(views.session_list),
        name="committee_sessions",
    ),
    path(
        "commissions/<int:pk>/",
        access("committee", objects="every committee session")(views.session_detail),
        name="committee_session",
    ),
    path(
        "commissions/<int:pk>/<slug:action>/",
        access("committee", objects="every committee session")(views.session_action),
        name="committee_session_action",
    ),
    path(
        "commissions/<int:pk>/points/<int:item>/decision/",
        access("committee", objects="agenda items of the session")(views.item_decide),
        name="committee_item_decide",
    ),
    path(
        "commissions/<int:pk>/points/<int:item>/conflit/",
        access("committee", objects="committee.decide")(views.item_conflict),
        name="committee_item_conflict",
    ),
    path(
        "attributions-directes/",
        access("officer", objects="every direct proposal")(views.direct_create),
        name="direct_awards",
    ),
    path(
        "attributions/",
        access("verified", objects=AWARD_OBJECTS)(views.award_list),
        name="awards",
    ),
    path(
        "attributions/<str:reference>/",
        access("verified", objects=AWARD_OBJECTS)(views.award_detail),
        name="award",
    ),
    path(
        "attributions/<str:reference>/convention.pdf",
        access("verified", objects=AWARD_OBJECTS)(views.agreement_pdf),
        name="award_agreement_pdf",
    ),
    path(
        "attributions/<str:reference>/documents/<int:pk>/",
        access("verified", objects=AWARD_OBJECTS)(views.document_download),
        name="award_document",
    ),
    path(
        "attributions/<str:reference>/<slug:action>/",
        access("verified", objects=AWARD_OBJECTS + "; each action checks its role")(
            views.award_action
        ),
        name="award_action",
    ),
    path(
        "versements/",
        access("officer", objects="payment requests to certify")(views.requests_list),
        name="payment_requests",
    ),
    path(
        "versements/a-mandater/",
        access("finance", objects="certified payment requests")(views.requests_list),
        {"state": "certified"},
        name="payment_requests_to_order",
    ),
    path(
        "versements/mandats.csv",
        access("finance", objects="every payment order")(views.payment_orders_csv),
        name="payment_orders_csv",
    ),
    path(
        "remboursements/releve/",
        access("finance", objects="every award with an advance")(views.bank_statement),
        name="bank_statement",
    ),
    path(
        "remboursements/impayes/",
        access("finance", objects="every award with an advance")(views.arrears_list),
        name="arrears",
    ),
    path(
        "dossiers/<str:reference>/explication/",
        access(
            "verified",
            objects="the dossier of the person's company; every dossier for the Region's staff",
        )(views.explanation),
        name="award_explanation",
    ),
]
