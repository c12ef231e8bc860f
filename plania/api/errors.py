"""One error format for the whole API (issue 7 item 5), whoever answers: an operation's
own refusal, django-ninja (request validation, authentication, CSRF, an unreadable body,
404, 405), the NUL guard, the second-factor gate, or an unknown /api/ address:

    {"detail": "what happened, for a person", "code": "invalid",
     "errors": {"field": ["message", ...]}}

`detail` is a sentence in the request's language; `code` a stable word a program tests
(below); `errors` maps a field (`siren`, `cost_lines[1].amount`, `answers.colour`,
`per_page`) to its messages, `{}` when the refusal is not about a field. An operation may
add keys (a stale dossier's `current_version`, an overflowing committee session's
`shortfalls`), in a schema of its own that extends `ApiError`.

django-ninja's default handlers answer `{"detail": ...}` in shapes of their own; the
handlers below replace them (django-ninja's documented mechanism:
`NinjaAPI.add_exception_handler`), and `document_errors` adds these answers to every
operation of the OpenAPI description, so that a client (and schemathesis) can rely on it.
"""

import json
from collections.abc import Mapping, Sequence
from math import ceil
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError

from plania.core.errors import error_body, error_json
from plania.security.ratelimit import RateLimited
from plania.security.ratelimit import detail as rate_limited_detail

# Codes that the framework's answers carry; operations add their own (`deadline`,
# `state`, `stale`, `too_big`...), listed with each operation.
NOT_FOUND = "not_found"
INVALID = "invalid"
CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: NOT_FOUND,
    405: "method_not_allowed",
    409: "conflict",
    413: "too_big",
    422: INVALID,
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}


class ApiError(Schema):
    """The API's one error format."""

    detail: str
    code: str
    errors: dict[str, list[str]] = {}


class ApiRefusal(HttpError):
    """A refusal raised from anywhere below an operation (an access check, a helper),
    answered in the one format."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        code: str | None = None,
        errors: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__(status_code, message)
        self.code = code or CODES.get(status_code, "error")
        self.errors = {field: list(messages) for field, messages in (errors or {}).items()}


def refusal(
    status: int,
    detail: str,
    code: str | None = None,
    errors: Mapping[str, Sequence[str]] | None = None,
    **extra: Any,
) -> Status[dict[str, Any]]:
    """What an operation returns to refuse: `return refusal(409, exc.message, exc.code)`."""
    return Status(status, error_body(detail, code or CODES.get(status, "error"), errors, **extra))


def errors_of(*statuses: int, model: type[Schema] = ApiError) -> dict[int, type[Schema]]:
    """`response={200: ThingOut, **errors_of(403, 409)}`."""
    return {status: model for status in statuses}


# -- Request validation ----------------------------------------------------------------------

SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}
# pydantic names the member of a union that refused a value in the location
# (`amount.str`, `amount.int`, `x.function-after[...]`): not a field.
UNION_TAGS = {"str", "int", "float", "bool", "decimal", "none", "list", "dict", "date",
              "datetime", "uuid", "literal", "enum"}  # fmt: skip


def _union_tag(part: str) -> bool:
    return part in UNION_TAGS or "[" in part


def field_name(loc: Sequence[Any]) -> str:
    """django-ninja's error location as the field names operations use: ("body",
    "payload", "cost_lines", 1, "amount") -> "cost_lines[1].amount"; ("query", "page") ->
    "page". The body parameter's Python name (`payload`) means nothing to a client."""
    parts = list(loc)
    if parts and parts[0] in SOURCES:
        source = parts.pop(0)
        if source == "body" and len(parts) > 1 and isinstance(parts[0], str):
            parts.pop(0)
    name = ""
    for part in parts:
        if isinstance(part, str) and name and _union_tag(part):
            continue
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "body"


def _message(error: Mapping[str, Any]) -> str:
    """pydantic's message, in the request's language for the errors a query filter or a
    page number meets most (issue 12 item 4: the list endpoints' filters are typed)."""
    kind = error.get("type")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("Ce champ est obligatoire.")
    if kind in {"int_parsing", "int_from_float"}:
        return _("Un nombre entier est attendu.")
    if kind in {"decimal_parsing", "float_parsing", "decimal_type", "finite_number"}:
        return _("Un nombre est attendu.")
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"}:
        return _("Une date AAAA-MM-JJ est attendue.")
    if kind == "greater_than_equal":
        return _("La valeur doit être au moins %(limit)s.") % {"limit": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("La valeur doit être au plus %(limit)s.") % {"limit": ctx.get("le")}
    if kind in {"literal_error", "enum"}:
        return _("Valeur inconnue ; attendues : %(values)s.") % {"values": ctx.get("expected")}
    return str(error.get("msg", ""))


def validation_errors(errors: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in errors:
        messages = out.setdefault(field_name(error.get("loc", ())), [])
        message = _message(error)
        if message not in messages:
            messages.append(message)
    return out


# -- Handlers --------------------------------------------------------------------------------

# Messages django-ninja raises in English, given their code and a sentence in the request's
# language (ninja/security/apikey.py, ninja/params/models.py).
CSRF_FAILED = "CSRF check Failed"
UNPARSABLE = "Cannot parse request body"


def not_found_detail() -> str:
    return _("Introuvable : cette ressource n'existe pas, ou elle ne vous est pas ouverte.")


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body(not_found_detail(), NOT_FOUND))

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(
            request,
            422,
            error_body(_("La requête contient des valeurs invalides."), INVALID,
                       validation_errors(exc.errors)),
        )  # fmt: skip

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if isinstance(exc, ApiRefusal):
            body = error_body(exc.message, exc.code, exc.errors)
        elif isinstance(exc, AuthenticationError):
            body = error_body(
                _("Authentification requise : un jeton personnel valide "
                  "(Authorization: Bearer …) ou une session ouverte."),
                CODES[401],
            )  # fmt: skip
        elif status == 403 and exc.message == CSRF_FAILED:
            body = error_body(
                _("Vérification CSRF échouée : avec la session du navigateur, envoyez "
                  "l'en-tête X-CSRFToken (ou utilisez un jeton personnel)."),
                "csrf",
            )  # fmt: skip
        elif status == 400 and exc.message.startswith(UNPARSABLE):
            body = error_body(
                _("Le corps de la requête est illisible (JSON ou formulaire mal formé)."),
                "malformed",
            )
        elif status == 404:
            body = error_body(exc.message or not_found_detail(), NOT_FOUND)
        elif status == 429:
            # django-ninja's throttle (plania.security.ratelimit.ApiThrottle).
            wait = getattr(exc, "wait", None)
            body = error_body(rate_limited_detail(ceil(wait or 1)), CODES[429])
        else:
            body = error_body(exc.message, CODES.get(status, "error"))
        response = respond(request, status, body)
        if status == 429 and getattr(exc, "wait", None):
            response["Retry-After"] = str(ceil(exc.wait))  # type: ignore[attr-defined]
        return response

    def on_rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        response = respond(request, 429, error_body(rate_limited_detail(exc.retry_after),
                                                    CODES[429]))  # fmt: skip
        response["Retry-After"] = str(exc.retry_after)
        return response

    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(RateLimited, on_rate_limited)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(HttpError, on_http_error)


def method_not_allowed(request: HttpRequest, allowed: str) -> JsonResponse:
    response = error_json(
        405,
        _("Méthode %(method)s non permise à cette adresse ; permises : %(allowed)s.")
        % {"method": request.method, "allowed": allowed},
        CODES[405],
    )
    response["Allow"] = allowed
    return response


def _under_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 handler (plania.urls): a request Django itself refuses while reading it
    (more files or fields than DATA_UPLOAD_MAX_NUMBER_FILES / _FIELDS allow, a body past
    DATA_UPLOAD_MAX_MEMORY_SIZE, a bad multipart) — under /api/ in the format (found by
    the API fuzzing: 21 files in one message)."""
    if _under_api(request):
        from django.core.exceptions import (
            RequestDataTooBig,
            TooManyFieldsSent,
            TooManyFilesSent,
        )

        if isinstance(exception, TooManyFilesSent):
            detail, code = _("Trop de fichiers dans une seule requête."), "too_many_files"
        elif isinstance(exception, TooManyFieldsSent):
            detail, code = _("Trop de champs dans une seule requête."), "too_many_fields"
        elif isinstance(exception, RequestDataTooBig):
            detail, code = _("La requête est trop volumineuse."), "too_big"
        else:
            detail, code = _("Requête illisible."), "malformed"
        return error_json(400, detail, code)
    from django.views.defaults import bad_request as django_bad_request

    return django_bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 403 handler (plania.urls): under /api/ in the format."""
    if _under_api(request):
        return error_json(403, _("Accès refusé."), CODES[403])
    from django.views.defaults import permission_denied as django_permission_denied

    return django_permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 handler (plania.urls): an unknown address under /api/ in the format."""
    if _under_api(request):
        return error_json(404, not_found_detail(), NOT_FOUND)
    from django.views.defaults import page_not_found as django_page_not_found

    return django_page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler (plania.urls): under /api/ in the format (the error is logged
    by Django as for any page)."""
    if _under_api(request):
        return error_json(500, _("Erreur interne : elle a été enregistrée."), CODES[500])
    from django.views.defaults import server_error as django_server_error

    return django_server_error(request)


# -- The OpenAPI description -----------------------------------------------------------------

REF = "#/components/schemas/{model}"
FRAMEWORK_ANSWERS = {
    400: "Unreadable request: a body that is not JSON (or not the form it should be) "
    "(`malformed`), a NUL character anywhere (`nul_character`), more files or fields than "
    "a request may carry (`too_many_files`, `too_many_fields`), a body past the size limit "
    "(`too_big`).",
    401: "Not authenticated: no personal token nor session, or a token that is wrong, "
    "revoked or expired (`unauthenticated`).",
    403: "Refused: the CSRF check of a session call (`csrf`), a staff session that has not "
    "passed the second factor (`second_factor`), an e-mail address not verified "
    "(`unverified`), or the operation's own refusal (`forbidden`, `deadline`...).",
    404: "Not found, or not yours: the same answer either way (`not_found`).",
    422: "Invalid parameters or body (`invalid`); `errors` maps each field to its messages.",
    429: "Too many requests (`throttled`): past the rate limit of the token (or the "
    "person, or the IP address), or of the operation (messages); `Retry-After` gives the "
    "seconds to wait.",
}


def _error_response(description: str) -> dict[str, Any]:
    ref = {"$ref": REF.format(model=ApiError.__name__)}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def framework_statuses(operation: Mapping[str, Any]) -> list[int]:
    """The statuses django-ninja, the middleware or the access check may answer on this
    operation, whatever its code: 400 on any request; 401 and 403 where a caller must
    authenticate; 404 where an object or a role is looked up; 422 where there is input;
    429 on any (rate limits)."""
    guarded = bool(operation.get("security"))
    has_input = bool(operation.get("parameters") or operation.get("requestBody"))
    statuses = [400]
    if guarded:
        statuses += [401, 403]
    if guarded or any(p.get("in") == "path" for p in operation.get("parameters", [])):
        statuses.append(404)
    if has_input:
        statuses.append(422)
    statuses.append(429)
    return statuses


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the framework's error answers to every operation that does not document that
    status itself, all in the `ApiError` component."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(
        ApiError.__name__, ApiError.model_json_schema(ref_template=REF, mode="serialization")
    )
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            # django-ninja keys them by int; JSON makes strings of both.
            documented = {int(status) for status in responses}
            for status in framework_statuses(operation):
                if status not in documented:
                    responses[status] = _error_response(FRAMEWORK_ANSWERS[status])
    return schema


def describe_format() -> str:
    """The format, for the API's description in OpenAPI."""
    example = error_body("…", INVALID, {"field": ["…"]})
    return (
        "Every error answers in one format, `ApiError`: "
        f"`{json.dumps(example, ensure_ascii=False)}`. `code` is stable (`invalid`, "
        "`not_found`, `unauthenticated`, `csrf`, `second_factor`, `unverified`, "
        "`malformed`, `nul_character`, `method_not_allowed`, and each operation's own); "
        "`errors` maps a field to its messages. A wrong method answers 405 "
        "(`method_not_allowed`) with an `Allow` header; an unknown address under /api/ "
        "404 (`not_found`)."
    )
