"""Adapter for the public recherche-entreprises API (the search behind the "Annuaire des
entreprises"), used only when the local SIRENE store has no match and the setting allows.

Off by default: PlanIA must work without it (DOMAIN.md, "Companies"). Settings, read with
getattr so that none is required:

- PLANIA_RECHERCHE_ENTREPRISES_ENABLED (default False)
- PLANIA_RECHERCHE_ENTREPRISES_URL (default https://recherche-entreprises.api.gouv.fr)
- PLANIA_RECHERCHE_ENTREPRISES_TIMEOUT (seconds per request, default 5)
- PLANIA_RECHERCHE_ENTREPRISES_MAX_RETRIES (retries after HTTP 429, default 2)
- PLANIA_RECHERCHE_ENTREPRISES_MAX_WAIT (seconds waited in total on 429s, default 10)

`GET /search?q=<SIREN>` answers `{"results": [{siren, nom_complet, date_creation,
categorie_entreprise, tranche_effectif_salarie, activite_principale, etat_administratif,
nature_juridique, siege: {siret, departement, region, code_postal, ...}}, ...], ...}`.
The search is full-text: a result is taken only if its `siren` is the one asked.
The API allows 7 requests a second per IP and answers HTTP 429 with Retry-After beyond:
the adapter waits as told, a bounded number of times and for a bounded total, then gives
up. Timeouts, connection errors, 5xx and unreadable JSON raise `ApiUnavailable`; the
caller turns that into a message, never a crash.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from django.conf import settings

from plania.companies.enums import CompanyCategory, DataSource
from plania.companies.records import CompanyRecord
from plania.companies.reference import departement_from, size_bands

logger = logging.getLogger(__name__)

DEFAULT_URL = "https://recherche-entreprises.api.gouv.fr"
USER_AGENT = "PlanIA (regional innovation-funding platform)"  # headers are ASCII


class ApiUnavailable(Exception):
    """The API could not answer (timeout, network, server error, too many 429s)."""


def enabled() -> bool:
    return bool(getattr(settings, "PLANIA_RECHERCHE_ENTREPRISES_ENABLED", False))


def _retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def to_record(result: dict[str, Any]) -> CompanyRecord:
    """A search result as the fields PlanIA keeps (unknown or malformed values left empty)."""
    siege = result.get("siege") or {}
    siret = _text(siege.get("siret"), 14)
    siren = _text(result.get("siren"), 9)
    postcode = _text(siege.get("code_postal"), 5)
    departement = _text(siege.get("departement"), 3) or departement_from(
        commune=_text(siege.get("commune"), 5), postcode=postcode
    )
    band = _text(result.get("tranche_effectif_salarie"), 2)
    category = _text(result.get("categorie_entreprise"), 3)
    return CompanyRecord(
        siren=siren,
        name=_text(result.get("nom_complet"), 255) or _text(result.get("nom_raison_sociale"), 255),
        creation_date=_date(result.get("date_creation")),
        naf_code=_text(result.get("activite_principale"), 6),
        size_band=band if band in size_bands() else "",
        category=category if category in CompanyCategory.values else "",
        legal_category=_text(result.get("nature_juridique"), 4),
        head_office_siret=siret if siret.startswith(siren) else "",
        postcode=postcode,
        departement=departement,
        active=result.get("etat_administratif") != "C",
        data_source=DataSource.API,
    )


def fetch_company(
    siren: str,
    *,
    base_url: str | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
    max_wait: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> CompanyRecord | None:
    """The company of `siren` from the API, None if the API does not know it.

    Raises ApiUnavailable when no answer could be had.
    """
    base_url = (
        base_url or getattr(settings, "PLANIA_RECHERCHE_ENTREPRISES_URL", DEFAULT_URL)
    ).rstrip("/")
    timeout = timeout or float(getattr(settings, "PLANIA_RECHERCHE_ENTREPRISES_TIMEOUT", 5))
    if max_retries is None:
        max_retries = int(getattr(settings, "PLANIA_RECHERCHE_ENTREPRISES_MAX_RETRIES", 2))
    if max_wait is None:
        max_wait = float(getattr(settings, "PLANIA_RECHERCHE_ENTREPRISES_MAX_WAIT", 10))
    waited = 0.0
    with httpx.Client(
        base_url=base_url,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        transport=transport,
        follow_redirects=False,
    ) as client:
        for attempt in range(max_retries + 1):
            try:
                response = client.get("/search", params={"q": siren, "page": 1, "per_page": 5})
            except httpx.TimeoutException as exc:
                raise ApiUnavailable(f"timeout after {timeout}s") from exc
            except httpx.HTTPError as exc:
                raise ApiUnavailable(f"network error: {exc}") from exc
            if response.status_code == 429:
                delay = _retry_after(response.headers.get("Retry-After"))
                if delay is None:
                    delay = 1.0  # the API's window is one second (7 requests a second)
                if attempt == max_retries or waited + delay > max_wait:
                    raise ApiUnavailable(
                        f"rate limited (HTTP 429) after {attempt + 1} request(s), "
                        f"Retry-After {delay:g}s, {waited:g}s already waited"
                    )
                logger.info("recherche-entreprises: HTTP 429, waiting %ss", delay)
                sleep(delay)
                waited += delay
                continue
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise ApiUnavailable(f"HTTP {response.status_code}")
            try:
                payload = response.json()
                results = payload["results"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ApiUnavailable("unreadable answer (not the documented JSON)") from exc
            if not isinstance(results, list):
                raise ApiUnavailable("unreadable answer (results is not a list)")
            for result in results:
                if isinstance(result, dict) and result.get("siren") == siren:
                    return to_record(result)
            return None
    raise ApiUnavailable("no answer")  # pragma: no cover - the loop always returns or raises
