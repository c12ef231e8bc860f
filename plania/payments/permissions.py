"""The payments' grants (plania.core.grants; docs/security.md "Grants"):

- finance reaches the dossiers whose award is in payment (their files and messages);
- payment requests: the officer of the award's scheme (to certify), finance (to order).
"""

from typing import Any

from django.db.models import Q

from plania.accounts.roles import Role
from plania.applications.permissions import FILED, STAFF
from plania.awards.enums import AwardState
from plania.awards.models import Award
from plania.awards.permissions import OFFICER as AWARD_OFFICER
from plania.core.grants import action, condition, grant, has_role

REQUEST = action(
    "payments.request",
    model="payments.PaymentRequest",
    doc="payment requests: the officer of the award's scheme certifies, finance orders",
)


@grant(STAFF)
def _finance(user: Any) -> Q | bool:
    if not has_role(user, Role.FINANCE):
        return False
    return FILED & Q(award__state=AwardState.IN_PAYMENT)


@grant(REQUEST)
def _requests(user: Any) -> Q | bool:
    if has_role(user, Role.FINANCE):
        return True
    award = condition(user, AWARD_OFFICER)
    if award is True or award is False:
        return award
    return Q(award__in=Award.objects.filter(award))
