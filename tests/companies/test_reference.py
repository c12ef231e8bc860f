"""Départements from an address, and the reference files' contents."""

import pytest

from plania.companies.reference import departement_from, is_occitanie, occitanie, size_bands


@pytest.mark.parametrize(
    "commune, postcode, expected",
    [
        ("31555", "31000", "31"),
        ("09122", "09000", "09"),
        ("2A004", "20000", "2A"),
        ("2B033", "20200", "2B"),
        ("", "20090", "2A"),
        ("", "20167", "2A"),
        ("", "20200", "2B"),
        ("", "20600", "2B"),
        ("97411", "97400", "974"),
        ("", "97200", "972"),
        ("97611", "", "976"),
        ("75111", "75011", "75"),
        # The commune code wins over a CEDEX postcode across a border.
        ("31555", "82000", "31"),
        ("", "", ""),
        ("", "00100", ""),
        ("", "3100", ""),
        ("ABCDE", "", ""),
    ],
)
def test_departement_from(commune, postcode, expected):
    assert departement_from(commune=commune, postcode=postcode) == expected


def test_occitanie_and_size_bands():
    assert sorted(occitanie()) == [
        "09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82",
    ]  # fmt: skip
    assert is_occitanie("31") and not is_occitanie("75")
    assert size_bands()["NN"].startswith("Unité non employeuse")
    assert size_bands()["53"] == "10 000 salariés et plus"
