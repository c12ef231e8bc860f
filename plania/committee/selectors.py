"""Reads of the committee room."""

from datetime import date
from typing import Any

from django.db.models import Q

from plania.committee.enums import SessionState
from plania.committee.models import AgendaItem


def decision_for(application: Any) -> AgendaItem | None:
    """The latest decided agenda item of a dossier (approval, rejection, adjournment)."""
    return (
        AgendaItem.objects.filter(proposal__application=application)
        .filter(~Q(outcome="pending"))
        .select_related("session")
        .order_by("-decided_at", "-pk")
        .first()
    )


def held_award_filter(today: date) -> Q:
    """The awards whose decision is public (issue 13 item 6), as a filter on Award: its
    session has been held (state "held", the session's date passed) and its deliberation
    date has passed. An item approved in a session still "planned", or dated in the
    future, is not published anywhere public (transparency page, open data)."""
    return Q(
        item__session__state=SessionState.HELD,
        item__session__held_on__lte=today,
        decided_on__lte=today,
    )
