"""The API fuzzed against its own OpenAPI description (issue 7 item 5), with schemathesis:
no 5xx, and every response that the description documents conforms to it.

Run by `make test-fuzz` (PLANIA_FUZZ=1), skipped otherwise. Requests go to Django's WSGI
application in this process, on the test database, as a verified applicant who owns a
company, a dossier and a document, with a Bearer token (plania.accounts.services.
api_token_create) and a session cookie (for the routers that take the session only).
Each operation is fuzzed twice: with generated path parameters (mostly unknown objects:
404s), then with the applicant's real objects in the path, so that the authenticated
code paths run. Both valid (positive) and invalid (negative) inputs are generated.

Bounded: PLANIA_FUZZ_MAX_EXAMPLES per operation, mode and pass (default 25), and
PLANIA_FUZZ_SECONDS in all (default 120 s); the same inputs on every run unless
PLANIA_FUZZ_RANDOM=1. The figures are printed and written to test-output/api-fuzz.json.

Failures: every 5xx, and every response that breaks the documented schema, except two
known defects of the description itself, counted and listed apart (not failures) until
the API rooms fix them (docs/security.md, "API fuzzing"):
- `framework-error-answer`: django-ninja's default error handlers answer with their own
  bodies (`{"detail": "Not Found"}`, `{"detail": "CSRF check Failed"}`, `{"detail":
  "Cannot parse request body"}`, and `{"detail": [{"type", "loc", "msg"}]}` for a request
  its signature refuses), as does PlanIA's NUL guard (`{"detail": "..."}`, 400), which the
  operations do not document (they document their own error schema for 400/403/404/422);
- `name-collision`: the documented response uses a component whose name two Schema
  classes share (tests/security/openapi.py), so the description shows the other class.
"""

import json
import logging
import os
import time
from collections import Counter, defaultdict
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
from schemathesis.specs.openapi.checks import response_schema_conformance

from plania.accounts.services import api_token_create
from tests.security.openapi import (
    code_accepts,
    is_framework_error_answer,
    refs_in,
    response_models,
    schema_name_collisions,
)
from tests.security.world import World

pytestmark = pytest.mark.skipif(
    os.environ.get("PLANIA_FUZZ", "") != "1", reason="run by `make test-fuzz` (PLANIA_FUZZ=1)"
)

MAX_EXAMPLES = int(os.environ.get("PLANIA_FUZZ_MAX_EXAMPLES", "25"))
TIME_LIMIT = float(os.environ.get("PLANIA_FUZZ_SECONDS", "120"))
CHECKS = [not_a_server_error, response_schema_conformance]


class TimeUp(Exception):
    pass


def known_objects(world: World) -> dict[str, Any]:
    """Path parameters filled with the applicant's own objects."""
    return {
        "code": world.plan.code,
        "siren": world.a.company.siren,
        "reference": world.a.dossier.reference,
        "public_id": str(world.a.document.public_id),
        "call": world.a.dossier.call.reference,
    }


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


def known_defect(
    case: Any, response: Any, collisions: dict[str, list[str]], models: dict[Any, Any]
) -> str | None:
    """The known description defect that explains this schema violation, if one does: the
    answer is one of the framework's own error answers, or it fits the code's own response model
    and the description shows another class of the same name."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    if is_framework_error_answer(body):
        return "framework-error-answer"
    schema = case.operation.schema.raw_schema
    responses = case.operation.definition.raw.get("responses", {})
    documented = responses.get(str(response.status_code), responses.get("default", {}))
    shared = refs_in(documented, schema.get("components", {}).get("schemas", {})) & set(collisions)
    operation_models = models.get((case.method.upper(), case.operation.path), {})
    if shared and code_accepts(operation_models, response.status_code, body):
        return "name-collision: " + ", ".join(sorted(shared))
    return None


def fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    path_parameters: dict[str, Any] | None,
    *,
    headers: dict[str, str],
    cookies: dict[str, str],
    deadline: float,
    stats: dict[str, Any],
    collisions: dict[str, list[str]],
    models: dict[Any, Any],
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
            response = case.call(headers=headers, cookies=cookies)
            transaction.set_rollback(True)
        stats["requests"] += 1
        stats["statuses"][response.status_code] += 1
        stats["per_operation"][operation.label] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as failure:  # schemathesis' FailureGroup
            defect = (
                None
                if response.status_code >= 500
                else known_defect(case, response, collisions, models)
            )
            if defect is not None:
                stats["known"][defect][operation.label] += 1
                return
            stats["failing_responses"] += 1
            key = (operation.label, response.status_code, type(failure).__name__)
            if key not in stats["seen"]:
                stats["seen"].add(key)
                stats["failures"].append(
                    {
                        "operation": operation.label,
                        "mode": mode.value,
                        "status": response.status_code,
                        "request": case.as_curl_command(),
                        "report": str(failure)[:3000],
                    }
                )

    run()


def test_the_api_survives_fuzzing(world, output_dir):
    from plania.api.urls import api
    from plania.wsgi import application

    user = world.a.owner
    _, token = api_token_create(user=user, name="schemathesis")
    browser = Client()
    browser.force_login(user)
    headers = {"Authorization": f"Bearer {token}"}
    cookies = {"sessionid": browser.cookies["sessionid"].value}
    stats: dict[str, Any] = {
        "requests": 0,
        "failing_responses": 0,
        "statuses": Counter(),
        "per_operation": Counter(),
        "failures": [],
        "seen": set(),
        "no_negative": set(),
        "known": defaultdict(Counter),
    }
    collisions = schema_name_collisions(api)
    models = response_models(api)
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
        known = known_objects(world)
        for operation in operations:
            names = {p.name for p in operation.path_parameters}
            passes: list[dict[str, Any] | None] = [None]
            if names and names <= known.keys():
                passes.append({name: known[name] for name in names})
            for path_parameters in passes:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    try:
                        fuzz_operation(
                            operation,
                            mode,
                            path_parameters,
                            headers=headers,
                            cookies=cookies,
                            deadline=deadline,
                            stats=stats,
                            collisions=collisions,
                            models=models,
                        )
                    except TimeUp:
                        timed_out = True
                        break
                    except Unsatisfiable:
                        # Nothing invalid to send (no parameter, no body): positive only.
                        stats["no_negative"].add(operation.label)
                if timed_out:
                    break
            if timed_out:
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
        "per_operation": dict(sorted(stats["per_operation"].items())),
        "positive_only": sorted(stats["no_negative"]),
        "known_defects": {
            defect: dict(sorted(counts.items())) for defect, counts in stats["known"].items()
        },
        "schema_name_collisions": collisions,
        "failure_details": failures,
    }
    (output_dir / "api-fuzz.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(
        f"\nschemathesis: {stats['requests']} generated requests over {len(operations)} "
        f"operations in {elapsed:.0f} s, {len(failures)} failures "
        f"({stats['failing_responses']} failing responses) "
        f"(checks: not_a_server_error, response_schema_conformance); statuses "
        f"{report['statuses']}" + (" [time limit reached]" if timed_out else "")
    )
    for defect, counts in sorted(stats["known"].items()):
        print(
            f"known description defect, not counted: {defect}: {sum(counts.values())} "
            f"responses on {len(counts)} operations"
        )
    for failure in failures:
        print(f"FAILURE {failure['operation']} -> {failure['status']}\n{failure['report']}\n")
    assert stats["requests"] > 0
    assert failures == [], f"{len(failures)} failures: see test-output/api-fuzz.json"
