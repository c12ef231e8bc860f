"""An award's transitions use the dossier's one table (plania.applications.workflow).

From "approved" on, an award and its dossier move together: sign_agreement, start_payment,
close, with the same sources, targets and guards (the award's states are the dossier's
state values). A direct award has no dossier: the same table is read, with nobody on the
applicant side (a named body has no account; an officer records its steps).
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from plania.accounts.roles import Role
from plania.applications import workflow as dossier
from plania.applications.models import Application
from plania.awards.enums import AwardState
from plania.awards.models import Award, AwardEvent
from plania.core.grants import has_role

AWARD_TRANSITIONS = ("sign_agreement", "start_payment", "close")


def _may_direct(transition: dossier.Transition, actor: Any) -> bool:
    for who in transition.who:
        if who == dossier.OFFICER and has_role(actor, Role.OFFICER):
            return True
        if who == dossier.COMMITTEE and has_role(actor, Role.COMMITTEE):
            return True
        if who == dossier.FINANCE and has_role(actor, Role.FINANCE):
            return True
    return False


def allowed(award: Award, name: str, actor: Any) -> bool:
    transition = dossier.BY_NAME[name]
    if not transition.allowed_from(award.state):
        return False
    if award.application_id is not None:
        return dossier.may(transition, actor, award.application)  # type: ignore[arg-type]
    return _may_direct(transition, actor)


def fire(award: Award, name: str, *, actor: Any, reason: str = "") -> AwardEvent:
    """Move the award (and its dossier, locked here) through transition `name`.

    Raises plania.applications.workflow.WorkflowError when the table refuses. Runs inside
    the calling service's transaction, on an award row it has locked.
    """
    assert name in AWARD_TRANSITIONS, name
    transition = dossier.BY_NAME[name]
    if award.application_id is not None:
        application = Application.objects.select_for_update().get(pk=award.application_id)
        dossier.FUNCTIONS[name](application, actor=actor, reason=reason)
    else:
        if not transition.allowed_from(award.state):
            raise dossier.WorkflowError(
                _("Action impossible : l'aide %(reference)s est à l'état « %(state)s ».")
                % {"reference": award.reference, "state": AwardState(award.state).label},
                code="state",
            )
        if not _may_direct(transition, actor):
            raise dossier.WorkflowError(
                _("« %(action)s » est réservé à %(who)s.")
                % {
                    "action": transition.label,
                    "who": _(" ou ").join(
                        str(dossier.WHO_LABELS[w])
                        for w in sorted(transition.who)
                        if w != dossier.APPLICANT
                    ),
                },
                code="forbidden",
            )
    from_state = award.state
    award.state = transition.target
    award.save(update_fields=["state"])
    return AwardEvent.objects.create(
        award=award,
        action=name,
        from_state=from_state,
        to_state=award.state,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=timezone.now(),
        reason=reason,
    )
