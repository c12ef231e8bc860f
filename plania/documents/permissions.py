"""Who may see an application's documents and messages (DESIGN.md section 6: an
applicant never sees another company's dossier).

- the verified representatives of the application's company, and the author of a
  draft for a company they asked to represent (the applicant side);
- staff (`is_staff`: officers and the Region's other agents), who see every dossier
  until officers are assigned to schemes; then `is_staff_for` narrows in one place.

Views and the API fetch applications through `visible_applications(user)`, so that a
dossier of another company is a 404, as if it did not exist.
"""

from typing import Any

from django.apps import apps
from django.db.models import QuerySet

from plania.applications.selectors import applicant_scope
from plania.applications.workflow import is_applicant


def _application_model() -> Any:
    # By name: the applications room owns the model (and documents may load first).
    return apps.get_model("applications", "Application")


def is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def is_staff_for(user: Any, application: Any) -> bool:
    return is_staff(user)


def is_member(user: Any, application: Any) -> bool:
    """A verified representative of the dossier's company, or the author of a draft for a
    company they asked to represent (applications.workflow.is_applicant)."""
    return is_applicant(user, application)


def can_see(user: Any, application: Any) -> bool:
    return is_staff_for(user, application) or is_member(user, application)


def visible_applications(user: Any) -> QuerySet[Any]:
    """The applications `user` may see: the only queryset views and the API fetch from."""
    Application = _application_model()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Application.objects.none()
    if is_staff(user):
        return Application.objects.all()
    return applicant_scope(Application.objects.all(), user)


def side_of(user: Any, application: Any) -> str | None:
    """ "applicant" or "staff" for who may see the application, None for anyone else.
    A staff member who is also a member of the company acts as staff."""
    if is_staff_for(user, application):
        return "staff"
    if is_member(user, application):
        return "applicant"
    return None
