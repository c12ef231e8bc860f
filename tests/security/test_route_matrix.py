"""For every route of the project and every role, the status its declared policy implies
(issue 7 item 1), on the objects of a small world (tests/security/world.py).

- public: a page (200), a redirection that is not to the login page (302), or 405 for a
  POST-only view, for everyone;
- authenticated: anonymous -> login page; everyone signed in -> as public, but on owned
  objects (company A's, or its owner's token) only their owner, and staff where the
  policy opens them to staff ("... or staff"); anyone else -> 404;
- verified: as authenticated, and an unverified applicant -> 403;
- a staff role: anonymous -> login page; members of the role (and superusers) -> as
  public; anyone else -> 404 (a staff page does not exist for them).

Foreign objects: the verified applicant of company A gets 404 on company B's object, on
every route that takes one (companies, dossiers, documents, messages, API tokens).

A route whose URL parameters the world cannot fill is skipped with its reason, never
silently: add it to OBJECTS below. The instruction and awards routes take the objects of
`Awarded` below (a filed dossier of A with a document and an invited expert, and one
approved award for each of A and B), built through those rooms' services.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from plania.accounts.roles import Role
from tests.security.routes import Route, project_routes
from tests.security.world import ANONYMOUS, APPLICANT, ROLES, UNVERIFIED, World

OK, LOGIN, UNVERIFIED_403, NOT_FOUND = "ok", "login", "403 unverified", "404"
STAFF_ROLES = {role.value for role in Role if role != Role.APPLICANT}


@dataclass(frozen=True)
class Objects:
    """How to fill a route's URL parameters: with A's objects (`own`), with B's
    (`foreign`, None when the object is public), the method that reaches the object
    check (POST for POST-only views), and whether the policy opens the objects to staff."""

    own: Callable[[World], dict[str, Any]]
    foreign: Callable[[World], dict[str, Any]] | None = None
    method: str = "get"
    # The staff roles that reach A's object through a grant (issue 13: the world's
    # dossiers are drafts, which no staff reach; its awards are published decisions).
    staff_sees: frozenset[str] = frozenset()
    # Staff see the dossier (another route opens it to them) but the service refuses the
    # action: a redirection with the refusal, nothing done (checked below).
    staff_refused: bool = False
    # The objects are company A's own (an award, its dossier), not its owner's: every
    # active member of A reaches them, the unverified one too when the policy does not
    # ask for a verified address ("authenticated").
    company_wide: bool = False
    # The POST body that reaches the object check (a view that 404s an unknown action).
    data: dict[str, Any] | None = None
    # Staff roles that do not reach the objects although the route is theirs: an expert
    # page is for the experts invited on the dossier, which a superuser is not.
    not_for: frozenset[str] = frozenset()
    # The objects are one person's own (an export they asked for): only that role's
    # person reaches them; anyone else signed in gets 404.
    owner: str = ""


def _dossier(w: World, side: str) -> dict[str, Any]:
    return {"reference": getattr(w, side).dossier.reference}


def _document(w: World, side: str) -> dict[str, Any]:
    s = getattr(w, side)
    return {"reference": s.dossier.reference, "public_id": s.document.public_id}


DOSSIER = Objects(own=lambda w: _dossier(w, "a"), foreign=lambda w: _dossier(w, "b"))


@dataclass(frozen=True)
class Awarded:
    """The instruction and awards objects of the world, made through the services."""

    filed: Any  # A's dossier, submitted on the startup scheme (the officer's)
    document: Any  # an attachment of it
    session: Any  # a session of the Commission permanente, held, both items approved
    item: Any  # A's agenda item
    award_a: Any
    award_b: Any
    document_a: Any  # the signed agreement of each award (an AwardDocument)
    document_b: Any


def awarded(w: World) -> Awarded:
    """Built once per world, on first use (only the routes that need it pay for it)."""
    if getattr(w, "awarded", None) is None:
        w.awarded = _build_awarded(w)  # type: ignore[attr-defined]
    return w.awarded  # type: ignore[attr-defined]


def _build_awarded(w: World) -> Awarded:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from plania.agreements import services as agreements_services
    from plania.applications.enums import ApplicationState
    from plania.committee import services as committee_services
    from plania.documents.services import attachment_add
    from plania.instruction.services import conflict_declare, expert_invite
    from tests.awards.dossiers import propose
    from tests.awards.flows import HELD, pdf_file
    from tests.factories import allocate
    from tests.instruction.helpers import STARTUP, CallFactory, filed

    officer, committee = w.users[Role.OFFICER], w.users[Role.COMMITTEE]
    _assigned(officer, STARTUP)
    call = CallFactory()
    allocate(call.envelope, "2000000.00")
    # A filed dossier of A with a document (added while incomplete, as applicants do).
    dossier = filed(call=call, company=w.a.company, state=ApplicationState.INCOMPLETE)
    pdf = SimpleUploadedFile("kbis.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    document = attachment_add(application=dossier, actor=w.a.owner, uploaded_file=pdf, kind="other")
    dossier.state = ApplicationState.SUBMITTED
    dossier.save(update_fields=["state"])
    invitation = expert_invite(application=dossier, expert=w.users[Role.EXPERT], actor=officer)
    conflict_declare(invitation=invitation, actor=w.users[Role.EXPERT], conflicted=False)
    # One award for each company, approved in one session.
    session = committee_services.session_create(
        held_on=HELD, title="CP", deliberation_prefix="CP/2025-06", actor=committee
    )
    items, awards, documents = [], [], []
    award_call = CallFactory(envelope=call.envelope)  # one dossier per company and call
    for side in (w.a, w.b):
        proposal = propose(filed(call=award_call, company=side.company), officer)
        item = committee_services.session_add_proposal(
            session=session, proposal=proposal, actor=committee
        )
        award = committee_services.decision_approve(item=item, actor=committee)
        agreements_services.agreement_upload_signed(
            award=award, actor=side.owner, uploaded_file=pdf_file(), signer_name="Dirigeant"
        )
        items.append(item)
        awards.append(award)
        documents.append(award.documents.get())
    return Awarded(dossier, document, session, items[0], *awards, *documents)


def _assigned(officer: Any, scheme: str) -> None:
    from plania.instruction.models import SchemeAssignment

    SchemeAssignment.objects.get_or_create(officer=officer, scheme_code=scheme)


def _filed(w: World) -> dict[str, Any]:
    return {"reference": awarded(w).filed.reference}


def _filed_document(w: World) -> dict[str, Any]:
    x = awarded(w)
    return {"reference": x.filed.reference, "public_id": x.document.public_id}


def _award(w: World, side: str) -> dict[str, Any]:
    return {"reference": getattr(awarded(w), f"award_{side}").reference}


def _award_document(w: World, side: str) -> dict[str, Any]:
    x = awarded(w)
    return {
        "reference": getattr(x, f"award_{side}").reference,
        "pk": getattr(x, f"document_{side}").pk,
    }


def _award_dossier(w: World, side: str) -> dict[str, Any]:
    return {"reference": getattr(awarded(w), f"award_{side}").application.reference}


def _export(w: World) -> dict[str, Any]:
    """A finished export (the annual report) asked for by the steering person."""
    if getattr(w, "export", None) is None:
        from django.core.files.base import ContentFile

        from plania.documents.storage import private_storage
        from plania.ops.models import Export, ExportKind, ExportStatus

        stored = private_storage().save("exports/rapport.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        w.export = Export.objects.create(  # type: ignore[attr-defined]
            kind=ExportKind.ANNUAL_REPORT,
            requested_by=w.users[Role.STEERING],
            status=ExportStatus.DONE,
            file=stored,
            filename="rapport.pdf",
        )
    return {"public_id": w.export.public_id}  # type: ignore[attr-defined]


def _target(w: World) -> str:
    """A target entered by people on the world's plan (its measurement page)."""
    from datetime import date

    from plania.plans.models import Source, Target
    from plania.plans.selectors import main_plan

    plan = main_plan() or w.plan  # the steering page shows the main plan's targets
    source, _ = Source.objects.get_or_create(plan=plan, key="matrix", defaults={"title": "t"})
    target, _ = Target.objects.get_or_create(
        plan=plan,
        code="matrix-target",
        defaults={
            "scope": "plan",
            "name_fr": "Objectif",
            "name_en": "Target",
            "target_value": 10,
            "target_source": source,
            "unit_fr": "u",
            "unit_en": "u",
            "period_start": date(2024, 1, 1),
            "period_end": date(2029, 1, 1),
            "frequency": "per_year",
            "measure": "entered",
        },
    )
    return target.code


# Instruction: staff routes (officer, expert), so no foreign side: the role decides.
FILED = Objects(own=_filed)
FILED_POST = Objects(own=_filed, method="post")
EXPERT = frozenset({Role.ADMIN.value})
AWARD_ROLES = frozenset(
    {Role.OFFICER.value, Role.COMMITTEE.value, Role.FINANCE.value, Role.STEERING.value}
    | {Role.ADMIN.value}
)
AWARD = Objects(
    own=lambda w: _award(w, "a"),
    foreign=lambda w: _award(w, "b"),
    staff_sees=AWARD_ROLES,
    company_wide=True,
)
OBJECTS: dict[str, Objects] = {
    "web:plan": Objects(own=lambda w: {"code": w.plan.code}),
    # Steering: a target of the world's plan and one of the exported tables.
    "web:steering_measurement": Objects(own=lambda w: {"code": _target(w)}),
    "web:steering_export": Objects(own=lambda w: {"name": "objectifs", "fmt": "csv"}),
    "web:scheme": Objects(
        own=lambda w: {"identifier": "startup-industrie-demain", "version": "2025"}
    ),
    "web:verify_email": Objects(own=lambda w: {"token": w.verify_token}),
    "web:password_reset_confirm": Objects(
        own=lambda w: {"uidb64": w.reset_uidb64, "token": w.reset_token}
    ),
    "web:export": Objects(own=_export, owner=Role.STEERING.value),
    "web:export_file": Objects(own=_export, owner=Role.STEERING.value),
    "web:api_token_revoke": Objects(
        own=lambda w: {"pk": w.a.token.pk}, foreign=lambda w: {"pk": w.b.token.pk}, method="post"
    ),
    "web:company": Objects(
        own=lambda w: {"siren": w.a.company.siren}, foreign=lambda w: {"siren": w.b.company.siren}
    ),
    "web:company_member_approve": Objects(
        own=lambda w: {"siren": w.a.company.siren, "membership_id": w.a.pending.pk},
        foreign=lambda w: {"siren": w.b.company.siren, "membership_id": w.b.pending.pk},
        method="post",
    ),
    # -- company representatives (issue 13)
    "web:company_mandate": Objects(
        own=lambda w: {"siren": w.a.company.siren}, foreign=lambda w: {"siren": w.b.company.siren}
    ),
    "web:company_invite": Objects(
        own=lambda w: {"siren": w.a.company.siren},
        foreign=lambda w: {"siren": w.b.company.siren},
        method="post",
        data={"email": "colleague@example.org"},
    ),
    "web:invitation_accept": Objects(
        own=lambda w: {"invitation_id": w.invitation_for_a.pk},
        foreign=lambda w: {"invitation_id": w.invitation_for_b.pk},
        method="post",
    ),
    "web:mandate_file": Objects(own=lambda w: {"mandate_id": w.mandate.pk}),
    "web:mandate_decide": Objects(
        own=lambda w: {"mandate_id": w.mandate.pk},
        method="post",
        data={"decision": "refuse", "reason": "Signature absente."},
    ),
    "web:call": Objects(own=lambda w: {"call": w.a.dossier.call.reference}),
    "web:call_precheck": Objects(own=lambda w: {"call": w.a.dossier.call.reference}),
    "web:application_create": Objects(own=lambda w: {"call": w.a.dossier.call.reference}),
    "web:application": DOSSIER,
    "web:application_edit": DOSSIER,
    "web:application_autosave": DOSSIER,
    "web:application_submit": DOSSIER,
    "web:application_receipt": DOSSIER,
    "web:application_withdraw": DOSSIER,
    "web:application_answer": DOSSIER,
    # A draft's files and messages are the applicant's alone (issue 13; a filed
    # dossier's are its grants', tests/security/test_probe_staff_scope.py).
    "web:attachments": Objects(own=lambda w: _dossier(w, "a"), foreign=lambda w: _dossier(w, "b")),
    "web:attachment_download": Objects(
        own=lambda w: _document(w, "a"), foreign=lambda w: _document(w, "b")
    ),
    "web:attachment_delete": Objects(
        own=lambda w: _document(w, "a"), foreign=lambda w: _document(w, "b"), method="post"
    ),
    "web:message_thread": Objects(
        own=lambda w: _dossier(w, "a"), foreign=lambda w: _dossier(w, "b")
    ),
    # -- instruction (officers of the dossier's scheme; experts invited on it)
    "web:instruction_queue": Objects(own=lambda w: {"scheme": awarded(w).filed.scheme_code}),
    "web:instruction_queue_bulk": Objects(
        own=lambda w: {"scheme": awarded(w).filed.scheme_code},
        method="post",
        data={"action": "assign_me"},
    ),
    "web:instruction_dossier": FILED,
    "web:instruction_start_review": FILED_POST,
    "web:instruction_assign": FILED_POST,
    "web:instruction_request_missing": FILED_POST,
    "web:instruction_note": FILED_POST,
    "web:instruction_review": FILED_POST,
    "web:instruction_invite": FILED_POST,
    "web:instruction_propose": FILED_POST,
    "web:instruction_attachment": Objects(own=_filed_document),
    "web:instruction_expertise": Objects(own=_filed, not_for=EXPERT),
    "web:instruction_declare": Objects(own=_filed, method="post", not_for=EXPERT),
    "web:instruction_opinion": Objects(own=_filed, method="post", not_for=EXPERT),
    "web:instruction_expert_note": Objects(own=_filed, method="post", not_for=EXPERT),
    "web:instruction_scores": Objects(own=_filed, not_for=EXPERT),
    "web:instruction_expert_attachment": Objects(own=_filed_document, not_for=EXPERT),
    # -- committee sessions and awards
    "web:committee_session": Objects(own=lambda w: {"pk": awarded(w).session.pk}),
    "web:committee_session_action": Objects(
        own=lambda w: {"pk": awarded(w).session.pk, "action": "clore"}, method="post"
    ),
    "web:committee_item_conflict": Objects(
        own=lambda w: {"pk": awarded(w).session.pk, "item": awarded(w).item.pk}, method="post"
    ),
    "web:committee_item_decide": Objects(
        own=lambda w: {"pk": awarded(w).session.pk, "item": awarded(w).item.pk},
        method="post",
        data={"decision": "adjourn"},
    ),
    "web:award": AWARD,
    "web:award_agreement_pdf": AWARD,
    "web:award_document": Objects(
        own=lambda w: _award_document(w, "a"),
        foreign=lambda w: _award_document(w, "b"),
        staff_sees=AWARD_ROLES,
        company_wide=True,
    ),
    "web:award_action": Objects(
        own=lambda w: {**_award(w, "a"), "action": "signer"},
        foreign=lambda w: {**_award(w, "b"), "action": "signer"},
        method="post",
        staff_sees=AWARD_ROLES,
        company_wide=True,
    ),
    "web:award_explanation": Objects(
        own=lambda w: _award_dossier(w, "a"),
        foreign=lambda w: _award_dossier(w, "b"),
        staff_sees=AWARD_ROLES,
        company_wide=True,
    ),
}


def expected(route: Route, role: str, objects: Objects | None) -> str:
    who = route.policy.who
    if who == "public":
        return OK
    if role == ANONYMOUS:
        return LOGIN
    if who in ("authenticated", "verified"):
        if who == "verified" and role == UNVERIFIED:
            return UNVERIFIED_403
        if objects is not None and objects.owner:
            return OK if role == objects.owner else NOT_FOUND
        if objects is not None and objects.foreign is not None:
            # The objects belong to company A (or to its owner): theirs, and staff's when
            # the policy opens them to staff; anyone else's 404.
            staff_reach = role in objects.staff_sees or (
                objects.staff_refused and role in STAFF_ROLES
            )
            member = role == UNVERIFIED and who == "authenticated" and objects.company_wide
            if role == APPLICANT or member or staff_reach:
                return OK
            return NOT_FOUND
        return OK
    # A staff role.
    if objects is not None and role in objects.not_for:
        return NOT_FOUND
    return OK if role in (who, Role.ADMIN) else NOT_FOUND


def outcome(response: Any) -> str:
    status = response.status_code
    location = response.get("Location", "")
    login = reverse(settings.LOGIN_URL)
    if status == 302 and location.startswith(login):
        return LOGIN
    if status == 302 and location.startswith(reverse("web:otp_verify")):
        return "second factor asked"  # never expected: staff here passed it
    if status in (200, 302, 405, 422):
        # 422: the object was reached and the (empty) form refused, as it would be for
        # anyone allowed in.
        return OK
    if status == 403:
        return UNVERIFIED_403
    if status == 404:
        return NOT_FOUND
    return f"status {status}"


def request(world: World, role: str, method: str, url: str, data: Any = None) -> Any:
    """One request, rolled back afterwards: a POST by one role changes nothing for the next."""
    client = world.client_for(role)
    with transaction.atomic():
        response = getattr(client, method)(url, data or {})
        if getattr(response, "streaming", False):
            # Read to its end, the file answer closes itself (no extra close(): it would
            # send request_finished, which closes the database connection).
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    return response


ROUTES = [route for route in project_routes() if route.name]


@pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
def test_each_role_gets_what_the_route_policy_says(route, world):
    objects = OBJECTS.get(route.name)
    if route.parameters and objects is None:
        pytest.skip(
            f"{route.route}: no object of the security world fills {route.parameters}; "
            "add the route to OBJECTS in tests/security/test_route_matrix.py"
        )
    assert route.policy is not None, f"{route.route} declares no access policy"
    if objects is not None and objects.foreign is not None:
        # The object rule is an action of the access layer (it runs in
        # test_route_policies.py); here the requests show what each role gets.
        assert route.policy.objects, route.policy
    kwargs = objects.own(world) if objects else {}
    url = reverse(route.name, kwargs=kwargs)
    method = objects.method if objects else "get"
    data = objects.data if objects else None
    seen = {role: outcome(request(world, role, method, url, data)) for role in ROLES}
    wanted = {role: expected(route, role, objects) for role in ROLES}
    assert seen == wanted, f"{method.upper()} {url} ({route.policy})"


FOREIGN = [route for route in ROUTES if route.name in OBJECTS and OBJECTS[route.name].foreign]


@pytest.mark.parametrize("route", FOREIGN, ids=[route.name for route in FOREIGN])
def test_another_company_s_object_is_404_for_a_member_of_a(route, world):
    objects = OBJECTS[route.name]
    url = reverse(route.name, kwargs=objects.foreign(world))  # type: ignore[misc]
    assert request(world, APPLICANT, objects.method, url, objects.data).status_code == 404


def test_a_document_of_b_under_a_s_dossier_is_404(world):
    url = reverse(
        "web:attachment_download",
        kwargs={"reference": world.a.dossier.reference, "public_id": world.b.document.public_id},
    )
    assert request(world, APPLICANT, "get", url).status_code == 404


def test_staff_cannot_delete_an_applicant_s_document(world):
    url = reverse("web:attachment_delete", kwargs=_document(world, "a"))
    for role in STAFF_ROLES:
        # A draft's documents: no staff reach them (issue 13), let alone delete them.
        response = world.client_for(role).post(url)
        assert response.status_code == 404
    world.a.document.refresh_from_db()
    assert not world.a.document.is_deleted


def test_every_object_room_has_a_foreign_case():
    rooms = {route.name for route in FOREIGN}
    for name in ("web:company", "web:application", "web:attachments", "web:message_thread"):
        assert name in rooms
    assert "web:api_token_revoke" in rooms


SAMPLE = {"int": "1", "uuid": "00000000-0000-4000-8000-000000000000", "slug": "x", "str": "x"}
STAFF_ROUTES = [r for r in ROUTES if r.policy is not None and r.policy.who in STAFF_ROLES]


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=[r.name for r in STAFF_ROUTES])
def test_a_staff_page_is_404_for_every_other_role_whatever_the_object(route, world):
    """The role check comes before any object: with placeholder parameters (the routes the
    world cannot fill included), anyone outside the role gets 404, anonymous the login."""
    kwargs = {
        name: SAMPLE.get(converter or "str", "x")
        for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route.route)
    }
    url = reverse(route.name, kwargs=kwargs)
    outsiders = [r for r in ROLES if r not in (route.policy.who, Role.ADMIN.value)]
    seen = {role: outcome(request(world, role, "get", url)) for role in outsiders}
    wanted = {role: LOGIN if role == ANONYMOUS else NOT_FOUND for role in outsiders}
    assert seen == wanted, url
