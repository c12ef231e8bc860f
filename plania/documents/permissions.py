"""Who may see an application's documents and messages, through the one access layer
(plania.core.grants; the grants are declared in plania/applications/permissions.py and
the rooms above it).

- the verified representatives of the application's company, and the author of a
  draft for a company they asked to represent (the applicant side);
- staff with a grant on the dossier (`dossier.staff`): its scheme's officer, an invited
  expert without a conflict, committee members for its item, finance while in payment.
  Steering and other staff reach no dossier's files or messages.

Views and the API fetch applications through `visible_applications(user)`, so that a
dossier of another company is a 404, as if it did not exist.
"""

from typing import Any

from django.db.models import QuerySet

from plania.applications.permissions import APPLICANT, STAFF, VIEW
from plania.core.grants import can, scope


def is_member(user: Any, application: Any) -> bool:
    return can(user, APPLICANT, application)


def visible_applications(user: Any) -> QuerySet[Any]:
    """The applications `user` may see: the only queryset views and the API fetch from."""
    return scope(user, VIEW)


def side_of(user: Any, application: Any) -> str | None:
    """ "applicant" or "staff" for who may see the application, None for anyone else.
    A staff member with a grant who is also a member of the company acts as staff."""
    if can(user, STAFF, application):
        return "staff"
    if can(user, APPLICANT, application):
        return "applicant"
    return None
