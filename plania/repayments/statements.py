"""Bank statement imports (CSV: date, amount, reference, label): the parser, its limits,
and the matching of each credit line to an award's or an instalment's reference, which
records the repayment (plania.repayments.services.repayment_create).
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from plania import config
from plania.accounts.roles import Role
from plania.awards.models import Award
from plania.awards.services import CENT, AwardError, award_lock, now, require_role
from plania.repayments.enums import LineStatus, RepaymentSource
from plania.repayments.models import BankStatementImport, BankStatementLine, Instalment
from plania.repayments.services import repayment_create


@dataclass
class StatementResult:
    statement: BankStatementImport
    lines: list[BankStatementLine] = field(default_factory=list)

    @property
    def unmatched(self) -> list[BankStatementLine]:
        return [line for line in self.lines if line.status != LineStatus.MATCHED]


_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$"),
    re.compile(r"^(?P<d>\d{2})/(?P<m>\d{2})/(?P<y>\d{4})$"),
)


def _parse_date(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        match = pattern.match(text.strip())
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


def _parse_amount(text: str) -> Decimal | None:
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text or "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "")
    cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(CENT):
        return None
    return value.quantize(CENT)


def _normalise(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def _match(reference: str, label: str, awards: dict[str, Award]) -> Award | None:
    """The award whose reference the line quotes (in its reference, else its label); the
    longest wins, so that "AID-CP-2025-06-1" never takes "AID-CP-2025-06-12"'s money."""
    for text in (reference, label):
        haystack = _normalise(text)
        if not haystack:
            continue
        found = [(len(key), award) for key, award in awards.items() if key in haystack]
        if found:
            return max(found, key=lambda f: f[0])[1]
    return None


# Limits of one bank statement, checked before a byte is decoded (a month of the account's
# credits is a few hundred lines). The upload page refuses a larger file before reading it.
# PLANIA_STATEMENT_MAX_BYTES (5 MB) and PLANIA_STATEMENT_MAX_LINES (20,000), plania.config.

STATEMENT_COLUMNS = ("date", "amount", "reference", "label")


def statement_limit(name: str) -> int:
    """A limit of the bank statement import (statement_max_bytes, statement_max_lines),
    from the environment read once (plania.config)."""
    return int(getattr(config.env(), name))


def statement_check_size(*, file_name: str, size: int) -> None:
    """AwardError when a statement of `size` bytes is over the limit: the upload page and
    the API ask before reading the upload into memory."""
    max_bytes = statement_limit("statement_max_bytes")
    if size > max_bytes:
        raise _statement_error(
            _(
                "Le relevé « %(file)s » pèse %(size)s, au-delà des %(max)s acceptés : "
                "importez-le en plusieurs fichiers, par exemple un par mois. Rien n'a été "
                "enregistré."
            ),
            file_name,
            size=filesizeformat(size),
            max=filesizeformat(max_bytes),
        )


@dataclass
class _StatementRow:
    line: int  # the file's line where the record ends (the header is line 1)
    fields: dict[str, str]
    unterminated: bool = False  # the file's last record, with no line break after it


def _statement_error(message: str, file_name: str, **values: Any) -> AwardError:
    return AwardError(message % {"file": file_name, **values}, code="invalid")


def _read_rows(content: bytes, file_name: str = "") -> list[_StatementRow]:
    """The statement's records, or an AwardError naming what makes the whole file unusable
    (and the line): too large, not UTF-8, no recognisable separator, a record whose number
    of fields differs from the header's (a wrong separator, or the file cut in the middle
    of its last line), a quoted field cut by the end of the file. All of it is read before
    anything is written, so a refused file leaves nothing behind."""
    max_lines = statement_limit("statement_max_lines")
    statement_check_size(file_name=file_name, size=len(content))
    # Counted on the bytes (C speed) before anything is decoded or parsed.
    lines = content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
    if lines - 1 > max_lines:
        raise _statement_error(
            _(
                "Le relevé « %(file)s » compte %(lines)s lignes, au-delà des %(max)s "
                "acceptées : importez-le en plusieurs fichiers, par exemple un par mois. "
                "Rien n'a été enregistré."
            ),
            file_name,
            lines=lines - 1,
            max=max_lines,
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _statement_error(
            _(
                "Le relevé « %(file)s » n'est pas en UTF-8 (ligne %(line)s, octet "
                "0x%(byte)s : sans doute un accent enregistré en Latin-1 ou Windows-1252). "
                "Enregistrez-le au format « CSV UTF-8 » puis importez-le à nouveau. Rien "
                "n'a été enregistré."
            ),
            file_name,
            line=content.count(b"\n", 0, exc.start) + 1,
            byte=f"{content[exc.start]:02X}",
        ) from exc
    if not text.strip():
        raise _statement_error(_("Le relevé « %(file)s » est vide."), file_name)
    header_line = text.split("\n", 1)[0].rstrip("\r")
    delimiter = _statement_delimiter(header_line, file_name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[_StatementRow] = []
    try:
        names = [name.strip().lower() for name in next(reader)]
        for record in reader:
            if not record:
                continue  # a blank line
            if len(record) != len(names):
                line = reader.line_num
                if not text.endswith(("\n", "\r")) and next(reader, None) is None:
                    raise _truncated(file_name, line)
                raise _statement_error(
                    _(
                        "Ligne %(line)s du relevé « %(file)s » : %(found)s colonnes, alors "
                        "que l'en-tête en a %(expected)s. Vérifiez le séparateur : dans un "
                        "fichier séparé par des virgules, un montant « 5000,00 » non placé "
                        "entre guillemets compte pour deux colonnes. Rien n'a été enregistré."
                    ),
                    file_name,
                    line=line,
                    found=len(record),
                    expected=len(names),
                )
            rows.append(
                _StatementRow(
                    reader.line_num, {n: v.strip() for n, v in zip(names, record, strict=True)}
                )
            )
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise _truncated(file_name, reader.line_num) from exc
        raise _statement_error(
            _(
                "Ligne %(line)s du relevé « %(file)s » illisible (%(error)s) : vérifiez les "
                "guillemets de cette ligne. Rien n'a été enregistré."
            ),
            file_name,
            line=reader.line_num,
            error=exc,
        ) from exc
    if rows and not text.endswith(("\n", "\r")):
        rows[-1].unterminated = True
    return rows


def _truncated(file_name: str, line: int) -> AwardError:
    return _statement_error(
        _(
            "Le relevé « %(file)s » s'arrête au milieu de la ligne %(line)s : il semble "
            "tronqué. Exportez-le à nouveau depuis la banque puis importez-le. Rien n'a été "
            "enregistré."
        ),
        file_name,
        line=line,
    )


def _statement_delimiter(header_line: str, file_name: str) -> str:
    """The separator that splits the header into its four names: the semicolon (French
    banks), the tab or the comma."""
    widest = ";"
    for delimiter in (";", "\t", ","):
        names = {n.strip().lower() for n in next(csv.reader([header_line], delimiter=delimiter))}
        if set(STATEMENT_COLUMNS) <= names:
            return delimiter
        if header_line.count(delimiter) > header_line.count(widest):
            widest = delimiter
    if header_line.count(widest) == 0:
        raise _statement_error(
            _(
                "La première ligne du relevé « %(file)s » (« %(header)s ») n'a qu'une "
                "colonne : séparez les colonnes date, amount, reference, label par des "
                "points-virgules, des tabulations ou des virgules. Rien n'a été enregistré."
            ),
            file_name,
            header=header_line[:80],
        )
    names = {n.strip().lower() for n in next(csv.reader([header_line], delimiter=widest))}
    missing = set(STATEMENT_COLUMNS) - names
    raise AwardError(
        _("Colonnes attendues : date, amount, reference, label (manquantes : %(m)s).")
        % {"m": ", ".join(sorted(missing))},
        code="invalid",
    )


def bank_statement_import(*, file_name: str, content: bytes, actor: Any) -> StatementResult:
    """Import a bank statement (CSV: date, amount, reference, label): each credit line
    quoting an award's (or an instalment's) reference becomes a repayment; the others are
    listed. A line already imported (same hash) is never recorded twice.

    All or nothing: the whole file is read and checked before anything is written
    (`_read_rows`), and the writes are one transaction. A file that cannot be used
    raises AwardError and leaves no statement, line, repayment nor ledger entry."""
    require_role(actor, Role.FINANCE)
    rows = _read_rows(content, file_name)
    with transaction.atomic():
        statement = BankStatementImport.objects.create(
            file_name=file_name[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            imported_by=actor,
            imported_at=now(),
        )
        result = StatementResult(statement)
        awards = {
            _normalise(a.reference): a
            for a in Award.objects.filter(advance__gt=0).select_related("commitment")
        }
        instalments = {
            _normalise(i.reference): i for i in Instalment.objects.filter(superseded=False)
        }
        seen: dict[str, int] = {}
        for row in rows:
            key = "|".join(row.fields.get(k, "") for k in STATEMENT_COLUMNS)
            seen[key] = seen.get(key, 0) + 1
            line_hash = hashlib.sha256(f"{key}|{seen[key]}".encode()).hexdigest()
            line = BankStatementLine(
                statement=statement,
                line_number=row.line,
                value_date=_parse_date(row.fields.get("date", "")),
                amount=_parse_amount(row.fields.get("amount", "")),
                reference=row.fields.get("reference", "")[:200],
                label=row.fields.get("label", "")[:300],
                line_hash=line_hash,
            )
            if row.unterminated:
                # Its fields are all there, but the last one may be cut (a reference
                # "AID-CP-2025-06-12" cut to "...-06-1" would credit another award):
                # listed, never matched.
                line.status = LineStatus.REFUSED
                line.message = _(
                    "Dernière ligne du fichier, sans fin de ligne : le relevé est peut-être "
                    "tronqué. Vérifiez-la ; si elle est complète, enregistrez ce "
                    "remboursement à la main."
                )
                line.save()
            else:
                _process_line(line, awards=awards, instalments=instalments, actor=actor)
            result.lines.append(line)
        for status, attr in (
            (LineStatus.MATCHED, "matched"),
            (LineStatus.DUPLICATE, "duplicates"),
            (LineStatus.UNMATCHED, "unmatched"),
            (LineStatus.REFUSED, "refused"),
        ):
            setattr(statement, attr, sum(1 for line in result.lines if line.status == status))
        statement.lines_read = len(result.lines)
        statement.save()
    return result


def _process_line(
    line: BankStatementLine,
    *,
    awards: dict[str, Award],
    instalments: dict[str, Instalment],
    actor: Any,
) -> None:
    if BankStatementLine.objects.filter(
        line_hash=line.line_hash, status=LineStatus.MATCHED
    ).exists():
        line.status = LineStatus.DUPLICATE
        line.message = _("Ligne déjà importée : rien n'est enregistré une seconde fois.")
        line.save()
        return
    if line.value_date is None or line.amount is None:
        line.status = LineStatus.REFUSED
        line.message = _("Date ou montant illisible.")
        line.save()
        return
    if line.amount <= 0:
        line.status = LineStatus.UNMATCHED
        line.message = _("Débit ou montant nul : pas un remboursement.")
        line.save()
        return
    award = _match(line.reference, line.label, awards)
    if award is None:
        line.status = LineStatus.UNMATCHED
        line.message = _("Aucune référence d'aide reconnue dans la référence ni le libellé.")
        line.save()
        return
    instalment = _match(line.reference, line.label, instalments)  # type: ignore[arg-type]
    try:
        with transaction.atomic():
            line.status = LineStatus.MATCHED
            line.save()
            locked = award_lock(award)
            repayment_create(
                locked,
                actor=actor,
                amount=line.amount,
                received_on=line.value_date,
                reference=line.reference or line.label,
                source=RepaymentSource.BANK_STATEMENT,
                instalment=instalment if isinstance(instalment, Instalment) else None,
                statement_line=line,
            )
            line.message = award.reference
            line.save(update_fields=["message"])
    except IntegrityError:
        # A concurrent import recorded the same line first (the partial unique index).
        line.pk = None
        line.status = LineStatus.DUPLICATE
        line.message = _("Ligne déjà importée : rien n'est enregistré une seconde fois.")
        line.save()
    except AwardError as exc:
        line.pk = None
        line.status = LineStatus.REFUSED
        line.message = exc.message
        line.save()
