"""Each demo dossier's history (ApplicationEvent), from its creation to its state,
through the transitions of plania.applications.workflow: the day of each after the
filing, and who fires it. Every step is checked against the workflow's table, and the
rows are hash-chained with plania.core.chain, as the workflow's own rows are."""

from datetime import datetime, time, timedelta
from typing import Any

from plania.applications import workflow
from plania.applications.enums import ApplicationState
from plania.applications.models import Application, ApplicationEvent
from plania.core.chain import canonical, link
from plania.demo.common import AS_OF, PARIS

# Each dossier's history (ApplicationEvent), from its creation to its state, through the
# transitions of plania.applications.workflow, with the day of each after the filing and
# who fires it. The generator checks every step against the workflow's table.
# The main line of a funded dossier, in order; every path below is a prefix of it or
# leaves it once.
MAIN_LINE = [
    "submit",
    "start_review",
    "propose",
    "approve",
    "sign_agreement",
    "start_payment",
    "close",
]
PATHS: dict[str, list[str]] = {
    ApplicationState.DRAFT: [],
    ApplicationState.SUBMITTED: MAIN_LINE[:1],
    ApplicationState.INCOMPLETE: ["submit", "request_missing"],
    ApplicationState.UNDER_REVIEW: MAIN_LINE[:2],
    ApplicationState.PROPOSED: MAIN_LINE[:3],
    ApplicationState.REJECTED: [*MAIN_LINE[:3], "reject"],
    ApplicationState.APPROVED: MAIN_LINE[:4],
    ApplicationState.AGREEMENT_SIGNED: MAIN_LINE[:5],
    ApplicationState.IN_PAYMENT: MAIN_LINE[:6],
    ApplicationState.CLOSED: MAIN_LINE,
}
EVENT_DAYS = {
    "create": -14,
    "submit": 0,
    "request_missing": 10,
    "start_review": 15,
    "withdraw": 20,
    "propose": 45,
    "approve": 60,
    "reject": 60,
    "sign_agreement": 75,
    "start_payment": 90,
    "close": 365,
}
EVENT_ACTORS = {
    "create": "applicant",
    "submit": "applicant",
    "withdraw": "applicant",
    "sign_agreement": "applicant",
    "request_missing": "officer",
    "start_review": "officer",
    "propose": "officer",
    "close": "officer",
    "approve": "committee",
    "reject": "committee",
    "start_payment": "finance",
}


def history(app: Application, submitted: datetime, people: dict[str, Any]) -> list[Any]:
    """The dossier's events, hash-chained (the first one's previous hash is ""), each
    transition checked against plania.applications.workflow."""
    if app.state == ApplicationState.WITHDRAWN:
        path = ["submit", "withdraw"] if app.submitted_at else ["withdraw"]
    else:
        path = PATHS[app.state]
    events, state, previous = [], "", ""
    latest = datetime.combine(AS_OF, time(18), tzinfo=PARIS)
    for step, name in enumerate(["create", *path]):
        if name == "create":
            target = ApplicationState.DRAFT
        else:
            transition = workflow.BY_NAME[name]
            if not transition.allowed_from(state):
                raise ValueError(f"{app.reference}: {name} is not allowed from {state}")
            target = transition.target
        day = EVENT_DAYS[name] if name != "withdraw" or app.submitted_at else -7
        at = submitted if name == "submit" else submitted + timedelta(days=day)
        # Never after the data's "today"; one minute apart, in order.
        at = min(at, latest - timedelta(minutes=len(path) - step))
        if events and at <= events[-1].at:
            at = events[-1].at + timedelta(minutes=1)
        event = ApplicationEvent(
            application=app,
            transition=name,
            from_state=state,
            to_state=target,
            actor=people[EVENT_ACTORS[name]],
            at=at,
            reason="",
        )
        event.chain_hash = link(previous, canonical(event))
        previous, state = event.chain_hash, target
        events.append(event)
    if state != app.state:
        raise ValueError(f"{app.reference}: history ends at {state}, not {app.state}")
    return events
