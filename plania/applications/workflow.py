"""The dossier's states and transitions: one table, one named function per transition.

DESIGN.md section 6:

    draft -> submitted -> (incomplete <-> submitted) -> under_review -> proposed
          -> approved | rejected | withdrawn;  approved -> agreement_signed -> in_payment
          -> closed

A transition has a guard — who may (`who`), from which states (`sources`) — and leaves a
history row (who, when, from, to, why). The data a transition needs (a complete dossier
for "submit", a message for "request_missing"...) is checked by the service that calls it
(plania.applications.services), which also locks the dossier row first: these functions
expect to run inside that transaction, on a row locked with select_for_update.

The applicant's transitions and "request_missing" have services today; the officers',
committee's and finance's functions are here so that the table is complete, and their
rooms add the services (and the data guards) around them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plania.accounts.roles import Role
from plania.applications.enums import ApplicationState as S
from plania.applications.models import Application, ApplicationEvent
from plania.applications.permissions import APPLICANT as APPLICANT_GRANT
from plania.applications.permissions import INSTRUCT
from plania.companies.enums import MembershipStatus
from plania.core.grants import can, has_role, remember

# Who may fire a transition.
APPLICANT = "applicant"  # an active member of the dossier's company
OFFICER = "officer"  # staff or the officer role (scheme assignment comes with issue 5)
COMMITTEE = "committee"  # the Commission permanente role
FINANCE = "finance"  # the finance role

WHO_LABELS = {
    APPLICANT: gettext_lazy("le porteur de projet"),
    OFFICER: gettext_lazy("un instructeur"),
    COMMITTEE: gettext_lazy("la Commission permanente"),
    FINANCE: gettext_lazy("le service financier"),
}


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    who: frozenset[str]
    label: Any  # a lazy translation

    def allowed_from(self, state: str) -> bool:
        return state in self.sources


def _t(
    name: str, sources: Iterable[str], target: str, who: Iterable[str], label: Any
) -> Transition:
    return Transition(name, frozenset(sources), target, frozenset(who), label)


# (name, sources, target, who may) — the one table of the dossier's workflow.
TRANSITIONS: tuple[Transition, ...] = (
    _t("submit", [S.DRAFT], S.SUBMITTED, [APPLICANT], gettext_lazy("Dépôt du dossier")),
    _t(
        "request_missing",
        [S.SUBMITTED],
        S.INCOMPLETE,
        [OFFICER],
        gettext_lazy("Demande de pièces ou d'informations manquantes"),
    ),
    _t(
        "answer_missing",
        [S.INCOMPLETE],
        S.SUBMITTED,
        [APPLICANT],
        gettext_lazy("Réponse à la demande de compléments"),
    ),
    _t(
        "start_review",
        [S.SUBMITTED],
        S.UNDER_REVIEW,
        [OFFICER],
        gettext_lazy("Début de l'instruction"),
    ),
    _t(
        "propose",
        [S.UNDER_REVIEW],
        S.PROPOSED,
        [OFFICER],
        gettext_lazy("Proposition à la Commission permanente"),
    ),
    _t("approve", [S.PROPOSED], S.APPROVED, [COMMITTEE], gettext_lazy("Aide accordée")),
    _t("reject", [S.PROPOSED], S.REJECTED, [COMMITTEE], gettext_lazy("Aide refusée")),
    _t(
        "withdraw",
        [S.DRAFT, S.SUBMITTED, S.INCOMPLETE, S.UNDER_REVIEW, S.PROPOSED],
        S.WITHDRAWN,
        [APPLICANT],
        gettext_lazy("Retrait du dossier"),
    ),
    _t(
        "sign_agreement",
        [S.APPROVED],
        S.AGREEMENT_SIGNED,
        [APPLICANT, OFFICER],
        gettext_lazy("Signature de la convention"),
    ),
    _t(
        "start_payment",
        [S.AGREEMENT_SIGNED],
        S.IN_PAYMENT,
        [FINANCE],
        gettext_lazy("Premier paiement"),
    ),
    _t(
        "close",
        [S.IN_PAYMENT],
        S.CLOSED,
        [OFFICER, FINANCE],
        gettext_lazy("Clôture du dossier"),
    ),
)
BY_NAME: dict[str, Transition] = {t.name: t for t in TRANSITIONS}


class WorkflowError(Exception):
    """A transition refused: `code` is "state" (not from this state) or "forbidden"."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def remember_applicant(application: Application, actor: Any) -> None:
    """Record on the dossier instance that `actor` is an active member of its company,
    for a dossier just read through that membership (selectors.application_of)."""
    remember(actor, ("can", APPLICANT_GRANT, application.pk), lambda: True)


def _own_draft(actor: Any, application: Application) -> bool:
    return application.state == S.DRAFT and application.created_by_id == actor.pk


def is_applicant(actor: Any, application: Application) -> bool:
    """Whether `actor` reaches the dossier as an applicant: a verified representative of
    its company, or the author of a draft for a company they asked to represent (the
    access layer's `dossier.applicant`, remembered on the user object for the request)."""
    return can(actor, APPLICANT_GRANT, application)


def is_verified_applicant(actor: Any, application: Application) -> bool:
    """Whether `actor` is a verified representative of the dossier's company (what filing
    and every later step need). Another's dossier or a filed one is reached only that way,
    so the remembered answer holds; one's own draft asks the database."""
    if not is_applicant(actor, application):
        return False
    if not _own_draft(actor, application):
        return True
    cache: dict[int, bool] = application.__dict__.setdefault("_verified_cache", {})
    if actor.pk not in cache:
        cache[actor.pk] = actor.memberships.filter(
            company_id=application.company_id, status=MembershipStatus.ACTIVE
        ).exists()
    return cache[actor.pk]


# Transitions a person who only asked to represent the company may fire on their draft.
UNVERIFIED_TRANSITIONS = frozenset({"withdraw"})


def may(transition: Transition, actor: Any, application: Application) -> bool:
    """Whether `actor` is one of those who may fire `transition` on `application`."""
    for who in transition.who:
        if who == APPLICANT and (
            is_verified_applicant(actor, application)
            if transition.name not in UNVERIFIED_TRANSITIONS
            else is_applicant(actor, application)
        ):
            return True
        if who == OFFICER and can(actor, INSTRUCT, application):
            return True
        if who == COMMITTEE and has_role(actor, Role.COMMITTEE):
            return True
        if who == FINANCE and has_role(actor, Role.FINANCE):
            return True
    return False


def available(application: Application) -> list[Transition]:
    """The transitions the table allows from the dossier's state (whoever fires them)."""
    return [t for t in TRANSITIONS if t.allowed_from(application.state)]


def guard(name: str, application: Application, actor: Any) -> Transition:
    """The transition if the table allows it from the dossier's state for this actor;
    WorkflowError saying why not otherwise."""
    transition = BY_NAME[name]
    if not transition.allowed_from(application.state):
        raise WorkflowError(
            _(
                "Action impossible : le dossier %(reference)s est à l'état « %(state)s » ; "
                "« %(action)s » n'est possible qu'à l'état : %(sources)s."
            )
            % {
                "reference": application.reference,
                "state": S(application.state).label,
                "action": transition.label,
                "sources": ", ".join(
                    str(S(s).label) for s in sorted(transition.sources, key=S.values.index)
                ),
            },
            code="state",
        )
    if not may(transition, actor, application):
        raise WorkflowError(
            _("« %(action)s » ne peut être fait que par %(who)s.")
            % {
                "action": transition.label,
                "who": _(" ou ").join(str(WHO_LABELS[w]) for w in sorted(transition.who)),
            },
            code="forbidden",
        )
    return transition


def _fire(
    name: str,
    application: Application,
    *,
    actor: Any,
    reason: str = "",
    at: datetime | None = None,
) -> ApplicationEvent:
    transition = guard(name, application, actor)
    at = at or timezone.now()
    from_state = application.state
    application.state = transition.target
    event = ApplicationEvent(
        application=application,
        transition=transition.name,
        from_state=from_state,
        to_state=transition.target,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=at,
        reason=reason,
    )
    # One transaction (no savepoint inside the caller's): the UPDATE of the dossier locks
    # its row until the commit, which serialises the writers of its history chain.
    with transaction.atomic(savepoint=False):
        application.save()
        event.chain_subject_locked = True  # type: ignore[attr-defined]
        event.save(force_insert=True)
    return event


# One named function per transition. Each saves the dossier (with whatever the calling
# service set on it before) and writes its history row.


def submit(
    application: Application, *, actor: Any, at: datetime, reason: str = ""
) -> ApplicationEvent:
    return _fire("submit", application, actor=actor, at=at, reason=reason)


def request_missing(application: Application, *, actor: Any, reason: str) -> ApplicationEvent:
    return _fire("request_missing", application, actor=actor, reason=reason)


def answer_missing(application: Application, *, actor: Any, reason: str) -> ApplicationEvent:
    return _fire("answer_missing", application, actor=actor, reason=reason)


def start_review(application: Application, *, actor: Any, reason: str = "") -> ApplicationEvent:
    return _fire("start_review", application, actor=actor, reason=reason)


def propose(application: Application, *, actor: Any, reason: str = "") -> ApplicationEvent:
    return _fire("propose", application, actor=actor, reason=reason)


def approve(application: Application, *, actor: Any, reason: str = "") -> ApplicationEvent:
    return _fire("approve", application, actor=actor, reason=reason)


def reject(application: Application, *, actor: Any, reason: str) -> ApplicationEvent:
    return _fire("reject", application, actor=actor, reason=reason)


def withdraw(application: Application, *, actor: Any, reason: str = "") -> ApplicationEvent:
    return _fire("withdraw", application, actor=actor, reason=reason)


def sign_agreement(application: Application, *, actor: Any, reason: str = "") -> ApplicationEvent:
    return _fire("sign_agreement", application, actor=actor, reason=reason)


def start_payment(application: Application, *, actor: Any, reason: str = "") -> ApplicationEvent:
    return _fire("start_payment", application, actor=actor, reason=reason)


def close(application: Application, *, actor: Any, reason: str = "") -> ApplicationEvent:
    return _fire("close", application, actor=actor, reason=reason)


FUNCTIONS = {
    "submit": submit,
    "request_missing": request_missing,
    "answer_missing": answer_missing,
    "start_review": start_review,
    "propose": propose,
    "approve": approve,
    "reject": reject,
    "withdraw": withdraw,
    "sign_agreement": sign_agreement,
    "start_payment": start_payment,
    "close": close,
}
