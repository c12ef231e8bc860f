"""The awards' grants (plania.core.grants; docs/security.md "Grants").

- `award.view`: the active members of the beneficiary company; the Region's officers,
  committee, finance and steering (an award is a published decision: steering sees
  them, never the dossier's files or messages);
- `award.officer`: an officer acting on an award (agreement, payment requests): the
  officer assigned to the award's scheme (plania/instruction/permissions.py);
  a direct award (no scheme) by any officer.
"""

from typing import Any

from django.db.models import Q

from plania.accounts.roles import Role
from plania.applications.permissions import VIEW as DOSSIER_VIEW
from plania.applications.permissions import union
from plania.companies.selectors import companies_of
from plania.core.grants import action, condition, grant, has_any_role, has_role, scope
from plania.instruction.permissions import officer_schemes

VIEW = action(
    "award.view",
    model="awards.Award",
    doc="the beneficiary company's members; officers, committee, finance, steering",
)
OFFICER = action(
    "award.officer",
    model="awards.Award",
    doc="the officer of the award's scheme (any officer for a direct award)",
)
STAFF_ROLES = (Role.OFFICER, Role.COMMITTEE, Role.FINANCE, Role.STEERING)


@grant(VIEW)
def _beneficiary(user: Any) -> Q:
    return Q(company__in=companies_of(user))


@grant(VIEW)
def _region(user: Any) -> bool:
    return has_any_role(user, *STAFF_ROLES)


@grant(OFFICER)
def _officer(user: Any) -> Q | bool:
    if not has_role(user, Role.OFFICER):
        return False
    if user.is_superuser:
        return True
    return Q(scheme_code="") | Q(scheme_code__in=officer_schemes(user))


FINANCE = action(
    "award.finance",
    model="awards.Award",
    doc="finance: every award's payments, orders, repayments and arrears",
)
EXPLANATION = action(
    "award.explanation",
    model="applications.Application",
    doc="the rules' explanation of a dossier: who sees the dossier or its award",
)


@grant(FINANCE)
def _finance(user: Any) -> bool:
    return has_any_role(user, Role.FINANCE, Role.ADMIN)


@grant(EXPLANATION)
def _explanation(user: Any) -> Q | bool:
    return union(condition(user, DOSSIER_VIEW), Q(award__in=scope(user, VIEW)))
