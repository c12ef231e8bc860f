"""Bad data at the edges (issue 8 item 5).

Each importer (`plania import_sirene`, the bank statement import, `plania load_plan`,
`plania simulate`) is given a truncated file, Latin-1 bytes where UTF-8 is expected, the
wrong separator and a file claiming an absurd size. Each must stop with a message that
says what is wrong and how to fix it (naming the file, and the line when there is one),
leave the database exactly as it was (every table, row by row, and no INSERT, UPDATE or
DELETE even tried), and give up quickly: sizes are checked before the file is read.

The matrix is `CASES`, importer x case, run by `test_bad_file_is_refused_and_nothing_changes`
(test ids `importer-case-shape`); a case may take several shapes (a CSV cut in the middle
of a row, and one cut inside a quoted field). Each builder's docstring says why that shape
fits that format. Before each bad file, the database holds what the import would change
(SIRENE units, an award being repaid, the loaded plan), and the bad file starts with good
records that would be written if the importer wrote as it read.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from plania import config
from plania.accounts.services import api_token_create
from plania.awards.services import AwardError
from plania.companies.models import SireneUnit
from plania.companies.sirene import (
    ESTABLISHMENT_COLUMNS,
    UNIT_COLUMNS,
    check_stock,
    establishment_row,
    generate_sample,
    head_office_siret,
    sample_siren,
    unit_row,
    write_stock,
)
from plania.config import Environment
from plania.ledger.plan_load import plan_load
from plania.repayments import statements as repayments_statements
from plania.repayments.enums import LineStatus
from plania.repayments.models import Repayment
from plania.rules.simulate import COLUMNS as SIMULATION_COLUMNS
from plania.rules.simulate import synthetic_applications
from plania.schemes.simulate_cli import SimulateError
from plania.schemes.simulate_cli import build_parser as simulate_parser
from plania.schemes.simulate_cli import run as simulate_run
from tests.awards.flows import in_repayment
from tests.plans.test_loader import OCCITANIE
from tests.processes import child_env, database_url
from tests.security.otp import otp_force_login

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# Every refusal, the absurd sizes included, within this (on the 2-core reference machine
# they take milliseconds; reading any of the claimed files would take minutes or hours).
QUICK_S = 5.0
WRITES = ("INSERT", "UPDATE", "DELETE")


# The API token's "last used" time, which any authenticated API call moves, and the API's
# rate-limit counter (plania.security.ratelimit), which every API call moves.
API_BOOKKEEPING = ("accounts_apitoken", "security_ratecounter")


def database_state(ignore: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the project (sessions aside), in primary key order."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in ("django_session", *ignore):
            continue
        state[meta.db_table] = list(model._base_manager.order_by("pk").values_list())
    return state


@dataclass
class Bad:
    """A bad file (a path, or the bytes of an upload) and what the refusal must say."""

    data: Path | bytes
    expect: list[str]
    expect_web: list[str] | None = None  # the upload page, when it refuses before the service


@dataclass
class Case:
    importer: str
    case: str  # truncated, latin1, delimiter, huge
    shape: str
    build: Callable[[Path, dict[str, Any]], Bad]

    @property
    def id(self) -> str:
        return f"{self.importer}-{self.case}-{self.shape}"


def sparse(path: Path, head: bytes, size: int) -> Path:
    """A file of `size` bytes that starts with `head` and takes no disk space after it."""
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path


def line_and_column(data: bytes, index: int) -> tuple[int, int]:
    start = data.rfind(b"\n", 0, index) + 1
    return data.count(b"\n", 0, index) + 1, index - start + 1


# -- SIRENE (`plania import_sirene`) ----------------------------------------------------

S1, S2 = sample_siren(0, seed=88), sample_siren(1, seed=88)
NEW = [sample_siren(i, seed=88) for i in range(2, 7)]


def sirene_setup(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """The store holds S1 and S2 (and S1's head office) from last month's files."""
    units = write_stock(tmp_path / "last-ul.csv", [unit_row(S1), unit_row(S2)])
    sites = write_stock(
        tmp_path / "last-et.csv",
        [establishment_row(head_office_siret(S1))],
        columns=ESTABLISHMENT_COLUMNS,
    )
    call_command(
        "import_sirene", str(units), establishments=str(sites), stdout=StringIO(), stderr=StringIO()
    )
    assert SireneUnit.objects.count() == 2
    return {}


def sirene_refuse(bad: Bad, ctx: dict[str, Any]) -> str:
    # Batches of one: a reader that wrote as it read would have written the good rows.
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_sirene", str(bad.data), batch_size=1, stdout=StringIO(), stderr=StringIO()
        )
    return str(exc.value)


def good_units() -> list[dict[str, str]]:
    """This month's rows: S1 renamed, five new units."""
    return [unit_row(S1, denominationUniteLegale="NOUVEAU NOM"), *(unit_row(s) for s in NEW)]


def sirene_cut_row(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """A download cut in the middle of the last row: fewer fields and no line break. The
    rows before it are good; the store must not get them (nor half of the last one)."""
    path = write_stock(tmp_path / "StockUniteLegale_utf8.csv", good_units())
    data = path.read_bytes()
    last = data[:-1].rsplit(b"\n", 1)[1]
    path.write_bytes(data[: len(data) - 1 - len(last) // 2])
    line = len(good_units()) + 1
    return Bad(
        path,
        [
            str(path),
            f"line {line}: the file ends in the middle of a record",
            f"of {len(UNIT_COLUMNS)} fields, and no line break after it",
            "download it again",
            "Nothing was imported: the store is as it was.",
        ],
    )


def sirene_cut_quote(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """Cut inside a quoted field (a denomination with a comma): csv would take the rest of
    the file as the field's value; strict reading calls it a cut."""
    rows = [*good_units(), unit_row(sample_siren(9, seed=88), denominationUniteLegale="A, B")]
    path = write_stock(tmp_path / "StockUniteLegale_utf8.csv", rows)
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b'"A, B"') + 3])
    return Bad(
        path,
        [
            f"line {len(rows) + 1}: the file ends inside a quoted field",
            "cut short",
            "download it again",
            "Nothing was imported",
        ],
    )


def sirene_cut_zip(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """INSEE publishes zips: a zip cut short has no table of contents at its end, and is
    neither read as a CSV of binary garbage nor partly imported."""
    path = tmp_path / "StockUniteLegale_utf8.zip"
    generate_sample(units=2000, out=path, seed=5, use_zip=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return Bad(path, ["a zip whose end is missing", "download it again", "Nothing was imported"])


def sirene_damaged_zip(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """A zip whose table of contents is whole but whose compressed data is damaged in the
    middle (a bad copy): it inflates to garbage, found before any row is written."""
    path = tmp_path / "StockUniteLegale_utf8.zip"
    generate_sample(units=2000, out=path, seed=5, use_zip=True)
    info = zipfile.ZipFile(path).infolist()[0]
    data = bytearray(path.read_bytes())
    middle = info.header_offset + 30 + len(info.filename) + 20 + info.compress_size // 2
    for i in range(middle, middle + 64):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    # zlib may also refuse the data outright ("damaged or incomplete"): same words.
    return Bad(path, ["the zip is damaged", "download it again", "Nothing was imported"])


def sirene_latin1(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """Good UTF-8 rows, then one saved as Latin-1 ("CÉVENNES" with É as 0xC9): refused
    with its line, although the rows before it are good and would fill several batches."""
    path = write_stock(tmp_path / "StockUniteLegale_utf8.csv", good_units())
    extra = write_stock(
        tmp_path / "one.csv",
        [unit_row(sample_siren(9, seed=88), denominationUniteLegale="CÉVENNES")],
    )
    row = extra.read_text(encoding="utf-8").split("\n", 1)[1]
    path.write_bytes(path.read_bytes() + row.encode("latin-1"))
    column = row.index("É") + 1
    return Bad(
        path,
        [
            f"line {len(good_units()) + 2} is not UTF-8 (byte 0xC9 at column {column})",
            "INSEE's files are UTF-8",
            "iconv -f WINDOWS-1252 -t UTF-8",
            "Nothing was imported",
        ],
    )


def sirene_delimiter(separator: str, label: str) -> Callable[[Path, dict[str, Any]], Bad]:
    def build(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
        """INSEE's files are comma-separated; a semicolon or tab file (a spreadsheet's
        export) has one column: the header check names the separator, before any row."""
        path = tmp_path / "StockUniteLegale_utf8.csv"
        lines = [separator.join(UNIT_COLUMNS)]
        lines += [separator.join(row.get(c, "") for c in UNIT_COLUMNS) for row in good_units()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return Bad(
            path,
            [
                "not a StockUniteLegale file: the header reads as one column; the separator "
                f"must be a comma, as in INSEE's files (this file uses {label})",
                "export it again as comma-separated CSV",
                "Nothing was imported",
            ],
        )

    return build


def sirene_huge_file(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """A CSV of 10^9 rows (300 GB at INSEE's ~300 bytes a row), sparse: a good header and
    row, then zeros. Refused by its size (above PLANIA_SIRENE_MAX_BYTES, 32 GiB) before
    a row is read."""
    head = write_stock(tmp_path / "head.csv", good_units()).read_bytes()
    path = sparse(tmp_path / "StockUniteLegale_utf8.csv", head, 300 * 10**9)
    return Bad(
        path,
        [
            "the file weighs 300,000,000,000 bytes (279.4 GiB), above the limit of "
            "34,359,738,368 bytes (32.0 GiB) (PLANIA_SIRENE_MAX_BYTES)",
            "check that it is the right file. Nothing was imported: the store is as it was.",
        ],
    )


def sirene_huge_zip(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """A small zip whose header declares its CSV at 10^12 bytes uncompressed (a zip bomb's
    claim): refused on the declared size, before anything is inflated. zipfile never
    yields more than the declared size, so the declaration is a true bound."""
    path = tmp_path / "StockUniteLegale_utf8.zip"
    rows = write_stock(tmp_path / "rows.csv", good_units()).read_bytes()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("StockUniteLegale_utf8.csv", rows)
        archive.filelist[0].file_size = 10**12  # written in the table of contents (zip64)
    assert zipfile.ZipFile(path).infolist()[0].file_size == 10**12
    return Bad(
        path,
        [
            "the zip declares StockUniteLegale_utf8.csv at 1,000,000,000,000 bytes",
            "uncompressed, above the limit",
            "Nothing was imported",
        ],
    )


# -- Bank statements (awards: `bank_statement_import`, and its upload page) -------------

STATEMENT = "releve-juillet.csv"


def statement_setup(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """An award of 150,000 whose 100,000 advance is paid, waiting for its repayments."""
    staff = request.getfixturevalue("staff")
    _user, award = in_repayment(staff)
    return {"staff": staff, "award": award, "reference": award.reference}


def statement_refuse(bad: Bad, ctx: dict[str, Any]) -> str:
    with pytest.raises(AwardError) as exc:
        repayments_statements.bank_statement_import(
            file_name=STATEMENT, content=bad.data, actor=ctx["staff"].finance
        )
    return exc.value.message


def statement_head(ctx: dict[str, Any]) -> str:
    """The header and a line that would become a repayment of 5,000."""
    return f"date;amount;reference;label\n2027-10-01;5000,00;{ctx['reference']};VIR GARONNE\n"


def statement_cut_row(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """Cut in the middle of line 3's reference: read as it came, "AID-...-1" of
    "AID-...-12" could credit another award. Fewer fields, no line break: refused."""
    content = statement_head(ctx) + f"2027-10-02;2500,00;{ctx['reference'][:-3]}"
    return Bad(
        content.encode(),
        [
            f"Le relevé « {STATEMENT} » s'arrête au milieu de la ligne 3 : il semble tronqué.",
            "Exportez-le à nouveau depuis la banque",
            "Rien n'a été enregistré.",
        ],
    )


def statement_cut_quote(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """Cut inside a quoted label (banks quote labels holding the separator)."""
    content = statement_head(ctx) + f'2027-10-02;2500,00;{ctx["reference"]};"VIR; GARO'
    return Bad(content.encode(), [f"« {STATEMENT} » s'arrête au milieu de la ligne 3"])


def statement_latin1(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """A bank's export in Windows-1252 ("échéance" with é as 0xE9): refused rather than
    stored with replacement characters."""
    content = statement_head(ctx) + f"2027-10-02;2500,00;{ctx['reference']};Avance échéance\n"
    return Bad(
        content.encode("latin-1"),
        [
            f"Le relevé « {STATEMENT} » n'est pas en UTF-8 (ligne 3, octet 0xE9",
            "Enregistrez-le au format « CSV UTF-8 » puis importez-le à nouveau.",
            "Rien n'a été enregistré.",
        ],
    )


def statement_comma(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """Comma-separated, with French decimal commas not quoted: "5000,00" splits into two
    columns and every field after it shifts (the reference would be read as the label).
    Refused with the line and the likely cause."""
    content = f"date,amount,reference,label\n2027-10-01,5000,00,{ctx['reference']},VIR\n"
    return Bad(
        content.encode(),
        [
            f"Ligne 2 du relevé « {STATEMENT} » : 5 colonnes, alors que l'en-tête en a 4.",
            "Vérifiez le séparateur",
            "Rien n'a été enregistré.",
        ],
    )


def statement_pipe(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """A separator that is none of the three a bank uses (;, tab, comma)."""
    content = f"date|amount|reference|label\n2027-10-01|5000.00|{ctx['reference']}|VIR\n"
    return Bad(
        content.encode(),
        [
            f"La première ligne du relevé « {STATEMENT} » (« date|amount|reference|label »)",
            "n'a qu'une colonne : séparez les colonnes date, amount, reference, label par des "
            "points-virgules, des tabulations ou des virgules.",
        ],
    )


def statement_huge_bytes(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """Far over the 5 MB a statement may weigh (PLANIA_STATEMENT_MAX_BYTES): refused on
    its length, before a byte is decoded. The upload page and the API refuse it on the
    upload's size, before reading it into memory, with the same message."""
    row = f"2027-10-01;0,01;{ctx['reference']};VIR\n".encode()
    content = statement_head(ctx).encode() + row * (6 * 1024 * 1024 // len(row))
    return Bad(
        content,
        [f"Le relevé « {STATEMENT} » pèse 6,0\xa0Mio, au-delà des 5,0\xa0Mio acceptés"],
    )


def statement_huge_lines(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """A statement under 5 MB claiming 250,000 lines (a year of a busy account, or a
    loop in an export), each of which would cost queries: refused on the count of line
    breaks (PLANIA_STATEMENT_MAX_LINES, 20,000), counted on the bytes before parsing."""
    row = b"2027-10-01;0,01;X;Y\n"
    content = statement_head(ctx).encode() + row * 250_000
    return Bad(
        content,
        [
            f"Le relevé « {STATEMENT} » compte 250001 lignes, au-delà des 20000 acceptées",
            "importez-le en plusieurs fichiers",
        ],
    )


# -- Plan files (`plania load_plan`) ----------------------------------------------------


def plan_setup(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """The shipped plan is loaded; the bad files are its next revision (R&D at 17M)."""
    plan_load(path=OCCITANIE)
    return {}


def plan_refuse(bad: Bad, ctx: dict[str, Any]) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("load_plan", str(bad.data), stdout=StringIO())
    return str(exc.value)


def revised_plan() -> str:
    text = OCCITANIE.read_text(encoding="utf-8")
    assert "amount: 18000000" in text
    return text.replace("amount: 18000000", "amount: 17000000", 1)


def plan_cut_value(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """Cut inside a quoted sentence, past the middle of the file: YAML that stops in the
    middle of a value."""
    text = revised_plan()
    cut = text.index('quote: "', len(text) // 2) + 20
    path = tmp_path / "plan.yaml"
    path.write_text(text[:cut], encoding="utf-8")
    line = text.count("\n", 0, cut) + 1
    return Bad(
        path,
        [
            "refused, nothing was loaded from this file",
            f"plan.yaml: line {line}, column",
            "the file ends in the middle of a value",
            "or the file was cut short; copy or download it whole",
        ],
    )


def plan_cut_line(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """Cut in the middle of axis 3's budget line ("amount: 14" of 14000000): still valid
    YAML; validation fails, and the missing line break says why."""
    text = revised_plan()
    cut = text.index("amount: 14000000") + len("amount: 14")
    path = tmp_path / "plan.yaml"
    path.write_text(text[:cut], encoding="utf-8")
    line = text.count("\n", 0, cut) + 1
    return Bad(
        path,
        [
            "plan.yaml: axes[2].budget.source: this field is required",
            f"plan.yaml: line {line}: the file does not end with a line break: it may have "
            "been cut short",
        ],
    )


def plan_cut_at_a_value_end(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """Cut at the end of a line's value, before its line break: a valid plan, whose
    context figures after the cut are gone. Only the missing line break tells: a plan
    file must end with one."""
    text = revised_plan()
    cut = text.index("\n", text.index("context:") + 200)
    path = tmp_path / "plan.yaml"
    path.write_text(text[:cut], encoding="utf-8")
    return Bad(
        path,
        [
            f"plan.yaml: line {text.count(chr(10), 0, cut) + 1}: the file does not end with "
            "a line break",
            "if its last line is complete, add a line break after it",
        ],
    )


def plan_latin1(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """The plan saved as Latin-1 (é as 0xE9): refused with the line and column of the
    first byte that is not UTF-8."""
    data = revised_plan().encode("latin-1", errors="replace")
    line, column = line_and_column(data, next(i for i, b in enumerate(data) if b > 0x7F))
    path = tmp_path / "plan.yaml"
    path.write_bytes(data)
    return Bad(
        path,
        [
            f"plan.yaml: line {line}, column {column}: byte 0x",
            "is not UTF-8",
            "save it as UTF-8 and load it again",
        ],
    )


def plan_tab(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """YAML has no field separator; its structure is indentation, by spaces only. The
    wrong separator there is a tab (a line re-indented by an editor)."""
    lines = revised_plan().split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith("  - number: 2"))
    lines[number + 1] = "\t" + lines[number + 1].lstrip(" ")
    path = tmp_path / "plan.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return Bad(
        path,
        [
            f"plan.yaml: line {number + 2}, column 1: not valid YAML: a tab character",
            "YAML indents with spaces, never tabs",
        ],
    )


BILLION_LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}' if prev else 'lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def plan_alias_bomb(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """YAML's billion-row claim: nine aliases of nine aliases... (380 bytes) expand to
    9^9 = 387,420,489 values. The node graph is small, but validating it would walk every
    value: refused on the counted expansion (PLANIA_PLAN_FILE_MAX_NODES, 100,000)."""
    path = tmp_path / "plan.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    assert len(BILLION_LAUGHS) < 400
    return Bad(
        path,
        [
            "plan.yaml: (document): the document expands to more than 100,000 values through "
            "its YAML aliases",
            "write the values out",
        ],
    )


def plan_huge_file(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """A 10 GB plan file (sparse): refused on its size (PLANIA_PLAN_FILE_MAX_BYTES, 1 MiB)
    before it is read."""
    path = sparse(tmp_path / "plan.yaml", revised_plan().encode(), 10 * 10**9)
    return Bad(
        path,
        [
            "the file weighs 10,000,000,000 bytes, above the limit of 1,048,576 "
            "(PLANIA_PLAN_FILE_MAX_BYTES)",
        ],
    )


# -- Simulation input (`plania simulate`) -----------------------------------------------


def simulate_setup(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """No database: the simulation writes nothing but its --output file."""
    return {"output": tmp_path / "per_row.csv", "request": request}


def simulate_refuse(bad: Bad, ctx: dict[str, Any]) -> str:
    args = ["startup-industrie-demain", "--at", "2025-06-01", "--applications", str(bad.data)]
    args += ["--output", str(ctx["output"]), "--no-progress"]
    with pytest.raises(SimulateError) as exc:
        simulate_run(
            simulate_parser().parse_args(args),
            stdout=StringIO(),
            stderr=StringIO(),
            limits=Environment(),  # read now: a case sets PLANIA_SIMULATE_MAX_BYTES
        )
    assert not ctx["output"].exists()  # no half-written results
    return str(exc.value)


def applications(tmp_path: Path, rows: int = 50) -> Path:
    path = tmp_path / "applications.csv"
    synthetic_applications(rows, seed=3).write_csv(path)
    return path


def simulate_cut_row(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """Cut in the middle of the last row: polars would read its missing cells as empty
    ("unknown") and a cut amount ("150000" -> "15") as a value."""
    path = applications(tmp_path)
    data = path.read_bytes()
    last = data[:-1].rsplit(b"\n", 1)[1]
    path.write_bytes(data[: len(data) - 1 - len(last) // 2])
    return Bad(
        path,
        [
            f"{path}: ligne/line 51: le fichier s'arrête au milieu d'une ligne / the file "
            "ends in the middle of a row",
            "fichier tronqué, exportez-le à nouveau / the file was cut short, export it again",
        ],
    )


def simulate_cut_quote(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """Cut inside a quoted identifier."""
    path = applications(tmp_path)
    path.write_bytes(path.read_bytes() + b'"DOSSIER, 51')
    return Bad(path, ["ligne/line 52", "(guillemet ouvert / open quote)"])


def simulate_latin1(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """An identifier saved as Latin-1 on row 20 (line 21)."""
    path = applications(tmp_path)
    lines = path.read_bytes().split(b"\n")
    lines[21] = "DOSSIER-É".encode("latin-1") + lines[21][lines[21].index(b",") :]
    path.write_bytes(b"\n".join(lines))
    return Bad(
        path,
        [
            f"{path}: ligne/line 22, colonne/column 9: pas en UTF-8 / not UTF-8 (octet/byte 0xC9",
            "enregistrez-le en UTF-8 / save it as UTF-8",
        ],
    )


def simulate_separator(separator: str, label: str) -> Callable[[Path, dict[str, Any]], Bad]:
    def build(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
        """A spreadsheet's French export: semicolons (or tabs) instead of commas. polars
        would read one column named after the whole header."""
        path = tmp_path / "applications.csv"
        synthetic_applications(50, seed=3).write_csv(path, separator=separator)
        return Bad(
            path,
            [
                f"{path}: ligne/line 1: séparateur / separator {label} au lieu de la virgule / "
                "instead of a comma",
                "save it as comma-separated CSV",
            ],
        )

    return build


def simulate_decimal_comma(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """The reverse: commas are the separator, and one amount has a French decimal comma
    ("50000,5"), which makes a thirteenth field on line 11."""
    path = applications(tmp_path)
    frame = pl.read_csv(path, infer_schema=False)
    lines = path.read_text(encoding="utf-8").split("\n")
    cells = lines[10].split(",")
    cells[frame.columns.index("requested_eur")] += ",5"
    lines[10] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    return Bad(
        path,
        [
            f"{path}: ligne/line 11: 13 champs/fields, l'en-tête en a / the header has 12",
            "vérifiez le séparateur et les guillemets / check the separator and the quotes",
        ],
    )


def simulate_huge_file(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """10^9 applications (100 GB at ~100 bytes a row), sparse: refused on its size
    (PLANIA_SIMULATE_MAX_BYTES, 1 GiB) before polars maps a byte of it."""
    head = applications(tmp_path).read_bytes()
    path = sparse(tmp_path / "billion.csv", head, 100 * 10**9)
    return Bad(
        path,
        [
            f"{path}: fichier trop gros / file too large: 100,000,000,000 octets/bytes, "
            "limite/limit 1,073,741,824 (PLANIA_SIMULATE_MAX_BYTES)",
        ],
    )


def simulate_endless_stream(tmp_path: Path, ctx: dict[str, Any]) -> Bad:
    """A named pipe fed by a generator of 10^9 rows (no size to check up front): read up
    to the limit (here PLANIA_SIMULATE_MAX_BYTES=1000000) and no further."""
    request: pytest.FixtureRequest = ctx["request"]
    request.getfixturevalue("monkeypatch").setenv("PLANIA_SIMULATE_MAX_BYTES", "1000000")
    path = tmp_path / "applications.fifo"
    os.mkfifo(path)
    head = applications(tmp_path).read_bytes()
    row = head.split(b"\n")[1] + b"\n"
    written = {"bytes": 0}

    def feed() -> None:
        try:
            with open(path, "wb") as pipe:
                pipe.write(head)
                for _ in range(10**9):
                    pipe.write(row)
                    written["bytes"] += len(row)
        except (BrokenPipeError, OSError):
            pass  # the reader stopped: what this test wants

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()

    def stop() -> None:
        if writer.is_alive():  # never opened by the reader: let open() return
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            os.close(fd)
        writer.join(timeout=10)
        assert not writer.is_alive()
        assert written["bytes"] < 10 * 1_000_000  # the generator was not drained

    request.addfinalizer(stop)
    return Bad(
        path,
        [
            f"{path}: flux trop gros / stream too large: plus de / more than 1,000,000 "
            "octets/bytes (PLANIA_SIMULATE_MAX_BYTES)",
        ],
    )


# -- The matrix --------------------------------------------------------------------------

SETUP = {
    "sirene": (sirene_setup, sirene_refuse),
    "statement": (statement_setup, statement_refuse),
    "plan": (plan_setup, plan_refuse),
    "simulate": (simulate_setup, simulate_refuse),
}

CASES = [
    Case("sirene", "truncated", "row", sirene_cut_row),
    Case("sirene", "truncated", "quoted-field", sirene_cut_quote),
    Case("sirene", "truncated", "zip", sirene_cut_zip),
    Case("sirene", "truncated", "damaged-zip", sirene_damaged_zip),
    Case("sirene", "latin1", "last-row", sirene_latin1),
    Case("sirene", "delimiter", "semicolon", sirene_delimiter(";", "semicolons")),
    Case("sirene", "delimiter", "tab", sirene_delimiter("\t", "tabs")),
    Case("sirene", "huge", "sparse-300GB", sirene_huge_file),
    Case("sirene", "huge", "zip-declares-1TB", sirene_huge_zip),
    Case("statement", "truncated", "row", statement_cut_row),
    Case("statement", "truncated", "quoted-field", statement_cut_quote),
    Case("statement", "latin1", "windows-export", statement_latin1),
    Case("statement", "delimiter", "comma-and-decimal-comma", statement_comma),
    Case("statement", "delimiter", "pipe", statement_pipe),
    Case("statement", "huge", "6MB", statement_huge_bytes),
    Case("statement", "huge", "250k-lines", statement_huge_lines),
    Case("plan", "truncated", "in-a-quoted-value", plan_cut_value),
    Case("plan", "truncated", "mid-line", plan_cut_line),
    Case("plan", "truncated", "no-final-line-break", plan_cut_at_a_value_end),
    Case("plan", "latin1", "whole-file", plan_latin1),
    Case("plan", "delimiter", "tab-indent", plan_tab),
    Case("plan", "huge", "alias-bomb", plan_alias_bomb),
    Case("plan", "huge", "sparse-10GB", plan_huge_file),
    Case("simulate", "truncated", "row", simulate_cut_row),
    Case("simulate", "truncated", "quoted-field", simulate_cut_quote),
    Case("simulate", "latin1", "one-cell", simulate_latin1),
    Case("simulate", "delimiter", "semicolon", simulate_separator(";", "';'")),
    Case("simulate", "delimiter", "tab", simulate_separator("\t", "tab")),
    Case("simulate", "delimiter", "decimal-comma", simulate_decimal_comma),
    Case("simulate", "huge", "sparse-100GB", simulate_huge_file),
    Case("simulate", "huge", "endless-pipe", simulate_endless_stream),
]


def test_the_matrix_is_complete():
    """Every importer meets every case."""
    cells = {(c.importer, c.case) for c in CASES}
    assert cells == {(i, c) for i in SETUP for c in ("truncated", "latin1", "delimiter", "huge")}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_file_is_refused_and_nothing_changes(
    case: Case, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    setup, refuse = SETUP[case.importer]
    ctx = setup(request, tmp_path)
    bad = case.build(tmp_path, ctx)
    before = database_state()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        message = refuse(bad, ctx)
    elapsed = time.perf_counter() - started
    for fragment in bad.expect:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert "Traceback" not in message
    tried = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert tried == []
    assert database_state() == before
    assert elapsed < QUICK_S
    if isinstance(bad.data, Path) and bad.data.is_file() and bad.data.stat().st_size > 10**9:
        bad.data.unlink()  # sparse, it takes no room; but tools that sum sizes would balk


STATEMENT_CASES = [c for c in CASES if c.importer == "statement"]


@pytest.mark.parametrize("case", STATEMENT_CASES, ids=[c.id for c in STATEMENT_CASES])
def test_statement_upload_page_says_why_and_keeps_nothing(
    case: Case, client: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    ctx = statement_setup(request, tmp_path)
    bad = case.build(tmp_path, ctx)
    assert isinstance(bad.data, bytes)
    otp_force_login(client, ctx["staff"].finance)
    before = database_state()
    response = client.post(
        reverse("web:bank_statement"),
        {"file": SimpleUploadedFile(STATEMENT, bad.data, content_type="text/csv")},
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for fragment in bad.expect_web or bad.expect:
        assert fragment in page, fragment
    assert 'id="result"' not in page  # no "n lines read" summary
    assert database_state() == before


@pytest.mark.parametrize("case", STATEMENT_CASES, ids=[c.id for c in STATEMENT_CASES])
def test_statement_api_says_why_and_keeps_nothing(
    case: Case, client: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The API's upload (`POST /api/v1/awards/bank-statements`): a 422 with the message."""
    ctx = statement_setup(request, tmp_path)
    bad = case.build(tmp_path, ctx)
    assert isinstance(bad.data, bytes)
    _token, plaintext = api_token_create(user=ctx["staff"].finance, name="test")
    before = database_state(ignore=API_BOOKKEEPING)
    response = client.post(
        "/api/v1/awards/bank-statements",
        {"file": SimpleUploadedFile(STATEMENT, bad.data, content_type="text/csv")},
        HTTP_AUTHORIZATION=f"Bearer {plaintext}",
    )
    assert response.status_code == 422, response.content[:300]
    assert response.json()["code"] == "invalid"
    for fragment in bad.expect:
        assert fragment in response.json()["detail"]
    assert database_state(ignore=API_BOOKKEEPING) == before


@pytest.mark.parametrize(
    ("build", "english"),
    [
        (statement_huge_bytes, f"The statement “{STATEMENT}” weighs 6.0\xa0MB, above the"),
        (
            statement_latin1,
            f"The statement “{STATEMENT}” is not in UTF-8 (line 3, byte 0xE9",
        ),
    ],
    ids=["huge", "latin1"],
)
def test_statement_upload_page_speaks_the_users_language(
    build: Callable[[Path, dict[str, Any]], Bad],
    english: str,
    client: Any,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    ctx = statement_setup(request, tmp_path)
    bad = build(tmp_path, ctx)
    assert isinstance(bad.data, bytes)
    otp_force_login(client, ctx["staff"].finance)
    with translation.override("en"):
        url = reverse("web:bank_statement")
    assert url.startswith("/en/")
    response = client.post(
        url, {"file": SimpleUploadedFile(STATEMENT, bad.data, content_type="text/csv")}
    )
    assert english in html.unescape(response.content.decode())
    assert not Repayment.objects.filter(award=ctx["award"]).exists()


def test_the_statement_size_limit_from_the_environment_applies_to_the_page_and_the_api(
    client: Any, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: Any
) -> None:
    """PLANIA_STATEMENT_MAX_BYTES lowers the limit for the upload page and the API too
    (they check the upload's size before reading it)."""
    ctx = statement_setup(request, tmp_path)
    content = (statement_head(ctx) + f"2027-10-01;0,01;{ctx['reference']};VIR\n").encode()
    monkeypatch.setenv("PLANIA_STATEMENT_MAX_BYTES", str(len(content) - 1))
    limits = Environment()  # read now, as a process started with it would
    monkeypatch.setattr(config, "env", lambda: limits)

    def not_read(**kwargs: Any) -> None:
        raise AssertionError("the upload was read although its size is over the limit")

    monkeypatch.setattr(repayments_statements, "bank_statement_import", not_read)
    otp_force_login(client, ctx["staff"].finance)
    _token, plaintext = api_token_create(user=ctx["staff"].finance, name="test")
    before = database_state(ignore=API_BOOKKEEPING)
    page = client.post(
        reverse("web:bank_statement"),
        {"file": SimpleUploadedFile(STATEMENT, content, content_type="text/csv")},
    )
    assert f"Le relevé « {STATEMENT} » pèse" in html.unescape(page.content.decode())
    response = client.post(
        "/api/v1/awards/bank-statements",
        {"file": SimpleUploadedFile(STATEMENT, content, content_type="text/csv")},
        HTTP_AUTHORIZATION=f"Bearer {plaintext}",
    )
    assert response.status_code == 422
    assert f"Le relevé « {STATEMENT} » pèse" in response.json()["detail"]
    assert database_state(ignore=API_BOOKKEEPING) == before


def test_statement_last_line_without_line_break_is_listed_not_matched(staff):
    """A last line with all its fields but no line break may still be cut inside its last
    field (a reference quoted in the label, "...-12" cut to "...-1"). CSV allows a file
    without a final line break, so the file is not refused: that line is refused (listed
    with why), never matched; the lines before it are imported."""
    _user, award = in_repayment(staff)
    content = (
        f"date;amount;reference;label\n2027-10-01;5000,00;{award.reference};VIR\n"
        f"2027-10-02;2500,00;;Remboursement {award.reference}"
    )
    result = repayments_statements.bank_statement_import(
        file_name=STATEMENT, content=content.encode(), actor=staff.finance
    )
    assert [line.status for line in result.lines] == [LineStatus.MATCHED, LineStatus.REFUSED]
    assert "sans fin de ligne" in result.lines[1].message
    assert Repayment.objects.filter(award=award).count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", f"Le relevé « {STATEMENT} » est vide."),
        (b"\xef\xbb\xbf\r\n", f"Le relevé « {STATEMENT} » est vide."),
        (
            b'date;amount;reference;label\n2027-10-01;"5000"00;X;Y\n',
            f"Ligne 2 du relevé « {STATEMENT} » illisible (';' expected after '\"') : vérifiez "
            "les guillemets de cette ligne.",
        ),
        (
            b"date;montant;reference;label\n2027-10-01;5000;X;Y\n",
            "Colonnes attendues : date, amount, reference, label (manquantes : amount).",
        ),
    ],
    ids=["empty", "bom-only", "stray-quote", "missing-column"],
)
def test_statement_other_unusable_files(staff, content, message):
    before = database_state()
    with pytest.raises(AwardError) as exc:
        repayments_statements.bank_statement_import(
            file_name=STATEMENT, content=content, actor=staff.finance
        )
    assert message in exc.value.message
    assert database_state() == before


def test_sirene_checks_both_files_before_writing_either(tmp_path, request):
    """A good units file and a bad establishments file: the units are not written either
    (the store never holds this month's units beside last month's establishments)."""
    sirene_setup(request, tmp_path)
    units = write_stock(tmp_path / "ul.csv", good_units())
    sites = tmp_path / "et.csv"
    write_stock(sites, [establishment_row(head_office_siret(S1))], columns=ESTABLISHMENT_COLUMNS)
    sites.write_bytes(sites.read_bytes()[:-20])  # cut
    before = database_state()
    with pytest.raises(CommandError, match="et.csv: line 2: the file ends in the middle"):
        call_command(
            "import_sirene",
            str(units),
            establishments=str(sites),
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert database_state() == before
    assert SireneUnit.objects.get(siren=S1).denomination != "NOUVEAU NOM"


def test_sirene_check_pass_reads_in_bounded_memory(tmp_path):
    """The check pass streams: its peak memory on a 40,000-row file (about 6 MB) is a
    small fraction of the file, so 28 million rows take no more."""
    path = tmp_path / "ul.csv"
    generate_sample(units=40_000, out=path, seed=2)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        assert check_stock(path, "units") == 40_000
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 5_000_000
    assert peak < 1_000_000


BAD_LATIN1 = {
    "import_sirene": lambda p: p.write_bytes(
        (",".join(UNIT_COLUMNS) + "\n" + "É" + "," * (len(UNIT_COLUMNS) - 1) + "\n").encode(
            "latin-1"
        )
    ),
    "load_plan": lambda p: p.write_bytes(revised_plan().encode("latin-1", errors="replace")),
    "simulate": lambda p: p.write_bytes(
        (
            ",".join(SIMULATION_COLUMNS) + "\n" + "É" + "," * (len(SIMULATION_COLUMNS) - 1) + "\n"
        ).encode("latin-1")
    ),
}


@pytest.mark.parametrize("command", sorted(BAD_LATIN1))
def test_command_exits_non_zero_with_the_message_on_stderr_and_no_traceback(command, tmp_path):
    """Run as people run it (`plania COMMAND`, another process): exit status 1, the
    message on stderr, no traceback. The bad file is refused before the database is
    touched (the one given does not exist, so any query would fail)."""
    bad = tmp_path / "bad.csv"
    BAD_LATIN1[command](bad)
    args = {
        "import_sirene": [str(bad)],
        "load_plan": [str(bad)],
        "simulate": ["startup-industrie-demain", "--at", "2025-06-01", "--applications", str(bad)],
    }[command]
    env = child_env(DATABASE_URL=database_url().rsplit("/", 1)[0] + "/no_such_database")
    done = subprocess.run(
        [sys.executable, "-m", "plania", command, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("CommandError: ")
    assert str(bad) in done.stderr or "bad.csv" in done.stderr
    assert "UTF-8" in done.stderr
    assert done.stdout == ""
