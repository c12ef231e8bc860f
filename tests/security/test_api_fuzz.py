"""The API fuzzed against its own OpenAPI description (issue 7 item 5), with schemathesis:
no 5xx, and every response conforms to the description (its status is documented, its
body fits the documented schema).

Run by `make test-fuzz` (PLANIA_FUZZ=1), skipped otherwise. Requests go to Django's WSGI
application in this process, on the test database, each with a Bearer token
(plania.accounts.services.api_token_create) and a session cookie (for the routers that
take the session only), as two identities:
- a verified applicant who owns a company, a dossier and a document: every operation;
- an administrator past the second factor, with a filed dossier, a held committee session
  and its awards: the staff operations (instruction, awards, steering), so that their
  code runs beyond the role check.
Each operation is fuzzed with generated path parameters (mostly unknown objects: 404s),
then with the identity's real objects in the path. Both valid (positive) and invalid
(negative) inputs are generated.

Bounded: PLANIA_FUZZ_MAX_EXAMPLES per operation, mode and pass (default 10), and
PLANIA_FUZZ_SECONDS in all (default 90 s, shared between the identities; `make test-fuzz`
kills the run at 150 s, and `make test` stays under ten minutes on 2 cores); the
same inputs on every run unless PLANIA_FUZZ_RANDOM=1. The figures are printed and
written to test-output/api-fuzz.json.

Failures: every 5xx, every response that breaks the documented schema (status code
and body), and every error answer that is not in the API's one format (plania.api.errors:
`{"detail", "code", "errors"}`), documented or not.
"""

import json
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from plania.accounts.roles import Role
from plania.accounts.services import api_token_create
from plania.api.errors import ApiError
from tests.security.otp import otp_force_login
from tests.security.world import World

pytestmark = pytest.mark.skipif(
    os.environ.get("PLANIA_FUZZ", "") != "1", reason="run by `make test-fuzz` (PLANIA_FUZZ=1)"
)

MAX_EXAMPLES = int(os.environ.get("PLANIA_FUZZ_MAX_EXAMPLES", "10"))
TIME_LIMIT = float(os.environ.get("PLANIA_FUZZ_SECONDS", "90"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
CHECK_NAMES = (
    "not_a_server_error, status_code_conformance, response_schema_conformance, error format"
)


class TimeUp(Exception):
    pass


@dataclass
class Identity:
    """Who the requests come from, and the objects of theirs that fill path parameters."""

    name: str
    headers: dict[str, str]
    cookies: dict[str, str]
    known: dict[str, Any]
    tags: frozenset[str] | None = None  # the operations fuzzed (None: all)


def _signed_in(user: Any, *, staff: bool) -> tuple[dict[str, str], dict[str, str]]:
    _, token = api_token_create(user=user, name="schemathesis")
    browser = Client()
    if staff:
        otp_force_login(browser, user)
    else:
        browser.force_login(user)
    return {"Authorization": f"Bearer {token}"}, {"sessionid": browser.cookies["sessionid"].value}


def applicant(world: World) -> Identity:
    """A verified applicant; path parameters filled with their own objects."""
    headers, cookies = _signed_in(world.a.owner, staff=False)
    known = {
        "code": world.plan.code,
        "siren": world.a.company.siren,
        "reference": world.a.dossier.reference,
        "public_id": str(world.a.document.public_id),
        "call": world.a.dossier.call.reference,
    }
    return Identity("applicant", headers, cookies, known)


def staff(world: World) -> Identity:
    """An administrator past the second factor, on the staff operations (instruction,
    committee, awards, steering), with a filed dossier, a held session and its awards."""
    from tests.security.test_route_matrix import awarded

    objects = awarded(world)
    headers, cookies = _signed_in(world.users[Role.ADMIN], staff=True)
    known = {
        "reference": objects.filed.reference,
        "session_id": objects.session.pk,
        "item_id": objects.item.pk,
        "scheme": objects.filed.scheme_code,
        "code": world.plan.code,
    }
    return Identity("staff", headers, cookies, known, frozenset(STAFF_TAGS))


STAFF_TAGS = {"instruction", "awards", "steering"}


def closing(application: Any) -> Any:
    """The WSGI application, its answer read and closed at once (as a server does): a
    download's file is closed, and Django's request_finished is sent."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        result = application(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    return app


class NotTheErrorFormat(AssertionError):
    pass


def check_error_format(response: Any) -> None:
    """An error answer, documented or not, is in the one format."""
    if response.status_code < 400:
        return
    try:
        ApiError.model_validate(json.loads(response.content or b"null"))
    except ValueError as exc:  # not JSON, or not the format (pydantic's is a ValueError)
        raise NotTheErrorFormat(
            f"{response.status_code} not in the API's error format: {response.content[:300]!r}"
        ) from exc


def fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    path_parameters: dict[str, Any] | None,
    *,
    identity: Identity,
    deadline: float,
    stats: dict[str, Any],
) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=os.environ.get("PLANIA_FUZZ_RANDOM", "") != "1",
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        if time.monotonic() > deadline:
            raise TimeUp
        # Each request in a savepoint rolled back after it: on PostgreSQL a failed query
        # aborts the transaction, and one 500 must not turn every later request into one.
        with transaction.atomic():
            response = case.call(headers=identity.headers, cookies=identity.cookies)
            transaction.set_rollback(True)
        stats["requests"] += 1
        stats["statuses"][response.status_code] += 1
        stats["per_operation"][operation.label] += 1
        stats["per_identity"][identity.name] += 1
        try:
            case.validate_response(response, checks=CHECKS)
            check_error_format(response)
        except (Exception, BaseExceptionGroup) as failure:  # schemathesis' FailureGroup
            stats["failing_responses"] += 1
            key = (identity.name, operation.label, response.status_code, type(failure).__name__)
            if key not in stats["seen"]:
                stats["seen"].add(key)
                stats["failures"].append(
                    {
                        "operation": operation.label,
                        "identity": identity.name,
                        "mode": mode.value,
                        "status": response.status_code,
                        "request": case.as_curl_command(),
                        "report": str(failure)[:3000],
                    }
                )

    run()


def fuzz_passes(operation: Any, identity: Identity, *, deadline: float, stats: dict) -> None:
    """Generated path parameters (mostly unknown objects), then the identity's own
    objects; positive then negative inputs."""
    names = {p.name for p in operation.path_parameters}
    passes: list[dict[str, Any] | None] = [None]
    if names and names <= identity.known.keys():
        passes.append({name: identity.known[name] for name in names})
    for path_parameters in passes:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz_operation(
                    operation, mode, path_parameters, identity=identity, deadline=deadline,
                    stats=stats,
                )  # fmt: skip
            except Unsatisfiable:
                # Nothing invalid to send (no parameter, no body): positive only.
                stats["no_negative"].add(operation.label)


def test_the_api_survives_fuzzing(world, output_dir, settings):
    from plania.wsgi import application

    # Thousands of calls with two tokens: the per-token rate limit (PLANIA_RATE_API) would
    # answer most with 429 and leave the operations unexplored (its test:
    # test_probe_ratelimits.py).
    settings.PLANIA_RATES = {**settings.PLANIA_RATES, "api": "off", "messages": "off"}

    identities = [applicant(world), staff(world)]
    stats: dict[str, Any] = {
        "requests": 0,
        "failing_responses": 0,
        "statuses": Counter(),
        "per_operation": Counter(),
        "per_identity": Counter(),
        "failures": [],
        "seen": set(),
        "no_negative": set(),
    }
    # The WSGI handler closes old database connections at the start and end of each
    # request; the test database lives in this test's transaction, so it must stay open
    # (Django's test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Thousands of 4xx would each log a warning; a 5xx still logs its error.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    started = time.monotonic()
    deadline = started + TIME_LIMIT
    timed_out = False
    operations: list[Any] = []
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", closing(application))
        operations = [result.ok() for result in schema.get_all_operations()]
        # Each identity gets its share of the time (an identity that finishes early leaves
        # the rest to the next ones), so that the last one is fuzzed too.
        for index, identity in enumerate(identities):
            share = started + TIME_LIMIT * (index + 1) / len(identities)
            for operation in operations:
                tags = set(operation.definition.raw.get("tags", []))
                if identity.tags is not None and not tags & identity.tags:
                    continue
                try:
                    fuzz_passes(operation, identity, deadline=min(share, deadline), stats=stats)
                except TimeUp:
                    timed_out = True
                    break
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        request_log.setLevel(level)
    elapsed = time.monotonic() - started
    failures = stats["failures"]
    report = {
        "operations": len(operations),
        "requests": stats["requests"],
        "failures": len(failures),
        "failing_responses": stats["failing_responses"],
        "seconds": round(elapsed, 1),
        "time_limit_reached": timed_out,
        "max_examples": MAX_EXAMPLES,
        "statuses": {str(k): v for k, v in sorted(stats["statuses"].items())},
        "per_identity": dict(stats["per_identity"]),
        "per_operation": dict(sorted(stats["per_operation"].items())),
        "positive_only": sorted(stats["no_negative"]),
        "failure_details": failures,
    }
    (output_dir / "api-fuzz.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(
        f"\nschemathesis: {stats['requests']} generated requests over {len(operations)} "
        f"operations ({dict(stats['per_identity'])}) in {elapsed:.0f} s, {len(failures)} failures "
        f"({stats['failing_responses']} failing responses) "
        f"(checks: {CHECK_NAMES}); statuses "
        f"{report['statuses']}" + (" [time limit reached]" if timed_out else "")
    )
    for failure in failures:
        print(f"FAILURE {failure['operation']} -> {failure['status']}\n{failure['report']}\n")
    assert stats["requests"] > 0
    assert failures == [], f"{len(failures)} failures: see test-output/api-fuzz.json"
