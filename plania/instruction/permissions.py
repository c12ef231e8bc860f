"""The instruction's grants (plania.core.grants; docs/security.md "Grants").

- the officer assigned to a dossier's scheme instructs it, reads its files, messages and
  notes (an administrator instructs every scheme);
- an invited expert who declared no conflict reads its files, messages and notes; once
  conflicted (or the invitation cancelled), nothing.
"""

from typing import Any

from django.db.models import Q

from plania.accounts.roles import Role
from plania.applications.permissions import FILED, INSTRUCT, NOTES, STAFF
from plania.core.grants import action, grant, has_role, remember
from plania.instruction.enums import InvitationStatus
from plania.instruction.models import ExpertInvitation, SchemeAssignment

# An expert who declared no conflict (and has not been cancelled).
WITHOUT_CONFLICT = (InvitationStatus.ACCEPTED, InvitationStatus.COMPLETED)


def officer_schemes(user: Any) -> frozenset[str]:
    """The schemes assigned to the officer, loaded once per request."""
    if not has_role(user, Role.OFFICER):
        return frozenset()
    return remember(
        user,
        "officer_schemes",
        lambda: frozenset(
            SchemeAssignment.objects.filter(officer=user).values_list("scheme_code", flat=True)
        ),
    )


def expert_dossiers(user: Any) -> frozenset[int]:
    """The dossiers the expert is invited on and declared no conflict for."""
    if not has_role(user, Role.EXPERT):
        return frozenset()
    return remember(
        user,
        "expert_dossiers",
        lambda: frozenset(
            ExpertInvitation.objects.filter(expert=user, status__in=WITHOUT_CONFLICT).values_list(
                "application_id", flat=True
            )
        ),
    )


def _officer(user: Any) -> Q | bool:
    if not has_role(user, Role.OFFICER):
        return False
    if user.is_superuser:
        return FILED
    return FILED & Q(scheme_code__in=officer_schemes(user))


def _expert(user: Any) -> Q | bool:
    dossiers = expert_dossiers(user)
    return FILED & Q(pk__in=dossiers) if dossiers else False


grant(INSTRUCT)(_officer)
grant(STAFF)(_officer)
grant(STAFF)(_expert)
grant(NOTES)(_officer)
grant(NOTES)(_expert)


SCHEME = action(
    "instruction.scheme",
    model=None,
    doc="the schemes assigned to the officer (every scheme: an administrator)",
)
INVITATION = action(
    "instruction.invitation",
    model="instruction.ExpertInvitation",
    doc="the expert's own invitations, not cancelled (the dossier's content once no "
    "conflict is declared: dossier.staff)",
)


@grant(SCHEME)
def _scheme(user: Any, code: Any) -> bool:
    return has_role(user, Role.OFFICER) and (user.is_superuser or code in officer_schemes(user))


@grant(INVITATION)
def _invitations(user: Any) -> Q | bool:
    if not has_role(user, Role.EXPERT):
        return False
    return Q(expert=user) & ~Q(status=InvitationStatus.CANCELLED)
