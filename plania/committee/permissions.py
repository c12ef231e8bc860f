"""The committee's grants (plania.core.grants; docs/security.md "Grants").

The Commission permanente's members (the committee role) sit in every session. They
reach the dossiers on the items of sessions, and decide those items, unless they
declared a conflict of interest on the item (`ItemConflict`).
"""

from typing import Any

from django.db.models import Q

from plania.accounts.roles import Role
from plania.applications.permissions import FILED, NOTES, STAFF
from plania.committee.models import AgendaItem, CommitteeSession, ItemConflict
from plania.core.grants import action, grant, has_role, remember

SESSION = action(
    "committee.session",
    model="committee.CommitteeSession",
    doc="the Commission permanente's members: every session",
)
DECIDE = action(
    "committee.decide",
    model="committee.AgendaItem",
    doc="the Commission permanente's members, for the items they declared no conflict on",
)


def conflicted_items(user: Any) -> frozenset[int]:
    return remember(
        user,
        "committee_conflicts",
        lambda: frozenset(
            ItemConflict.objects.filter(member=user).values_list("item_id", flat=True)
        ),
    )


@grant(SESSION)
def _member_sessions(user: Any) -> bool:
    return has_role(user, Role.COMMITTEE)


@grant(DECIDE)
def _member_items(user: Any) -> Q | bool:
    if not has_role(user, Role.COMMITTEE):
        return False
    conflicted = conflicted_items(user)
    return ~Q(pk__in=conflicted) if conflicted else True


def _item_dossiers(user: Any) -> Q | bool:
    if not has_role(user, Role.COMMITTEE):
        return False
    items = AgendaItem.objects.filter(proposal__isnull=False).exclude(pk__in=conflicted_items(user))
    return FILED & Q(pk__in=items.values("proposal__application_id"))


grant(STAFF)(_item_dossiers)
grant(NOTES)(_item_dossiers)

__all__ = ["DECIDE", "SESSION", "CommitteeSession"]


DIRECT = action(
    "committee.direct",
    model=None,
    doc="officers: direct proposals (no dossier, no scheme)",
)


@grant(DIRECT)
def _officers(user: Any, obj: Any) -> bool:
    return has_role(user, Role.OFFICER)
