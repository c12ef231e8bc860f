"""Who reaches a dossier (plania.core.grants; docs/security.md "Grants").

The applications room declares the dossier's actions and the applicant side's grant
(an active member of the dossier's company, through the companies room's selector);
the rooms above add the staff who reach a dossier, each for its own reason:

- instruction: the officer assigned to the dossier's scheme; an invited expert who has
  not declared a conflict;
- committee: members, for the dossiers on the items of sessions, unless they declared a
  conflict on that item;
- payments: finance, for the dossiers whose award is in payment.

Staff reach filed dossiers only (a draft is the applicant's alone). Steering reaches no
dossier: it sees aggregates and published awards.
"""

from typing import Any

from django.db.models import Q

from plania.applications.enums import ApplicationState
from plania.companies.enums import MembershipStatus
from plania.companies.selectors import companies_for_drafts, companies_of, invitations_for
from plania.core.grants import action, condition, grant

APPLICANT = action(
    "dossier.applicant",
    model="applications.Application",
    doc="an active member of the dossier's company",
)
STAFF = action(
    "dossier.staff",
    model="applications.Application",
    doc="staff with a grant on the dossier: its scheme's officer, an invited expert without "
    "a conflict, committee members for its item (without a conflict), finance in payment",
)
VIEW = action(
    "dossier.view",
    model="applications.Application",
    doc="the dossier's applicant side or staff with a grant on it",
)
INSTRUCT = action(
    "dossier.instruct",
    model="applications.Application",
    doc="the officer assigned to the dossier's scheme (officers' transitions, proposals)",
)
NOTES = action(
    "dossier.notes",
    model="applications.Application",
    doc="the scheme's officers, invited experts without a conflict, committee members for "
    "its item: the internal notes",
)

# Staff grants reach filed dossiers only.
FILED = Q(submitted_at__isnull=False) & ~Q(state=ApplicationState.DRAFT)


def union(*conditions: Q | bool) -> Q | bool:
    found: Q | None = None
    for cond in conditions:
        if cond is True:
            return True
        if isinstance(cond, Q):
            found = cond if found is None else found | cond
    return False if found is None else found


def applicant_condition(user) -> Q:  # type: ignore[no-untyped-def]
    """The dossiers a person reaches as an applicant: those of the companies they are a
    verified representative of, and their own drafts for a company they asked to
    represent (the access layer's `dossier.applicant` grant uses the same condition)."""
    return Q(company__memberships__user=user) & (
        Q(company__memberships__status=MembershipStatus.ACTIVE)
        | Q(created_by=user, state=ApplicationState.DRAFT)
    )


@grant(APPLICANT)
def _member(user: Any) -> Q:
    # Verified representatives; a pending one reaches only their own drafts.
    return applicant_condition(user)


@grant(VIEW)
def _either_side(user: Any) -> Q | bool:
    return union(condition(user, APPLICANT), condition(user, STAFF))


COMPANY = action(
    "company.member",
    model="companies.Company",
    doc="the companies the person is an active member of (the companies room's companies_of)",
)


@grant(COMPANY)
def _companies(user: Any) -> Q:
    return Q(pk__in=companies_of(user).values("pk"))


REQUESTED = action(
    "company.requester",
    model="companies.Company",
    doc="the companies the person represents or asked to represent (a pending request): "
    "they may send a mandate and prepare drafts for them (companies_for_drafts)",
)


@grant(REQUESTED)
def _requested(user: Any) -> Q:
    return Q(pk__in=companies_for_drafts(user).values("pk"))


INVITED = action(
    "company.invitation",
    model="companies.Invitation",
    doc="the open invitations addressed to the person's verified address (invitations_for)",
)


@grant(INVITED)
def _invited(user: Any) -> Q:
    return Q(pk__in=invitations_for(user).values("pk"))
