"""The recherche-entreprises adapter, against a local server answering the documented JSON."""

from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import pytest

from plania.companies.recherche_entreprises import (
    ApiUnavailable,
    _retry_after,
    fetch_company,
    to_record,
)
from plania.companies.sirene import sample_siren
from tests.companies.conftest import Answer, api_result

SIREN = sample_siren(1, seed=99)
OTHER = sample_siren(2, seed=99)


def _fetch(api, **kwargs):  # type: ignore[no-untyped-def]
    slept: list[float] = []
    kwargs.setdefault("sleep", slept.append)
    return fetch_company(SIREN, base_url=api.url, **kwargs), slept


def test_found_fills_the_company_fields(fake_api):
    # The search is full-text: another company may come first; only the SIREN asked counts.
    fake_api.answer(Answer(200, {"results": [api_result(OTHER), api_result(SIREN)]}))
    record, slept = _fetch(fake_api)
    assert record is not None
    assert (record.siren, record.name, record.creation_date) == (
        SIREN,
        "QUANTUM PYRENE IA",
        date(2022, 9, 1),
    )
    assert (record.naf_code, record.size_band, record.category, record.legal_category) == (
        "72.19Z",
        "03",
        "PME",
        "5710",
    )
    assert (record.head_office_siret, record.postcode, record.departement) == (
        SIREN + "00012",
        "65000",
        "65",
    )
    assert record.active is True
    assert record.data_source == "api"
    assert fake_api.requests[0]["path"] == ["/search"]
    assert fake_api.requests[0]["q"] == [SIREN]
    assert slept == []


def test_not_found(fake_api):
    fake_api.answer(Answer(200, {"results": [api_result(OTHER)], "total_results": 1}))
    assert _fetch(fake_api)[0] is None
    fake_api.answer(Answer(200, {"results": [], "total_results": 0}))
    assert _fetch(fake_api)[0] is None


def test_429_then_success_waits_as_told(fake_api):
    fake_api.answer(
        Answer(429, {"erreur": "Trop de requêtes"}, headers={"Retry-After": "2"}),
        Answer(200, {"results": [api_result(SIREN)]}),
    )
    record, slept = _fetch(fake_api)
    assert record is not None and record.siren == SIREN
    assert slept == [2.0]
    assert len(fake_api.requests) == 2


def test_429_really_sleeps_with_the_default_sleep(fake_api):
    fake_api.answer(
        Answer(429, {}, headers={"Retry-After": "1"}),
        Answer(200, {"results": [api_result(SIREN)]}),
    )
    started = datetime.now(UTC)
    record = fetch_company(SIREN, base_url=fake_api.url)
    assert record is not None
    assert datetime.now(UTC) - started >= timedelta(seconds=1)


def test_429_gives_up_past_the_retries_or_the_total_wait(fake_api):
    fake_api.answer(*[Answer(429, {}, headers={"Retry-After": "1"})] * 3)
    with pytest.raises(ApiUnavailable, match="HTTP 429"):
        _fetch(fake_api, max_retries=2, max_wait=10)
    assert len(fake_api.requests) == 3
    fake_api.answer(Answer(429, {}, headers={"Retry-After": "60"}))
    with pytest.raises(ApiUnavailable, match="Retry-After 60s"):
        _fetch(fake_api, max_wait=10)


def test_timeout_is_unavailable(fake_api):
    fake_api.answer(Answer(200, {"results": [api_result(SIREN)]}, delay=1.0))
    with pytest.raises(ApiUnavailable, match="timeout"):
        _fetch(fake_api, timeout=0.2)


@pytest.mark.parametrize(
    "answer",
    [Answer(500, {"erreur": "interne"}), Answer(200, b"<html>maintenance</html>"), Answer(200, {})],
)
def test_server_errors_and_garbage_are_unavailable(fake_api, answer):
    fake_api.answer(answer)
    with pytest.raises(ApiUnavailable):
        _fetch(fake_api)


def test_connection_refused_is_unavailable():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ApiUnavailable, match="network error"):
        fetch_company(SIREN, base_url=f"http://127.0.0.1:{port}", sleep=lambda s: None)


def test_retry_after_as_an_http_date():
    now = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=3), usegmt=True)
    assert _retry_after(header, now=now) == 3
    assert _retry_after("soon", now=now) is None
    assert _retry_after("5") == 5


def test_malformed_values_are_left_empty():
    record = to_record(
        api_result(
            SIREN,
            date_creation="01/09/2022",
            tranche_effectif_salarie="XX",
            categorie_entreprise=None,
            etat_administratif="C",
            siege={"siret": OTHER + "00012", "code_postal": "20200", "commune": None},
        )
    )
    assert (record.creation_date, record.size_band, record.category) == (None, "", "")
    assert record.head_office_siret == ""  # another company's SIRET is not this head office
    assert record.departement == "2B"  # from the postcode when the API gives none
    assert record.active is False
