"""For every API operation and every role, the status its declared policy implies (issue 7
item 1; plania.api.access), on the objects of the security world (tests/security/world.py)
and those the route matrix builds for the instruction and awards rooms.

- public: reached by everyone, anonymous included;
- anonymous on any other operation: 401;
- authenticated / verified: reached by everyone signed in (an unverified address: 403
  `unverified` for "verified"); on owned objects (company A's, its owner's) only by A's
  member, and by staff where the policy opens them to staff; anyone else 404;
- a role: its members, the roles in `also` and the administrator (a superuser) reach it;
  anyone else gets 404 — unless `not_for` says the object is not theirs although the
  role is (an expert page for an administrator who is not invited).

"Reached" means the operation ran: any answer but 401, 404, the access check's 403s, and
the request-validation 422 (the sample bodies below must be valid: a 422 from
validation fails the test, as it would hide the access check that follows it).

Foreign objects: A's member gets 404 on B's objects on every operation that takes one.
Every operation must be in OBJECTS or need no object (the test says which is missing).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from plania.accounts.roles import Role
from tests.security.routes import ApiOperation, api_operations
from tests.security.test_route_matrix import _target, awarded
from tests.security.world import ANONYMOUS, APPLICANT, ROLES, UNVERIFIED, World

OK, UNAUTHENTICATED, UNVERIFIED_403, NOT_FOUND = "ok", "401", "403 unverified", "404"
REFUSED = "403 forbidden"  # reached, and refused by the service
STAFF_ROLES = {role.value for role in Role if role != Role.APPLICANT}
ADMIN = Role.ADMIN.value
VALIDATION = "La requête contient des valeurs invalides."


@dataclass(frozen=True)
class Objects:
    """The path parameters, query and body that reach an operation's objects: A's
    (`own`), B's (`foreign`, None when the objects are nobody's), and who else reaches
    them."""

    own: Callable[[World], dict[str, Any]] = lambda w: {}
    foreign: Callable[[World], dict[str, Any]] | None = None
    body: Callable[[World, dict[str, Any]], dict[str, Any]] | None = None
    query: Callable[[World], dict[str, Any]] | None = None
    # The staff roles that reach A's object through a grant (issue 13: the world's
    # dossiers are drafts, which no staff reach; its awards are published decisions).
    staff_sees: frozenset[str] = frozenset()
    # Staff see the dossier (the read operations open it to them) but the service
    # refuses them this action: 403 `forbidden`, nothing done.
    staff_refused: bool = False
    not_for: frozenset[str] = frozenset()


def dossier(w: World, side: str) -> dict[str, Any]:
    return {"reference": getattr(w, side).dossier.reference}


def document(w: World, side: str) -> dict[str, Any]:
    s = getattr(w, side)
    return {"reference": s.dossier.reference, "public_id": s.document.public_id}


def filed(w: World) -> dict[str, Any]:
    return {"reference": awarded(w).filed.reference}


def award(w: World, side: str) -> dict[str, Any]:
    return {"reference": getattr(awarded(w), f"award_{side}").reference}


def session(w: World) -> dict[str, Any]:
    return {"session_id": awarded(w).session.pk}


def pdf() -> Any:
    from tests.documents.files import PDF_BYTES, upload

    return upload("annexe.pdf", PDF_BYTES)


def unclaimed() -> str:
    from tests.companies.factories import sirene_company

    return sirene_company().siren


def payment_request(w: World) -> dict[str, Any]:
    """A payment request of A's award (signed), asked by A's owner."""
    if getattr(w, "payment_request", None) is None:
        from plania.payments import services as payments_services

        w.payment_request = payments_services.payment_request_create(  # type: ignore[attr-defined]
            award=awarded(w).award_a, actor=w.a.owner, amount="1000"
        )
    return {"request_id": w.payment_request.pk}  # type: ignore[attr-defined]


DOSSIER = Objects(own=lambda w: dossier(w, "a"), foreign=lambda w: dossier(w, "b"))
# A draft: its files and messages are the applicant's alone (issue 13; a filed dossier's
# are its grants', tests/security/test_probe_staff_scope.py).
SEEN_BY_STAFF = Objects(own=lambda w: dossier(w, "a"), foreign=lambda w: dossier(w, "b"))
AWARD_ROLES = frozenset({Role.OFFICER, Role.COMMITTEE, Role.FINANCE, Role.STEERING, Role.ADMIN})
FILED = Objects(own=filed)
EXPERT_ONLY = Objects(own=filed, not_for=frozenset({ADMIN}))  # the admin is not invited
AWARD = Objects(
    own=lambda w: award(w, "a"), foreign=lambda w: award(w, "b"), staff_sees=AWARD_ROLES
)
AWARD_STAFF = Objects(own=lambda w: award(w, "a"))

OBJECTS: dict[str, Objects] = {
    "GET /api/v1/plans/{code}": Objects(own=lambda w: {"code": w.plan.code}),
    # A company of the SIRENE store that nobody has claimed yet.
    "POST /api/v1/companies/identify": Objects(body=lambda w, _: {"identifier": unclaimed()}),
    "GET /api/v1/companies/{siren}": Objects(
        own=lambda w: {"siren": w.a.company.siren}, foreign=lambda w: {"siren": w.b.company.siren}
    ),
    "POST /api/v1/applications/calls/{call}/precheck": Objects(
        own=lambda w: {"call": w.a.dossier.call.reference}
    ),
    # The company is in the body: a dossier for A's company, or for B's.
    "POST /api/v1/applications/": Objects(
        own=lambda w: {"siren": w.a.company.siren},
        foreign=lambda w: {"siren": w.b.company.siren},
        body=lambda w, o: {"call": w.a.dossier.call.reference, "siren": o["siren"]},
    ),
    "GET /api/v1/applications/{reference}": DOSSIER,
    "PATCH /api/v1/applications/{reference}": DOSSIER,
    "POST /api/v1/applications/{reference}/submit": DOSSIER,
    "POST /api/v1/applications/{reference}/withdraw": DOSSIER,
    "POST /api/v1/applications/{reference}/answer": DOSSIER,
    "GET /api/v1/applications/{reference}/history": DOSSIER,
    "GET /api/v1/documents/{reference}": SEEN_BY_STAFF,
    "POST /api/v1/documents/{reference}": Objects(
        own=lambda w: dossier(w, "a"),
        foreign=lambda w: dossier(w, "b"),
        body=lambda w, _: {"kind": "other", "file": pdf()},
    ),
    "GET /api/v1/documents/{reference}/{public_id}": Objects(
        own=lambda w: document(w, "a"), foreign=lambda w: document(w, "b")
    ),
    "DELETE /api/v1/documents/{reference}/{public_id}": Objects(
        own=lambda w: document(w, "a"), foreign=lambda w: document(w, "b")
    ),
    "GET /api/v1/messages/{reference}": SEEN_BY_STAFF,
    "POST /api/v1/messages/{reference}": SEEN_BY_STAFF,
    "POST /api/v1/messages/{reference}/read": SEEN_BY_STAFF,
    # -- instruction: the filed dossier of A, on the scheme assigned to the officer
    "GET /api/v1/instruction/queue": Objects(
        query=lambda w: {"scheme": awarded(w).filed.scheme_code}
    ),
    "POST /api/v1/instruction/queue/{scheme}/actions": Objects(
        own=lambda w: {"scheme": awarded(w).filed.scheme_code}
    ),
    "GET /api/v1/instruction/dossiers/{reference}": FILED,
    "POST /api/v1/instruction/dossiers/{reference}/start-review": FILED,
    "POST /api/v1/instruction/dossiers/{reference}/assign": FILED,
    "POST /api/v1/instruction/dossiers/{reference}/request-missing": FILED,
    "PUT /api/v1/instruction/dossiers/{reference}/review": FILED,
    # The committee reads the notes of dossiers proposed to it: this one is not.
    "GET /api/v1/instruction/dossiers/{reference}/notes": Objects(
        own=filed, not_for=frozenset({Role.COMMITTEE.value})
    ),
    "POST /api/v1/instruction/dossiers/{reference}/notes": Objects(
        own=filed, not_for=frozenset({Role.COMMITTEE.value})
    ),
    "POST /api/v1/instruction/dossiers/{reference}/experts": Objects(
        own=filed, body=lambda w, _: {"expert_email": w.users[Role.EXPERT].email}
    ),
    "POST /api/v1/instruction/dossiers/{reference}/propose": FILED,
    "GET /api/v1/instruction/expertises/{reference}": EXPERT_ONLY,
    "POST /api/v1/instruction/expertises/{reference}/declaration": EXPERT_ONLY,
    "PUT /api/v1/instruction/expertises/{reference}/opinion": EXPERT_ONLY,
    "GET /api/v1/instruction/expertises/{reference}/scores": EXPERT_ONLY,
    # -- committee sessions, payments, awards
    "GET /api/v1/awards/sessions/{session_id}": Objects(own=session),
    "POST /api/v1/awards/sessions/{session_id}/items": Objects(own=session),
    "POST /api/v1/awards/sessions/{session_id}/items/{item_id}/decision": Objects(
        own=lambda w: {**session(w), "item_id": awarded(w).item.pk},
        body=lambda w, _: {"decision": "adjourn"},
    ),
    "POST /api/v1/awards/sessions/{session_id}/approve-all": Objects(own=session),
    "POST /api/v1/awards/direct-proposals": Objects(
        body=lambda w, _: {
            "envelope": awarded(w).filed.call.envelope.code,
            "beneficiary_name": "Association",
            "beneficiary_siret": w.b.company.head_office_siret,
            "purpose": "Animation",
            "amount": "1000.00",
            "legal_basis": "de_minimis",
        }
    ),
    "POST /api/v1/awards/payment-requests/{request_id}/certify": Objects(own=payment_request),
    "POST /api/v1/awards/payment-requests/{request_id}/order": Objects(own=payment_request),
    "GET /api/v1/awards/{reference}": AWARD,
    "POST /api/v1/awards/{reference}/repayments": AWARD_STAFF,
    "POST /api/v1/awards/{reference}/failure-finding": AWARD_STAFF,
    "POST /api/v1/awards/{reference}/close": AWARD_STAFF,
    "POST /api/v1/steering/targets/{code}/measurements": Objects(
        own=lambda w: {"code": _target(w)}
    ),
}


def expected(op: ApiOperation, role: str, objects: Objects) -> str:
    policy = op.policy
    if policy.who == "public":
        return OK
    if role == ANONYMOUS:
        return UNAUTHENTICATED
    if policy.who in ("authenticated", "verified"):
        if policy.who == "verified" and role == UNVERIFIED:
            return UNVERIFIED_403
        if objects.foreign is not None:
            if objects.staff_refused and role in STAFF_ROLES:
                return REFUSED
            reach = role == APPLICANT or role in objects.staff_sees
            return OK if reach else NOT_FOUND
        return OK
    if role in objects.not_for:
        return NOT_FOUND
    return OK if role in policy.roles or role == ADMIN else NOT_FOUND


def outcome(response: Any) -> str:
    status = response.status_code
    body: Any = None
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.loads(response.content or b"null")
    code = body.get("code") if isinstance(body, dict) else None
    if status == 401:
        return UNAUTHENTICATED
    if status == 404:
        return NOT_FOUND
    if status == 403 and code in ("unverified", "second_factor", "csrf", "forbidden"):
        return f"403 {code}"
    if status == 422 and isinstance(body, dict) and body.get("detail") == VALIDATION:
        return f"422 request validation: {body['errors']}"
    if status >= 500:
        return f"status {status}"
    return OK


def sample(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """The smallest valid value of a JSON schema (what the description asks for)."""
    if "$ref" in schema:
        return sample(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return sample(options[0], components) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        required = schema.get("required", [])
        props = schema.get("properties", {})
        return {name: sample(props[name], components) for name in required}
    if kind == "array":
        return []
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2025-06-12"
    if schema.get("format") == "date-time":
        return "2025-06-12T10:00:00+02:00"
    if schema.get("format") == "binary":
        return SimpleUploadedFile("releve.csv", b"date;montant\n", content_type="text/csv")
    return "x"


def request_of(op: ApiOperation, objects: Objects, world: World, path: dict[str, Any]) -> Any:
    """(url, keyword arguments of the test client's method)."""
    from plania.api.urls import api

    description = api.get_openapi_schema(path_prefix="/api/v1/")
    components = description["components"]["schemas"]
    url = op.path
    for name in op.parameters:
        url = url.replace("{" + name + "}", str(path[name]))
    kwargs: dict[str, Any] = {}
    if objects.query is not None:
        kwargs["data"] = objects.query(world)
    definition = description["paths"][op.path][op.method.lower()]
    content = definition.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = sample(content["application/json"]["schema"], components)
        if objects.body is not None:
            body = {**body, **objects.body(world, path)}
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    elif "multipart/form-data" in content:
        form = sample(content["multipart/form-data"]["schema"], components)
        if objects.body is not None:
            form = {**form, **objects.body(world, path)}
        kwargs = {"data": {k: v for k, v in form.items() if v is not None}}
    return url, kwargs


def call(world: World, role: str, op: ApiOperation, url: str, kwargs: dict[str, Any]) -> Any:
    """One request, rolled back afterwards: a write by one role changes nothing for the
    next."""
    client = world.client_for(role)
    for value in kwargs.get("data", {}).values() if isinstance(kwargs.get("data"), dict) else []:
        if hasattr(value, "seek"):
            value.seek(0)
    with transaction.atomic():
        response = getattr(client, op.method.lower())(url, **kwargs)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    return response


def _operations() -> list[ApiOperation]:
    from plania.api.urls import api

    return api_operations(api)


OPERATIONS = _operations()


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_each_role_gets_what_the_operation_s_policy_says(op, world):
    objects = OBJECTS.get(op.label, Objects())
    missing = set(op.parameters) - set(objects.own(world))
    assert not missing, f"{op.label}: add the objects that fill {missing} to OBJECTS"
    assert op.policy is not None, f"{op.label} declares no access policy"
    if objects.foreign is not None and op.policy.who != "public":
        # The object rule is an action of the access layer (it runs in
        # test_route_policies.py); here the requests show what each role gets.
        assert op.policy.objects, op.policy
    path = objects.own(world)
    url, kwargs = request_of(op, objects, world, path)
    seen = {role: outcome(call(world, role, op, url, kwargs)) for role in ROLES}
    wanted = {role: expected(op, role, objects) for role in ROLES}
    assert seen == wanted, f"{op.label} ({op.policy})"


FOREIGN = [op for op in OPERATIONS if op.label in OBJECTS and OBJECTS[op.label].foreign]


@pytest.mark.parametrize("op", FOREIGN, ids=[op.label for op in FOREIGN])
def test_another_company_s_object_is_404_for_a_member_of_a(op, world):
    objects = OBJECTS[op.label]
    path = objects.foreign(world)  # type: ignore[misc]
    url, kwargs = request_of(op, objects, world, path)
    assert outcome(call(world, APPLICANT, op, url, kwargs)) == NOT_FOUND


def test_every_room_with_company_objects_has_a_foreign_case():
    rooms = {op.path.split("/")[3] for op in FOREIGN}
    assert {"companies", "applications", "documents", "messages", "awards"} <= rooms


def test_staff_cannot_delete_an_applicant_s_document_through_the_api(world):
    op = next(o for o in OPERATIONS if o.label.startswith("DELETE /api/v1/documents/"))
    url, kwargs = request_of(op, OBJECTS[op.label], world, document(world, "a"))
    for role in STAFF_ROLES:
        # A draft's documents: no staff reach them (issue 13), let alone delete them.
        response = call(world, role, op, url, kwargs)
        assert response.status_code == 404, role
    world.a.document.refresh_from_db()
    assert not world.a.document.is_deleted


STAFF_OPERATIONS = [op for op in OPERATIONS if op.policy and set(op.policy.roles) & STAFF_ROLES]


@pytest.mark.parametrize("op", STAFF_OPERATIONS, ids=[op.label for op in STAFF_OPERATIONS])
def test_a_staff_operation_refuses_a_session_without_the_second_factor(op, world):
    """A staff member signed in with the password only (the `staff-pages` scope of
    development and tests: production's `signed-in` scope refuses the whole API to such a
    session) gets 403 `second_factor` on every operation of their role, before it runs."""
    from django.test import Client

    objects = OBJECTS.get(op.label, Objects())
    url, kwargs = request_of(op, objects, world, objects.own(world))
    browser = Client()
    browser.force_login(world.users[op.policy.roles[0]])
    with transaction.atomic():
        response = getattr(browser, op.method.lower())(url, **kwargs)
        transaction.set_rollback(True)
    assert outcome(response) == "403 second_factor", (op.label, response.content[:300])
