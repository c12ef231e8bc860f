"""Committee, award, payment and repayment pages, under /aides/ (French paths)."""

from django.urls import path

from plania.accounts.access import access
from plania.web.awards import views

# Applicant pages ask for a verified address, as the dossier, document and message pages
# do (an award is the dossier's outcome: its agreement, payments and repayments).
AWARD_OBJECTS = "award.view"

urlpatterns = [
    path(
        "commissions/",
        access("committee", objects="committee.session")(views.session_list),
        name="committee_sessions",
    ),
    path(
        "commissions/<int:pk>/",
        access("committee", objects="committee.session")(views.session_detail),
        name="committee_session",
    ),
    path(
        "commissions/<int:pk>/<slug:action>/",
        access("committee", objects="committee.session")(views.session_action),
        name="committee_session_action",
    ),
    path(
        "commissions/<int:pk>/points/<int:item>/decision/",
        access("committee", objects="committee.decide")(views.item_decide),
        name="committee_item_decide",
    ),
    path(
        "commissions/<int:pk>/points/<int:item>/conflit/",
        access("committee", objects="committee.decide")(views.item_conflict),
        name="committee_item_conflict",
    ),
    path(
        "attributions-directes/",
        access("officer", objects="committee.direct")(views.direct_create),
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
        access("verified", objects=AWARD_OBJECTS)(views.award_action),
        name="award_action",
    ),
    path(
        "versements/",
        access("officer", objects="payments.request")(views.requests_list),
        name="payment_requests",
    ),
    path(
        "versements/a-mandater/",
        access("finance", objects="payments.request")(views.requests_list),
        {"state": "certified"},
        name="payment_requests_to_order",
    ),
    path(
        "versements/mandats.csv",
        access("finance", objects="award.finance")(views.payment_orders_csv),
        name="payment_orders_csv",
    ),
    path(
        "remboursements/releve/",
        access("finance", objects="award.finance")(views.bank_statement),
        name="bank_statement",
    ),
    path(
        "remboursements/impayes/",
        access("finance", objects="award.finance")(views.arrears_list),
        name="arrears",
    ),
    path(
        "dossiers/<str:reference>/explication/",
        access(
            "verified",
            objects="award.explanation",
        )(views.explanation),
        name="award_explanation",
    ),
]
