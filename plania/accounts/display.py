"""How a person is named to an applicant (issue 13): a staff member by their role's label
("l'instructeur·rice"), never their name or e-mail address; an applicant by their name.

Fetch the people with `prefetch_related("groups")` (or `actor__groups`): the label is
read from the prefetched groups, without a query per row.
"""

from typing import Any

from django.utils.translation import gettext as _

from plania.accounts.roles import Role


def _labels() -> list[tuple[str, str]]:
    return [
        (Role.OFFICER, _("l'instructeur·rice")),
        (Role.EXPERT, _("l'expert·e")),
        (Role.COMMITTEE, _("la Commission permanente")),
        (Role.FINANCE, _("le service financier de la Région")),
        (Role.STEERING, _("la Région")),
        (Role.ADMIN, _("la Région")),
    ]


def staff_label(person: Any) -> str | None:
    """The role label of a staff member, None for anyone else."""
    if person is None:
        return None
    names = {group.name for group in person.groups.all()}
    for role, label in _labels():
        if role in names:
            return label
    if person.is_staff or person.is_superuser:
        return _("la Région")
    return None


def name_for_applicant(person: Any) -> str:
    if person is None:
        return ""
    return staff_label(person) or person.get_full_name() or person.email
