"""The payments' grants (plania.core.grants; docs/security.md "Grants"): finance reaches
the dossiers whose award is in payment (their files and messages)."""

from typing import Any

from django.db.models import Q

from plania.accounts.roles import Role
from plania.applications.permissions import FILED, STAFF
from plania.awards.enums import AwardState
from plania.core.grants import grant, has_role


@grant(STAFF)
def _finance(user: Any) -> Q | bool:
    if not has_role(user, Role.FINANCE):
        return False
    return FILED & Q(award__state=AwardState.IN_PAYMENT)
