"""Reads of the committee room."""

from typing import Any

from django.db.models import Q

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
