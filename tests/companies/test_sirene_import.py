"""`plania import_sirene`: INSEE's stock files streamed into the store, upserting, with
every skipped row reported with its line and reason."""

import csv
import io
import json
import zipfile
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from plania.companies.models import SireneEstablishment, SireneUnit
from plania.companies.selectors import sirene_record
from plania.companies.sirene import (
    ESTABLISHMENT_COLUMNS,
    UNIT_COLUMNS,
    establishment_row,
    generate_sample,
    head_office_siret,
    read_units,
    sample_siren,
    unit_row,
    write_stock,
)
from plania.companies.sirene_import import sirene_import

pytestmark = pytest.mark.django_db

S1, S2, S3 = (sample_siren(i, seed=77) for i in range(3))


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def _import(*args: str, **options: object) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_sirene", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_generated_file_has_the_official_header_and_valid_numbers(tmp_path):
    units, sites = tmp_path / "ul.csv", tmp_path / "et.csv"
    generate_sample(units=200, out=units, establishments_out=sites, seed=3)
    with open(units, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == UNIT_COLUMNS
    assert len(rows) == 201
    with open(units, encoding="utf-8", newline="") as f:
        assert all(not hasattr(item, "reason") for item in read_units(f))
    with open(sites, encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert tuple(header) == ESTABLISHMENT_COLUMNS
    # Seeded: the same seed writes the same bytes.
    again = tmp_path / "again.csv"
    generate_sample(units=200, out=again, seed=3)
    assert again.read_bytes() == units.read_bytes()


def test_valid_rows_are_imported_field_by_field(tmp_path):
    path = write_stock(
        tmp_path / "ul.csv",
        [
            unit_row(
                S1,
                dateCreationUniteLegale="2019-06-01",
                denominationUniteLegale="NEURO GARONNE",
                categorieEntreprise="PME",
                activitePrincipaleUniteLegale="72.19Z",
                trancheEffectifsUniteLegale="12",
                categorieJuridiqueUniteLegale="5710",
            ),
            # An entrepreneur individuel: a name, no denomination, no creation date.
            unit_row(
                S2,
                dateCreationUniteLegale="",
                denominationUniteLegale="",
                nomUniteLegale="FABRE",
                prenom1UniteLegale="CAMILLE",
                prenomUsuelUniteLegale="Camille",
                categorieJuridiqueUniteLegale="1000",
                trancheEffectifsUniteLegale="NN",
                categorieEntreprise="",
            ),
            unit_row(S3, etatAdministratifUniteLegale="C"),
        ],
    )
    out, err = _import(str(path))
    assert "3 rows read, 3 imported (3 inserted, 0 updated), 0 skipped" in out
    assert err == ""
    unit = SireneUnit.objects.get(siren=S1)
    assert (unit.name, unit.creation_date, unit.naf_code, unit.size_band, unit.category) == (
        "NEURO GARONNE",
        date(2019, 6, 1),
        "72.19Z",
        "12",
        "PME",
    )
    assert unit.head_office_siret == head_office_siret(S1)
    person = SireneUnit.objects.get(siren=S2)
    assert (person.name, person.creation_date, person.legal_category) == (
        "Camille FABRE",
        None,
        "1000",
    )
    assert SireneUnit.objects.get(siren=S3).state == "C"


def test_reimport_updates_rows_in_place(tmp_path):
    first = write_stock(tmp_path / "a.csv", [unit_row(S1), unit_row(S2)])
    _import(str(first))
    second = write_stock(
        tmp_path / "b.csv",
        [
            unit_row(S1, denominationUniteLegale="NOUVEAU NOM", etatAdministratifUniteLegale="C"),
            unit_row(S3),
        ],
    )
    out, _ = _import(str(second))
    assert "2 rows read, 2 imported (1 inserted, 1 updated)" in out
    assert SireneUnit.objects.count() == 3
    unit = SireneUnit.objects.get(siren=S1)
    assert (unit.denomination, unit.state) == ("NOUVEAU NOM", "C")


def test_each_bad_row_is_skipped_with_its_line_and_reason(tmp_path):
    bad_check = _wrong_check_digit(S1)
    rows = [
        unit_row(S1),  # line 2: fine
        unit_row(bad_check),  # line 3: Luhn fails
        unit_row("12345678"),  # line 4: 8 digits
        unit_row(S2, dateCreationUniteLegale="2021-13-01"),  # line 5: no 13th month
        unit_row(S2, dateCreationUniteLegale="15/03/2021"),  # line 6: not ISO
        unit_row(S2, etatAdministratifUniteLegale="X"),  # line 7
        unit_row(S2, trancheEffectifsUniteLegale="99"),  # line 8
        unit_row(S2, categorieEntreprise="TPE"),  # line 9
        unit_row(S2, nicSiegeUniteLegale="12"),  # line 10
        unit_row(S3),  # line 11: fine, then repeated on line 12
        unit_row(S3, denominationUniteLegale="LA BONNE"),  # line 12
    ]
    path = write_stock(tmp_path / "ul.csv", rows)
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"{S2},O,only three fields\n")  # line 13
    report = tmp_path / "skipped.csv"
    out, err = _import(str(path), report=str(report))
    assert "12 rows read, 2 imported (2 inserted, 0 updated), 10 skipped" in out
    assert "(columns: 1, date: 2, duplicate: 1, siren: 2, state: 1, value: 3)" in out
    expected = [
        f"line 3 [{bad_check}]: SIREN {bad_check} fails its check digit (Luhn)",
        "line 4 [12345678]: SIREN '12345678' is not 9 digits",
        f"line 5 [{S2}]: dateCreationUniteLegale '2021-13-01' is not a date (YYYY-MM-DD)",
        f"line 6 [{S2}]: dateCreationUniteLegale '15/03/2021' is not a date",
        f"line 7 [{S2}]: etatAdministratifUniteLegale 'X' is not A or C",
        f"line 8 [{S2}]: trancheEffectifsUniteLegale '99' is not a known band",
        f"line 9 [{S2}]: categorieEntreprise 'TPE' is not PME, ETI or GE",
        f"line 10 [{S2}]: nicSiegeUniteLegale '12' is not 5 digits",
        f"line 11 [{S3}]: siren repeated on line 12; the later row is kept",
        f"line 13 [{S2}]: 3 fields where the header has {len(UNIT_COLUMNS)}",
    ]
    for message in expected:
        assert message in err
    assert SireneUnit.objects.get(siren=S3).denomination == "LA BONNE"
    assert not SireneUnit.objects.filter(siren=S2).exists()
    with open(report, encoding="utf-8", newline="") as f:
        reported = list(csv.DictReader(f))
    assert [(r["line"], r["reason"]) for r in reported] == [
        ("3", "siren"),
        ("4", "siren"),
        ("5", "date"),
        ("6", "date"),
        ("7", "state"),
        ("8", "value"),
        ("9", "value"),
        ("10", "value"),
        ("11", "duplicate"),
        ("13", "columns"),
    ]


def test_missing_columns_are_named_and_nothing_is_imported(tmp_path):
    columns = tuple(c for c in UNIT_COLUMNS if c not in {"siren", "nicSiegeUniteLegale"})
    path = write_stock(tmp_path / "ul.csv", [unit_row(S1)], columns=columns)
    with pytest.raises(CommandError) as exc:
        _import(str(path))
    assert "missing required column(s) siren, nicSiegeUniteLegale" in str(exc.value)
    assert SireneUnit.objects.count() == 0


def test_a_semicolon_file_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "ul.csv"
    path.write_text(";".join(UNIT_COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="the separator must be a comma"):
        _import(str(path))


def test_a_file_not_in_utf8_is_refused(tmp_path):
    path = write_stock(tmp_path / "ul.csv", [unit_row(S1, denominationUniteLegale="CÉVENNES")])
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        _import(str(path))


def test_a_bom_before_the_header_is_ignored(tmp_path):
    path = write_stock(tmp_path / "ul.csv", [unit_row(S1)])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    _import(str(path))
    assert SireneUnit.objects.filter(siren=S1).exists()


def test_zip_input_and_small_batches(tmp_path):
    units, sites = tmp_path / "StockUniteLegale.zip", tmp_path / "StockEtablissement.zip"
    generate_sample(units=120, out=units, establishments_out=sites, seed=9, use_zip=True)
    assert zipfile.is_zipfile(units)
    out, _ = _import(str(units), establishments=str(sites), batch_size=7, json=True)
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["units"]["read"] == summary["units"]["inserted"] == 120
    assert summary["establishments"]["skipped"] == 0
    assert SireneUnit.objects.count() == 120
    assert SireneEstablishment.objects.filter(is_head_office=True).count() == 120


def test_a_zip_without_exactly_one_csv_is_refused(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "siren\n")
        archive.writestr("b.csv", "siren\n")
    with pytest.raises(CommandError, match="exactly one .csv"):
        _import(str(path))


def test_establishments_give_the_head_office_address(tmp_path):
    moved = sample_siren(10, seed=77)
    units = write_stock(
        tmp_path / "ul.csv", [unit_row(S1), unit_row(S2), unit_row(moved), unit_row(S3)]
    )
    sites = write_stock(
        tmp_path / "et.csv",
        [
            # S1: a secondary establishment in Paris and its head office in Montpellier.
            establishment_row(
                head_office_siret(S1, 2),
                etablissementSiege="false",
                codePostalEtablissement="75011",
                codeCommuneEtablissement="75111",
            ),
            establishment_row(
                head_office_siret(S1),
                codePostalEtablissement="34000",
                codeCommuneEtablissement="34172",
            ),
            # S2: head office in Ajaccio (Corse-du-Sud).
            establishment_row(
                head_office_siret(S2),
                codePostalEtablissement="20000",
                codeCommuneEtablissement="2A004",
            ),
            # moved: the old head office is closed and no longer flagged; the new one is.
            establishment_row(
                head_office_siret(moved),
                etablissementSiege="false",
                etatAdministratifEtablissement="F",
                codePostalEtablissement="75011",
                codeCommuneEtablissement="75111",
            ),
            establishment_row(
                head_office_siret(moved, 3),
                codePostalEtablissement="97400",
                codeCommuneEtablissement="97411",
            ),
            # bad rows of the establishments file
            establishment_row(_wrong_check_digit(head_office_siret(S3))),
            establishment_row(head_office_siret(S3), siren=S1),
            establishment_row(head_office_siret(S3), etablissementSiege="oui"),
        ],
        columns=ESTABLISHMENT_COLUMNS,
    )
    out, err = _import(str(units), establishments=str(sites))
    assert "8 rows read, 5 imported (5 inserted, 0 updated), 3 skipped" in out
    assert f"SIRET {_wrong_check_digit(head_office_siret(S3))} fails its check digit" in err
    assert "etablissementSiege 'oui' is not true/false" in err
    assert f"siren '{S1}' is not the start of the SIRET" in err
    one = sirene_record(S1)
    assert (one.head_office_siret, one.postcode, one.departement) == (
        head_office_siret(S1),
        "34000",
        "34",
    )
    assert sirene_record(S2).departement == "2A"
    after_move = sirene_record(moved)
    assert (after_move.head_office_siret, after_move.departement) == (
        head_office_siret(moved, 3),
        "974",
    )
    # S3's establishments were all refused: identified without an address.
    three = sirene_record(S3)
    assert (three.postcode, three.departement) == ("", "")
    assert three.head_office_siret == head_office_siret(S3)


def test_the_service_streams_with_a_bounded_batch(tmp_path):
    path = tmp_path / "ul.csv"
    generate_sample(units=50, out=path, seed=1)
    seen: list[int] = []
    stats = sirene_import(path=path, kind="units", batch_size=20, on_progress=seen.append)
    assert seen == [20, 20, 10]
    assert (stats.read, stats.inserted, stats.updated, stats.skipped) == (50, 50, 0, 0)
    assert stats.rows_per_s > 0


def test_the_command_needs_a_file():
    with pytest.raises(CommandError, match="give a StockUniteLegale FILE"):
        _import()


def test_generate_command_writes_both_files(tmp_path):
    out = io.StringIO()
    call_command(
        "generate_sirene_sample",
        units=10,
        out=str(tmp_path / "ul.zip"),
        establishments=str(tmp_path / "et.zip"),
        zip=True,
        stdout=out,
    )
    assert "10 units written" in out.getvalue()
    _import(str(tmp_path / "ul.zip"), establishments=str(tmp_path / "et.zip"))
    assert SireneUnit.objects.count() == 10
