"""INSEE's SIRENE stock files: a streaming reader, and a generator of files in that format.

The files are StockUniteLegale (one row per legal unit, key `siren`) and StockEtablissement
(one row per establishment, key `siret`), published monthly by INSEE on data.gouv.fr as
a zip holding one UTF-8 CSV, comma-separated, with a header of the official column names
(`StockUniteLegale_utf8.csv`, about 28 million rows). The reader:

- takes the CSV or the zip (the zip is read member-wise, never extracted);
- refuses, before reading a row, a file (or a zip member, by the size its header
  declares) larger than `max_bytes()` (PLANIA_SIRENE_MAX_BYTES, 32 GiB by default);
- checks the header once: a missing required column is a `SireneFileError` naming it;
- yields one validated row (`UnitRow` / `EstablishmentRow`) or one `Skip` (line number,
  key, reason) per record, holding nothing else in memory;
- validates SIREN and SIRET with python-stdnum (Luhn; La Poste's SIRET rule included).

A bad *record* is a Skip; a bad *file* is a `SireneFileError` naming the line: bytes that
are not UTF-8, a quoted field or a last record cut short (a truncated download), a damaged
or incomplete zip. `check_stock` reads a whole file for those alone, without writing
anything, so that the import can refuse a bad file before it writes its first batch.

The generator writes files in exactly that format (official header, valid SIRENs and
SIRETs), seeded, streaming, for tests and for `bench/import_sirene.py`.

Nothing here imports Django: the bench generates its million rows without it.

Longer than the project's 600 lines on purpose: the reader and the generator of one file
format live together so that a change to the format changes both in one place, and the
tests check that the generator writes what the reader reads.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, TextIO

from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from plania.companies.reference import size_bands
from plania.config import env
from plania.core import tabular

# The official headers, in INSEE's order (StockUniteLegale and StockEtablissement, format
# of 2025 with the NAF 2025 columns). The generator writes them all; the reader needs only
# the REQUIRED ones and ignores the rest, so older files with fewer columns import too.
UNIT_COLUMNS: tuple[str, ...] = (
    "siren",
    "statutDiffusionUniteLegale",
    "unitePurgeeUniteLegale",
    "dateCreationUniteLegale",
    "sigleUniteLegale",
    "sexeUniteLegale",
    "prenom1UniteLegale",
    "prenom2UniteLegale",
    "prenom3UniteLegale",
    "prenom4UniteLegale",
    "prenomUsuelUniteLegale",
    "pseudonymeUniteLegale",
    "identifiantAssociationUniteLegale",
    "trancheEffectifsUniteLegale",
    "anneeEffectifsUniteLegale",
    "dateDernierTraitementUniteLegale",
    "nombrePeriodesUniteLegale",
    "categorieEntreprise",
    "anneeCategorieEntreprise",
    "dateDebut",
    "etatAdministratifUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "denominationUniteLegale",
    "denominationUsuelle1UniteLegale",
    "denominationUsuelle2UniteLegale",
    "denominationUsuelle3UniteLegale",
    "categorieJuridiqueUniteLegale",
    "activitePrincipaleUniteLegale",
    "nomenclatureActivitePrincipaleUniteLegale",
    "nicSiegeUniteLegale",
    "economieSocialeSolidaireUniteLegale",
    "societeMissionUniteLegale",
    "caractereEmployeurUniteLegale",
    "activitePrincipaleNAF25UniteLegale",
)
UNIT_REQUIRED: tuple[str, ...] = (
    "siren",
    "dateCreationUniteLegale",
    "prenom1UniteLegale",
    "prenomUsuelUniteLegale",
    "trancheEffectifsUniteLegale",
    "categorieEntreprise",
    "etatAdministratifUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "denominationUniteLegale",
    "categorieJuridiqueUniteLegale",
    "activitePrincipaleUniteLegale",
    "nicSiegeUniteLegale",
)

ESTABLISHMENT_COLUMNS: tuple[str, ...] = (
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "trancheEffectifsEtablissement",
    "anneeEffectifsEtablissement",
    "activitePrincipaleRegistreMetiersEtablissement",
    "dateDernierTraitementEtablissement",
    "etablissementSiege",
    "nombrePeriodesEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "dernierNumeroVoieEtablissement",
    "indiceRepetitionDernierNumeroVoieEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement",
    "distributionSpecialeEtablissement",
    "codeCommuneEtablissement",
    "codeCedexEtablissement",
    "libelleCedexEtablissement",
    "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement",
    "identifiantAdresseEtablissement",
    "coordonneeLambertAbscisseEtablissement",
    "coordonneeLambertOrdonneeEtablissement",
    "complementAdresse2Etablissement",
    "numeroVoie2Etablissement",
    "indiceRepetition2Etablissement",
    "typeVoie2Etablissement",
    "libelleVoie2Etablissement",
    "codePostal2Etablissement",
    "libelleCommune2Etablissement",
    "libelleCommuneEtranger2Etablissement",
    "distributionSpeciale2Etablissement",
    "codeCommune2Etablissement",
    "codeCedex2Etablissement",
    "libelleCedex2Etablissement",
    "codePaysEtranger2Etablissement",
    "libellePaysEtranger2Etablissement",
    "dateDebut",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "enseigne2Etablissement",
    "enseigne3Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement",
    "activitePrincipaleNAF25Etablissement",
)
ESTABLISHMENT_REQUIRED: tuple[str, ...] = (
    "siren",
    "siret",
    "etablissementSiege",
    "codePostalEtablissement",
    "codeCommuneEtablissement",
    "etatAdministratifEtablissement",
)

UNIT_STATES = frozenset({"A", "C"})
ESTABLISHMENT_STATES = frozenset({"A", "F"})
CATEGORIES = frozenset({"", "PME", "ETI", "GE"})
# Widths of the columns the store keeps (models.SireneUnit); a longer value is a skip.
TEXT_LIMITS = {"denomination": 255, "last_name": 100, "usage_name": 100, "first_name": 100}


# INSEE's uncompressed stock files weigh a few GB each (StockEtablissement, the larger,
# under 10 GB in 2025). A file, or a zip member whose header declares an uncompressed size,
# above this is refused before a row is read: a "billion-row" file costs no time. Reading
# a zip member never yields more than the size its header declares (zipfile stops there,
# and the CRC check then fails), so the declared size is a true bound.
MAX_BYTES_ENV = "PLANIA_SIRENE_MAX_BYTES"


class SireneFileError(Exception):
    """The whole file cannot be read (missing columns, not a CSV, not UTF-8, empty zip,
    truncated, too large)."""


def max_bytes() -> int:
    """The largest file (or zip member, uncompressed) accepted: PLANIA_SIRENE_MAX_BYTES
    (read once with the environment, plania.config)."""
    return env().sirene_max_bytes


def _size(n: int) -> str:
    return f"{n:,} bytes ({n / 1024**3:.1f} GiB)"


@dataclass(frozen=True, slots=True)
class Skip:
    """A record left out, and why. `line` is the file's line where the record ends."""

    line: int
    key: str
    reason: str  # a short code: columns, siren, siret, date, state, value, duplicate
    message: str

    def __str__(self) -> str:
        key = f" [{self.key}]" if self.key else ""
        return f"line {self.line}{key}: {self.message}"


@dataclass(slots=True)
class UnitRow:
    line: int
    siren: str
    creation_date: date | None
    denomination: str
    last_name: str
    usage_name: str
    first_name: str
    category: str
    naf_code: str
    size_band: str
    state: str
    legal_category: str
    head_office_nic: str


@dataclass(slots=True)
class EstablishmentRow:
    line: int
    siret: str
    siren: str
    postcode: str
    commune_code: str
    is_head_office: bool
    state: str


# -- reading ---------------------------------------------------------------------------


@contextmanager
def open_stock(path: str | Path) -> Iterator[BinaryIO]:
    """A binary stream over the CSV, whether `path` is the CSV or a zip holding it.

    The size is checked first (the file's, or the member's declared uncompressed size).
    A file that starts like a zip but has no table of contents at its end is a zip cut
    short (an interrupted download), said so rather than read as a CSV.
    """
    path = Path(path)
    if not path.exists():
        raise SireneFileError("no such file")
    if not path.is_file():
        raise SireneFileError("not a regular file (a directory, a pipe?): give the CSV or the zip")
    limit = max_bytes()
    if zipfile.is_zipfile(path):
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SireneFileError(f"damaged zip ({exc}): download it again") from exc
        with archive:
            members = [
                m
                for m in archive.infolist()
                if not m.is_dir() and m.filename.lower().endswith(".csv")
            ]
            if len(members) != 1:
                names = ", ".join(m.filename for m in archive.infolist()) or "nothing"
                raise SireneFileError(f"the zip must hold exactly one .csv file (it holds {names})")
            member = members[0]
            if member.file_size > limit:
                raise SireneFileError(
                    f"the zip declares {member.filename} at {_size(member.file_size)} "
                    f"uncompressed, above the limit of {_size(limit)} ({MAX_BYTES_ENV}); "
                    "INSEE's stock files weigh a few GB, check that it is the right file"
                )
            with archive.open(member) as raw:
                yield raw
        return
    size = path.stat().st_size
    if size > limit:
        raise SireneFileError(
            f"the file weighs {_size(size)}, above the limit of {_size(limit)} "
            f"({MAX_BYTES_ENV}); INSEE's stock files weigh a few GB, check that it is the "
            "right file"
        )
    with open(path, "rb") as raw:
        if raw.read(4) == b"PK\x03\x04":
            raise SireneFileError(
                "a zip whose end is missing (no table of contents): the download was "
                "cut short; download it again"
            )
        raw.seek(0)
        yield raw


def _header(reader: _CsvRows, required: tuple[str, ...], what: str) -> tuple[dict[str, int], int]:
    """Column positions by name, and the number of columns a record must have."""
    try:
        header = next(reader)
    except StopIteration:
        raise SireneFileError(f"empty file: expected a {what} header line") from None
    header = [name.strip() for name in header]
    missing = [name for name in required if name not in header]
    if missing and len(header) == 1:
        for separator, label in ((";", "semicolons"), ("\t", "tabs")):
            if separator in header[0]:
                raise SireneFileError(
                    f"not a {what} file: the header reads as one column; the separator must "
                    f"be a comma, as in INSEE's files (this file uses {label}): export it "
                    "again as comma-separated CSV, or take INSEE's file as it is"
                )
    if missing:
        raise SireneFileError(
            f"not a {what} file: missing required column(s) {', '.join(missing)}; "
            f"the header has {len(header)} column(s)"
        )
    reader.width = len(header)
    return {name: i for i, name in enumerate(header)}, len(header)


def _date(value: str) -> date | None:
    """YYYY-MM-DD or empty (INSEE leaves some creation dates empty); ValueError otherwise."""
    if not value:
        return None
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise ValueError(value)
    return date.fromisoformat(value)


def check_siren(value: str) -> str | None:
    """None when `value` is a valid SIREN as INSEE writes it (9 digits), else why not."""
    if len(value) != 9 or not (value.isascii() and value.isdigit()):
        return f"SIREN {value!r} is not 9 digits"
    try:
        stdnum_siren.validate(value)
    except InvalidChecksum:
        return f"SIREN {value} fails its check digit (Luhn)"
    except ValidationError as exc:  # pragma: no cover - format checked above
        return f"SIREN {value} is invalid ({exc})"
    return None


def check_siret(value: str) -> str | None:
    if len(value) != 14 or not (value.isascii() and value.isdigit()):
        return f"SIRET {value!r} is not 14 digits"
    try:
        stdnum_siret.validate(value)
    except InvalidChecksum:
        return f"SIRET {value} fails its check digit (Luhn)"
    except ValidationError as exc:  # pragma: no cover - format checked above
        return f"SIRET {value} is invalid ({exc})"
    return None


def read_units(stream: TextIO | BinaryIO) -> Iterator[UnitRow | Skip]:
    """Validated StockUniteLegale rows, or a Skip for each record that is not."""
    rows_iter = _CsvRows(stream)
    col, width = _header(rows_iter, UNIT_REQUIRED, "StockUniteLegale")
    i_siren = col["siren"]
    i_date = col["dateCreationUniteLegale"]
    i_denom = col["denominationUniteLegale"]
    i_nom = col["nomUniteLegale"]
    i_usage = col["nomUsageUniteLegale"]
    i_prenom_usuel = col["prenomUsuelUniteLegale"]
    i_prenom1 = col["prenom1UniteLegale"]
    i_cat = col["categorieEntreprise"]
    i_naf = col["activitePrincipaleUniteLegale"]
    i_band = col["trancheEffectifsUniteLegale"]
    i_state = col["etatAdministratifUniteLegale"]
    i_legal = col["categorieJuridiqueUniteLegale"]
    i_nic = col["nicSiegeUniteLegale"]
    bands = frozenset(size_bands()) | {""}
    for row in rows_iter:
        line = rows_iter.line_num
        if len(row) != width:
            if not row:  # a blank line (e.g. at the very end): nothing to import
                continue
            yield Skip(
                line,
                row[0] if row else "",
                "columns",
                f"{len(row)} fields where the header has {width}",
            )
            continue
        siren = row[i_siren]
        problem = check_siren(siren)
        if problem:
            yield Skip(line, siren, "siren", problem)
            continue
        raw_date = row[i_date]
        try:
            created = _date(raw_date)
        except ValueError:
            yield Skip(
                line,
                siren,
                "date",
                f"dateCreationUniteLegale {raw_date!r} is not a date (YYYY-MM-DD)",
            )
            continue
        state = row[i_state]
        if state not in UNIT_STATES:
            yield Skip(
                line, siren, "state", f"etatAdministratifUniteLegale {state!r} is not A or C"
            )
            continue
        category = row[i_cat]
        if category not in CATEGORIES:
            yield Skip(
                line, siren, "value", f"categorieEntreprise {category!r} is not PME, ETI or GE"
            )
            continue
        band = row[i_band]
        if band not in bands:
            yield Skip(
                line, siren, "value", f"trancheEffectifsUniteLegale {band!r} is not a known band"
            )
            continue
        nic = row[i_nic]
        if nic and (len(nic) != 5 or not nic.isdigit()):
            yield Skip(line, siren, "value", f"nicSiegeUniteLegale {nic!r} is not 5 digits")
            continue
        naf = row[i_naf]
        legal = row[i_legal]
        if len(naf) > 6 or len(legal) > 4:
            yield Skip(
                line,
                siren,
                "value",
                f"activitePrincipaleUniteLegale {naf!r} or categorieJuridiqueUniteLegale "
                f"{legal!r} is too long",
            )
            continue
        unit = UnitRow(
            line=line,
            siren=siren,
            creation_date=created,
            denomination=row[i_denom],
            last_name=row[i_nom],
            usage_name=row[i_usage],
            first_name=row[i_prenom_usuel] or row[i_prenom1],
            category=category,
            naf_code=naf,
            size_band=band,
            state=state,
            legal_category=legal,
            head_office_nic=nic,
        )
        too_long = [f for f, limit in TEXT_LIMITS.items() if len(getattr(unit, f)) > limit]
        if too_long:
            yield Skip(line, siren, "value", f"{', '.join(too_long)} longer than the store keeps")
            continue
        yield unit


def read_establishments(stream: TextIO | BinaryIO) -> Iterator[EstablishmentRow | Skip]:
    """Validated StockEtablissement rows, or a Skip for each record that is not."""
    rows_iter = _CsvRows(stream)
    col, width = _header(rows_iter, ESTABLISHMENT_REQUIRED, "StockEtablissement")
    i_siren = col["siren"]
    i_siret = col["siret"]
    i_head = col["etablissementSiege"]
    i_postcode = col["codePostalEtablissement"]
    i_commune = col["codeCommuneEtablissement"]
    i_state = col["etatAdministratifEtablissement"]
    for row in rows_iter:
        line = rows_iter.line_num
        if len(row) != width:
            if not row:
                continue
            yield Skip(
                line,
                row[i_siret] if len(row) > i_siret else "",
                "columns",
                f"{len(row)} fields where the header has {width}",
            )
            continue
        siret = row[i_siret]
        problem = check_siret(siret)
        if problem:
            yield Skip(line, siret, "siret", problem)
            continue
        if row[i_siren] != siret[:9]:
            yield Skip(
                line, siret, "siren", f"siren {row[i_siren]!r} is not the start of the SIRET"
            )
            continue
        head = row[i_head].lower()
        if head not in {"true", "false"}:
            yield Skip(
                line, siret, "value", f"etablissementSiege {row[i_head]!r} is not true/false"
            )
            continue
        state = row[i_state]
        if state not in ESTABLISHMENT_STATES:
            yield Skip(
                line, siret, "state", f"etatAdministratifEtablissement {state!r} is not A or F"
            )
            continue
        postcode, commune = row[i_postcode], row[i_commune]
        if len(postcode) > 5 or len(commune) > 5:
            yield Skip(
                line,
                siret,
                "value",
                f"codePostalEtablissement {postcode!r} or codeCommuneEtablissement "
                f"{commune!r} is longer than 5 characters",
            )
            continue
        yield EstablishmentRow(
            line=line,
            siret=siret,
            siren=siret[:9],
            postcode=postcode,
            commune_code=commune,
            is_head_office=head == "true",
            state=state,
        )


def _ends_a_line(line: str | bytes) -> bool:
    return line[-1:] in ("\n", "\r", b"\n", b"\r")


class _CsvRows:
    """csv.reader with the file's errors turned into SireneFileError and the line number.

    Binary streams are decoded line by line, so that bytes which are not UTF-8 are named
    by their line; csv runs in strict mode, so that a quoted field still open at the end
    of the file (a cut) is an error, not a value. A record with the wrong number of fields
    is the readers' Skip, unless it is the last one and no line break ends it: then the
    file was cut in the middle of it.
    """

    def __init__(self, stream: TextIO | BinaryIO):
        self.width = 0  # set by _header
        self._last: str | bytes = "\n"
        self._lines_read = 0
        self._reader = csv.reader(self._lines(stream), strict=True)

    def _lines(self, stream: TextIO | BinaryIO) -> Iterator[str]:
        if isinstance(stream, io.TextIOBase):
            for line in stream:
                self._last = line
                yield line
            return
        number = 0
        try:
            for raw in stream:
                number += 1
                self._last = raw
                try:
                    # utf-8-sig on the first line: a BOM is not part of the first name.
                    yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    column = len(raw[: exc.start].decode("utf-8", errors="replace")) + 1
                    # Damaged deflate data inflates to garbage before the CRC (checked at
                    # the member's end) can tell: from a zip, both causes are possible.
                    cause = (
                        "the zip is damaged (download it again), or its CSV was saved in "
                        "another encoding (convert it: iconv -f WINDOWS-1252 -t UTF-8)"
                        if isinstance(stream, zipfile.ZipExtFile)
                        else "download the file again, or convert it (iconv -f "
                        "WINDOWS-1252 -t UTF-8)"
                    )
                    raise SireneFileError(
                        f"line {number} is not UTF-8 (byte 0x{raw[exc.start]:02X} at column "
                        f"{column}); INSEE's files are UTF-8: {cause}"
                    ) from exc
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise SireneFileError(
                f"the zip is damaged or incomplete after line {number} ({exc}): download it again"
            ) from exc

    @property
    def line_num(self) -> int:
        return self._reader.line_num

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def __next__(self) -> list[str]:
        try:
            row = next(self._reader)
        except UnicodeDecodeError as exc:
            raise SireneFileError(
                f"not UTF-8 after line {self._reader.line_num}: {exc.reason}; "
                "INSEE's files are UTF-8"
            ) from exc
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise SireneFileError(
                    f"line {self._reader.line_num}: the file ends inside a quoted field: "
                    "it was cut short (an interrupted download?); download it again"
                ) from exc
            raise SireneFileError(f"unreadable CSV at line {self._reader.line_num}: {exc}") from exc
        if self.width and row and len(row) != self.width and not _ends_a_line(self._last):
            raise SireneFileError(
                f"line {self._reader.line_num}: the file ends in the middle of a record "
                f"({len(row)} of {self.width} fields, and no line break after it): it was "
                "cut short (an interrupted download?); download it again"
            )
        return row


def check_stock(
    path: str | Path, kind: str, *, on_progress: Callable[[int], None] | None = None
) -> int:
    """Read the whole file for what would make it unusable (size, header, encoding, a cut,
    a damaged zip) without validating values nor writing anything; return its number of
    records. Streaming: memory is one line whatever the file's size."""
    required, what = _KINDS[kind]
    step = 100_000
    with open_stock(path) as stream:
        rows = _CsvRows(stream)
        _header(rows, required, what)
        count = 0
        for _row in rows:
            count += 1
            if on_progress is not None and count % step == 0:
                on_progress(step)
        if on_progress is not None:
            on_progress(count % step)
    return count


_KINDS = {
    "units": (UNIT_REQUIRED, "StockUniteLegale"),
    "establishments": (ESTABLISHMENT_REQUIRED, "StockEtablissement"),
}


# -- writing (tests, bench, demo) -------------------------------------------------------

# Real NAF codes of AI and deep-tech companies, and a few others.
_NAF = (
    "62.01Z",
    "62.02A",
    "62.09Z",
    "63.11Z",
    "72.19Z",
    "72.11Z",
    "58.29C",
    "70.22Z",
    "71.12B",
    "26.51B",
    "26.11Z",
    "32.50A",
    "46.51Z",
    "86.90F",
    "01.11Z",
)
_LEGAL = ("5710", "5710", "5720", "5499", "5599", "1000")
_WORDS = (
    "Neuro",
    "Occi",
    "Garonne",
    "Canal",
    "Pyrène",
    "Cévennes",
    "Data",
    "Quantum",
    "Vision",
    "Aéro",
    "Agri",
    "Hydro",
    "Méditerranée",
    "Tolosa",
    "Lauragais",
    "Causse",
)
_SUFFIX = ("IA", "Labs", "Systems", "Robotique", "Analytics", "Santé", "Tech", "Énergie")
_FIRST = ("Camille", "Dominique", "Claude", "Sacha", "Lou", "Maël", "Inès", "Jordi")
_LAST = ("Martin", "Garcia", "Roux", "Fabre", "Vidal", "Pujol", "Castan", "Bonnet")
# (postcode, commune) pairs: mostly Occitanie, and Corsica, overseas and Paris for the rest.
_PLACES = (
    ("31000", "31555"),
    ("31400", "31555"),
    ("31670", "31282"),
    ("34000", "34172"),
    ("34090", "34172"),
    ("30000", "30189"),
    ("66000", "66136"),
    ("81000", "81004"),
    ("82000", "82121"),
    ("65000", "65440"),
    ("12000", "12202"),
    ("11000", "11069"),
    ("09000", "09122"),
    ("46000", "46042"),
    ("48000", "48095"),
    ("32000", "32013"),
    ("75011", "75111"),
    ("69003", "69383"),
    ("20000", "2A004"),
    ("20200", "2B033"),
    ("97400", "97411"),
)
_BANDS = ("NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41")


def luhn_complete(prefix: str) -> str:
    """`prefix` followed by the Luhn check digit that makes it valid."""
    return prefix + luhn.calc_check_digit(prefix)


def sample_siren(index: int, *, seed: int = 0) -> str:
    """The `index`-th SIREN of the sample of `seed`: distinct for distinct indexes."""
    base = 10_000_000 + (seed * 7_919_993 + index) % 89_000_000
    return luhn_complete(f"{base:08d}")


def head_office_siret(siren: str, serial: int = 1) -> str:
    """A valid SIRET of `siren`: a 4-digit serial and the check digit make the NIC."""
    return luhn_complete(f"{siren}{serial:04d}")


def _zip_or_plain(path: Path, member: str, use_zip: bool):  # type: ignore[no-untyped-def]
    if use_zip:
        archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        raw = archive.open(member, "w", force_zip64=True)
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")

        def close() -> None:
            text.close()
            archive.close()

        return text, close
    text = open(path, "w", encoding="utf-8", newline="")
    return text, text.close


def write_stock(
    path: str | Path,
    rows: Iterable[dict[str, str]],
    *,
    columns: tuple[str, ...] = UNIT_COLUMNS,
    use_zip: bool = False,
    member: str | None = None,
) -> Path:
    """Write `rows` (dicts; absent columns empty) as an INSEE stock file (CSV or zip)."""
    path = Path(path)
    if member is None:
        kind = "StockUniteLegale" if columns is UNIT_COLUMNS else "StockEtablissement"
        member = f"{kind}_utf8.csv"
    text, close = _zip_or_plain(path, member, use_zip)
    try:
        writer = tabular.csv_writer(text, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(name, "") for name in columns])
    finally:
        close()
    return path


def unit_row(siren: str, **fields: str) -> dict[str, str]:
    """A valid StockUniteLegale row for `siren` (an active SAS in Toulouse's tech sector)."""
    row = {
        "siren": siren,
        "statutDiffusionUniteLegale": "O",
        "dateCreationUniteLegale": "2021-03-15",
        "trancheEffectifsUniteLegale": "11",
        "anneeEffectifsUniteLegale": "2023",
        "dateDernierTraitementUniteLegale": "2025-01-06T10:00:00",
        "nombrePeriodesUniteLegale": "1",
        "categorieEntreprise": "PME",
        "anneeCategorieEntreprise": "2022",
        "dateDebut": "2021-03-15",
        "etatAdministratifUniteLegale": "A",
        "denominationUniteLegale": f"SOCIETE {siren}",
        "categorieJuridiqueUniteLegale": "5710",
        "activitePrincipaleUniteLegale": "62.01Z",
        "nomenclatureActivitePrincipaleUniteLegale": "NAFRev2",
        "nicSiegeUniteLegale": head_office_siret(siren)[9:],
        "caractereEmployeurUniteLegale": "O",
    }
    row.update(fields)
    return row


def establishment_row(siret: str, **fields: str) -> dict[str, str]:
    """A valid StockEtablissement row for `siret` (an active head office in Toulouse)."""
    row = {
        "siren": siret[:9],
        "nic": siret[9:],
        "siret": siret,
        "statutDiffusionEtablissement": "O",
        "dateCreationEtablissement": "2021-03-15",
        "etablissementSiege": "true",
        "nombrePeriodesEtablissement": "1",
        "codePostalEtablissement": "31000",
        "libelleCommuneEtablissement": "TOULOUSE",
        "codeCommuneEtablissement": "31555",
        "dateDebut": "2021-03-15",
        "etatAdministratifEtablissement": "A",
        "activitePrincipaleEtablissement": "62.01Z",
        "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
        "caractereEmployeurEtablissement": "O",
    }
    row.update(fields)
    return row


def generate_sample(
    *,
    units: int,
    out: str | Path,
    establishments_out: str | Path | None = None,
    seed: int = 0,
    use_zip: bool = False,
    ceased_share: float = 0.08,
) -> int:
    """Write a StockUniteLegale file of `units` rows (and a StockEtablissement file with each
    unit's head office and, for one unit in five, a secondary establishment). Seeded and
    streaming: a million rows take constant memory. Returns the number of units written.
    """
    rng = random.Random(seed)
    # Its own generator: the units file is the same with or without establishments.
    site_rng = random.Random(seed + 1)
    n_cols = len(UNIT_COLUMNS)
    ix = {name: i for i, name in enumerate(UNIT_COLUMNS)}
    ex = {name: i for i, name in enumerate(ESTABLISHMENT_COLUMNS)}
    u_text, u_close = _zip_or_plain(Path(out), "StockUniteLegale_utf8.csv", use_zip)
    e_text = e_close = None
    if establishments_out is not None:
        e_text, e_close = _zip_or_plain(
            Path(establishments_out), "StockEtablissement_utf8.csv", use_zip
        )
    try:
        uw = tabular.csv_writer(u_text, lineterminator="\n")
        uw.writerow(UNIT_COLUMNS)
        ew = tabular.csv_writer(e_text, lineterminator="\n") if e_text is not None else None
        if ew is not None:
            ew.writerow(ESTABLISHMENT_COLUMNS)
        for i in range(units):
            siren = sample_siren(i, seed=seed)
            siret = head_office_siret(siren)
            created = date.fromordinal(rng.randint(719_163, 739_251))  # 1970-01-01..2025-01-01
            legal = rng.choice(_LEGAL)
            ceased = rng.random() < ceased_share
            row = [""] * n_cols
            row[ix["siren"]] = siren
            row[ix["statutDiffusionUniteLegale"]] = "O"
            row[ix["dateCreationUniteLegale"]] = created.isoformat()
            row[ix["trancheEffectifsUniteLegale"]] = rng.choice(_BANDS)
            row[ix["anneeEffectifsUniteLegale"]] = "2023"
            row[ix["dateDernierTraitementUniteLegale"]] = "2025-01-06T10:00:00"
            row[ix["nombrePeriodesUniteLegale"]] = "1"
            row[ix["categorieEntreprise"]] = "PME" if rng.random() < 0.97 else "ETI"
            row[ix["anneeCategorieEntreprise"]] = "2022"
            row[ix["dateDebut"]] = created.isoformat()
            row[ix["etatAdministratifUniteLegale"]] = "C" if ceased else "A"
            if legal == "1000":
                row[ix["prenom1UniteLegale"]] = row[ix["prenomUsuelUniteLegale"]] = rng.choice(
                    _FIRST
                )
                row[ix["nomUniteLegale"]] = rng.choice(_LAST).upper()
                row[ix["sexeUniteLegale"]] = rng.choice("MF")
            else:
                row[ix["denominationUniteLegale"]] = (
                    f"{rng.choice(_WORDS)} {rng.choice(_SUFFIX)} {i}".upper()
                )
            row[ix["categorieJuridiqueUniteLegale"]] = legal
            naf = rng.choice(_NAF)
            row[ix["activitePrincipaleUniteLegale"]] = naf
            row[ix["nomenclatureActivitePrincipaleUniteLegale"]] = "NAFRev2"
            row[ix["nicSiegeUniteLegale"]] = siret[9:]
            row[ix["caractereEmployeurUniteLegale"]] = "O"
            uw.writerow(row)
            if ew is not None:
                postcode, commune = site_rng.choice(_PLACES)
                sites = [(siret, True)]
                if site_rng.random() < 0.2:
                    sites.append((head_office_siret(siren, 2), False))
                for site, head in sites:
                    erow = [""] * len(ESTABLISHMENT_COLUMNS)
                    erow[ex["siren"]] = siren
                    erow[ex["nic"]] = site[9:]
                    erow[ex["siret"]] = site
                    erow[ex["statutDiffusionEtablissement"]] = "O"
                    erow[ex["dateCreationEtablissement"]] = created.isoformat()
                    erow[ex["etablissementSiege"]] = "true" if head else "false"
                    erow[ex["codePostalEtablissement"]] = postcode
                    erow[ex["codeCommuneEtablissement"]] = commune
                    erow[ex["dateDebut"]] = created.isoformat()
                    erow[ex["etatAdministratifEtablissement"]] = "F" if ceased else "A"
                    erow[ex["activitePrincipaleEtablissement"]] = naf
                    erow[ex["nomenclatureActivitePrincipaleEtablissement"]] = "NAFRev2"
                    ew.writerow(erow)
    finally:
        u_close()
        if e_close is not None:
            e_close()
    return units
