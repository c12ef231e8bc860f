"""The workflow table: every transition from every state, for every kind of actor.

A transition the table allows runs and leaves exactly one history row (who, when, from,
to, why); one it refuses (wrong state or wrong person) changes nothing and writes no row.
"""

import pytest
from django.contrib.auth.models import Group

from plania.accounts.roles import Role
from plania.applications import workflow
from plania.applications.enums import ApplicationState as S
from plania.applications.models import Application, ApplicationEvent, HistoryImmutableError
from tests.applications.factories import applicant, draft
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    # name: (sources, target, who)
    "submit": ({S.DRAFT}, S.SUBMITTED, {"applicant"}),
    "request_missing": ({S.SUBMITTED}, S.INCOMPLETE, {"officer"}),
    "answer_missing": ({S.INCOMPLETE}, S.SUBMITTED, {"applicant"}),
    "start_review": ({S.SUBMITTED}, S.UNDER_REVIEW, {"officer"}),
    "propose": ({S.UNDER_REVIEW}, S.PROPOSED, {"officer"}),
    "approve": ({S.PROPOSED}, S.APPROVED, {"committee"}),
    "reject": ({S.PROPOSED}, S.REJECTED, {"committee"}),
    "withdraw": (
        {S.DRAFT, S.SUBMITTED, S.INCOMPLETE, S.UNDER_REVIEW, S.PROPOSED},
        S.WITHDRAWN,
        {"applicant"},
    ),
    "sign_agreement": ({S.APPROVED}, S.AGREEMENT_SIGNED, {"applicant", "officer"}),
    "start_payment": ({S.AGREEMENT_SIGNED}, S.IN_PAYMENT, {"finance"}),
    "close": ({S.IN_PAYMENT}, S.CLOSED, {"officer", "finance"}),
}


def test_the_table_is_design_section_6():
    assert {t.name for t in workflow.TRANSITIONS} == set(EXPECTED)
    for t in workflow.TRANSITIONS:
        sources, target, who = EXPECTED[t.name]
        assert t.sources == sources, t.name
        assert t.target == target, t.name
        assert t.who == who, t.name
        assert t.name in workflow.FUNCTIONS
    # Every state but the draft is reachable; the terminal ones lead nowhere.
    targets = {t.target for t in workflow.TRANSITIONS}
    assert targets == set(S.values) - {S.DRAFT}
    for terminal in (S.REJECTED, S.WITHDRAWN, S.CLOSED):
        assert not [t for t in workflow.TRANSITIONS if terminal in t.sources]


def _frozen(app: Application, state: str) -> Application:
    """Put a dossier in `state` directly (the fixture of a table test), frozen as filed."""
    Application.objects.filter(pk=app.pk).update(
        state=state,
        submitted_at=app.created_at,
        receipt_number=f"AR-{app.reference}",
        rules_sha256="0" * 64,
        scheme_code="startup-industrie-demain",
        scheme_version="2025",
    )
    return Application.objects.get(pk=app.pk)


def scheme_officer(scheme_code: str) -> object:
    """An officer assigned to the dossier's scheme: an officer without it reaches no
    dossier and fires none of its transitions (issue 13)."""
    from plania.instruction.models import SchemeAssignment

    person = UserFactory()
    person.groups.add(Group.objects.get_or_create(name=Role.OFFICER.value)[0])
    SchemeAssignment.objects.create(officer=person, scheme_code=scheme_code)
    return person


def _actors(app: Application) -> dict[str, object]:
    def with_role(role: Role) -> object:
        person = UserFactory()
        person.groups.add(Group.objects.get_or_create(name=role.value)[0])
        return person

    return {
        "applicant": app.created_by,
        "stranger": applicant(),  # member of another company
        "officer": scheme_officer(app.scheme_code),
        "staff": UserFactory(staff=True),
        "unassigned_officer": with_role(Role.OFFICER),
        "committee": with_role(Role.COMMITTEE),
        "finance": with_role(Role.FINANCE),
    }


# Which kinds of actor each "who" admits (a staff account without the officer role is
# not an officer: finance, the committee and experts are staff too).
ADMITS = {
    "applicant": {"applicant"},
    "officer": {"officer"},
    "committee": {"committee"},
    "finance": {"finance"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("state", S.values)
def test_every_transition_from_every_state(name, state, call, user):
    app = _frozen(draft(call, user, filled=False), state)
    actors = _actors(app)
    sources, target, who = EXPECTED[name]
    admitted = set().union(*(ADMITS[w] for w in who))
    for kind, actor in actors.items():
        app = Application.objects.get(pk=app.pk)
        before = ApplicationEvent.objects.count()
        allowed = state in sources and kind in admitted
        function = workflow.FUNCTIONS[name]
        if name == "submit":
            run = lambda a=app, p=actor, f=function: f(a, actor=p, at=a.created_at)  # noqa: E731
        else:
            run = lambda a=app, p=actor, f=function: f(a, actor=p, reason="motif")  # noqa: E731
        if allowed:
            event = run()
            app.refresh_from_db()
            assert app.state == target
            assert ApplicationEvent.objects.count() == before + 1
            assert (event.transition, event.from_state, event.to_state) == (name, state, target)
            assert event.actor == actor
            # Back to the state under test for the next actor.
            app = _frozen(app, state)
        else:
            with pytest.raises(workflow.WorkflowError) as refused:
                run()
            assert refused.value.code == ("state" if state not in sources else "forbidden")
            assert Application.objects.get(pk=app.pk).state == state
            assert ApplicationEvent.objects.count() == before


def test_refusal_messages_say_why(call, user, other_user):
    app = draft(call, user, filled=False)
    with pytest.raises(workflow.WorkflowError) as state:
        workflow.guard("answer_missing", app, user)
    assert "« Brouillon »" in state.value.message
    assert "Incomplet" in state.value.message
    with pytest.raises(workflow.WorkflowError) as who:
        workflow.guard("withdraw", app, other_user)
    assert "ne peut être fait que par le porteur de projet" in who.value.message


def test_history_rows_are_never_updated_nor_deleted(call, user):
    app = draft(call, user, filled=False)
    event = app.events.get()
    assert (event.transition, event.to_state, event.actor) == ("create", S.DRAFT, user)
    event.reason = "réécrit"
    with pytest.raises(HistoryImmutableError):
        event.save()
    with pytest.raises(HistoryImmutableError):
        event.delete()
    with pytest.raises(HistoryImmutableError):
        ApplicationEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(HistoryImmutableError):
        ApplicationEvent.objects.filter(pk=event.pk).delete()
    assert ApplicationEvent.objects.get(pk=event.pk).reason == ""


def test_every_save_bumps_the_version(call, user):
    app = draft(call, user, filled=False)
    assert app.version == 1
    app.save()
    app.save(update_fields=["answers"])
    assert Application.objects.get(pk=app.pk).version == 3
