"""Writes of the open-data room: recording that awards were published."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from plania.accounts.roles import Role
from plania.core.grants import has_role
from plania.opendata.models import PublishedAward


class OpendataError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@transaction.atomic
def publication_record(*, award_ids: list[int], published_on: date, actor: Any) -> int:
    """Record that these awards are in the file put on the Region's portal or data.gouv.fr
    on `published_on`; already recorded ones are kept as they were. Returns how many rows
    were added."""
    if not (has_role(actor, Role.ADMIN) or has_role(actor, Role.FINANCE)):
        raise OpendataError(_("Réservé aux rôles administrateur et finances."))
    done = set(
        PublishedAward.objects.filter(award_id__in=award_ids).values_list("award_id", flat=True)
    )
    rows = [
        PublishedAward(award_id=pk, published_on=published_on, recorded_by=actor)
        for pk in sorted(set(award_ids) - done)
    ]
    PublishedAward.objects.bulk_create(rows)
    return len(rows)
