"""What an uploaded file really is, decided by its content, never by its name.

Issue 7 item 5 (hostile input) and OWASP ASVS V12 (files and resources):

- the type comes from the bytes: PDF, PNG and JPEG by their magic numbers; Word, Excel,
  PowerPoint and OpenDocument files are zip archives, opened and inspected member by
  member; anything else is named with the `filetype` library so that the refusal can say
  what the file actually is ("son contenu est celui d'un programme (exécutable)");
- zip-based files are checked for archive bombs before and while they are read: member
  count, total uncompressed size, compression ratio (each member and overall), and no
  nested archive, executable, OLE container or macro inside;
- names are sanitised for display (no path, no control or bidirectional characters, a
  length cap, the extension of the detected type).

Nothing here touches the database or the storage: `inspect_upload` reads a file object
and returns a `FileType` or raises `UploadRefused` with a message, in the active
language, that says why and how to fix it.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

import filetype
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HEAD_BYTES = 8192
READ_CHUNK = 64 * 1024
# Ratios are only judged on members big enough to matter: a 2 KB XML part that
# compresses 200:1 is no bomb.
RATIO_FLOOR_BYTES = 1024 * 1024
NAME_MAX_LENGTH = 120


@dataclass(frozen=True)
class FileType:
    key: str
    mime: str
    extension: str
    label: str  # "PDF", shown in the list of accepted types
    # "un PDF": used in "n'est pas un PDF" (French needs the article with the noun).
    with_article: object  # a lazy string
    aliases: tuple[str, ...] = ()


PDF = FileType("pdf", "application/pdf", "pdf", "PDF", gettext_lazy("un PDF"))
PNG = FileType("png", "image/png", "png", "PNG", gettext_lazy("une image PNG"))
JPEG = FileType(
    "jpeg", "image/jpeg", "jpg", "JPEG", gettext_lazy("une image JPEG"), aliases=("jpeg", "jpe")
)
DOCX = FileType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
    "Word (.docx)",
    gettext_lazy("un document Word (.docx)"),
)
XLSX = FileType(
    "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsx",
    "Excel (.xlsx)",
    gettext_lazy("un classeur Excel (.xlsx)"),
)
PPTX = FileType(
    "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pptx",
    "PowerPoint (.pptx)",
    gettext_lazy("une présentation PowerPoint (.pptx)"),
)
ODT = FileType(
    "odt",
    "application/vnd.oasis.opendocument.text",
    "odt",
    "OpenDocument (.odt)",
    gettext_lazy("un document OpenDocument (.odt)"),
)
ODS = FileType(
    "ods",
    "application/vnd.oasis.opendocument.spreadsheet",
    "ods",
    "OpenDocument (.ods)",
    gettext_lazy("un classeur OpenDocument (.ods)"),
)
ODP = FileType(
    "odp",
    "application/vnd.oasis.opendocument.presentation",
    "odp",
    "OpenDocument (.odp)",
    gettext_lazy("une présentation OpenDocument (.odp)"),
)

ACCEPTED: tuple[FileType, ...] = (PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS, ODP)
ACCEPTED_MIMES: tuple[str, ...] = tuple(t.mime for t in ACCEPTED)
BY_EXTENSION = {ext: t for t in ACCEPTED for ext in (t.extension, *t.aliases)}
BY_MIME = {t.mime: t for t in ACCEPTED}

# The part of an OOXML package that says which kind of document it is.
_OOXML_MAIN_PART = {
    "word/document.xml": DOCX,
    "xl/workbook.xml": XLSX,
    "ppt/presentation.xml": PPTX,
}
_ODF_MIMES = {t.mime: t for t in (ODT, ODS, ODP)}

# Magic numbers of containers and programs refused inside a zip-based document.
_NESTED_MAGIC = (
    b"PK\x03\x04",  # zip (another docx, xlsx, jar...)
    b"PK\x05\x06",  # empty zip
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",  # zstd
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE2 compound file (embedded objects, packages)
    b"MSCF",  # cab
)
_PROGRAM_MAGIC = (
    b"MZ",  # Windows executable
    b"\x7fELF",
    b"\xcf\xfa\xed\xfe",  # Mach-O 64
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xfe\xed\xfa\xce",
    b"\xca\xfe\xba\xbe",  # Mach-O universal, Java class
)
_PROGRAM_NAMES = re.compile(
    r"\.(exe|dll|scr|com|bat|cmd|msi|ps1|vbs|vbe|js|jse|wsf|hta|jar|lnk|sh|app)$", re.I
)
_ARCHIVE_NAMES = re.compile(r"\.(zip|rar|7z|gz|tgz|bz2|xz|zst|tar|cab|iso)$", re.I)
# Embedded fonts have their first 32 bytes XOR-scrambled (ECMA-376 part 2): random bytes
# that could match a two-byte magic number by chance.
_OBFUSCATED_FONT = re.compile(r"\.(odttf|fntdata)$", re.I)
_MACRO_NAMES = re.compile(r"(^|/)vbaProject\.bin$|(^|/)Basic/", re.I)


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int
    max_uncompressed_bytes: int
    max_ratio: int


class UploadRefused(Exception):
    """A refused file. `code`: empty, too_big, wrong_type, damaged, encrypted, bomb,
    nested, macros (the service adds count, total and duplicate)."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def accepted_types_text() -> str:
    return ", ".join(t.label for t in ACCEPTED)


def accept_attribute() -> str:
    """The `accept` attribute of a file input: a hint for the browser's picker only."""
    return ",".join([*(f".{ext}" for ext in BY_EXTENSION), *ACCEPTED_MIMES])


# -- names -------------------------------------------------------------------------------

_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10))} | {
    f"LPT{i}" for i in range(10)
}
_EXTENSION = re.compile(r"^[A-Za-z0-9]{1,5}$")


def _visible(ch: str) -> bool:
    # Cc control, Cf format (bidirectional overrides U+202A-202E and U+2066-2069, zero
    # widths, soft hyphen), Cs surrogates, Co private use, Cn unassigned, Zl/Zp separators.
    category = unicodedata.category(ch)
    return category[0] != "C" and category not in {"Zl", "Zp"}


def split_name(name: str) -> tuple[str, str]:
    """(stem, extension) when the part after the last dot looks like an extension."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and _EXTENSION.match(ext):
        return stem, ext
    return name, ""


def sanitise_name(raw: str, *, extension: str | None = None) -> str:
    """A file name safe to display and to offer in Content-Disposition.

    Keeps the last path part only (browsers on Windows may send "C:\\...\\x.pdf"), drops
    control and bidirectional characters ("facture\\u202Efdp.exe" would read
    "facture.pdf" otherwise), replaces the characters Windows refuses, collapses spaces,
    strips leading dots, caps the length and, when `extension` is given (the detected
    type's), puts it in place of the name's own.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = re.sub(r"[\t\n\r\f\v]", " ", name)
    name = "".join(ch for ch in name if _visible(ch))
    name = _WINDOWS_FORBIDDEN.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    stem, ext = split_name(name)
    if extension is not None:
        ext = extension
    stem = stem.strip(" .") or _("document")
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    suffix = f".{ext.lower()}" if ext else ""
    stem = stem[: NAME_MAX_LENGTH - len(suffix)].rstrip(" .") or _("document")
    return stem + suffix


# -- types -------------------------------------------------------------------------------


def _describe(head: bytes) -> str:
    """What a refused file's content is, in words, completing "son contenu est ..."."""
    if head.startswith(_PROGRAM_MAGIC) or head.startswith(b"#!"):
        return _("celui d'un programme (exécutable)")
    guess = filetype.guess(head)
    if guess is not None:
        if guess.extension in {"exe", "elf", "wasm", "crx", "deb", "rpm", "nes", "swf"}:
            return _("celui d'un programme (exécutable)")
        if guess.extension in {"doc", "xls", "ppt"}:
            return _("celui d'un document Office à l'ancien format (.doc, .xls, .ppt)")
        if guess.mime.startswith("image/"):
            return _("celui d'une image %(format)s, format non accepté") % {
                "format": guess.extension.upper()
            }
        if guess.mime.startswith(("audio/", "video/")):
            return _("celui d'un fichier audio ou vidéo")
        if guess.extension in {
            "zip",
            "tar",
            "rar",
            "gz",
            "bz2",
            "7z",
            "xz",
            "zst",
            "lz",
            "lz4",
            "lzo",
            "Z",
            "br",
            "cab",
            "ar",
        }:
            return _("celui d'une archive compressée (%(format)s)") % {"format": guess.extension}
        return _("celui d'un fichier %(format)s") % {"format": guess.extension.upper()}
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _("celui d'un document Office à l'ancien format (.doc, .xls, .ppt)")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script")):
        return _("celui d'une page web, d'une image SVG ou d'un fichier XML")
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return _("du texte brut")
    return _("d'un type non reconnu")


def _wrong_type(display_name: str, what: str) -> UploadRefused:
    _stem, ext = split_name(display_name)
    expected = BY_EXTENSION.get(ext.lower())
    context = {"name": display_name, "what": what, "types": accepted_types_text()}
    if expected is not None:
        context["expected"] = str(expected.with_article)
        message = (
            _(
                "Le fichier « %(name)s » n'est pas %(expected)s : son contenu est %(what)s. "
                "Types acceptés : %(types)s."
            )
            % context
        )
    else:
        message = (
            _(
                "Le fichier « %(name)s » n'est pas d'un type accepté : son contenu est "
                "%(what)s. Types acceptés : %(types)s."
            )
            % context
        )
    hint = _(
        "Enregistrez ou exportez le document dans l'un de ces formats (PDF de préférence), "
        "puis déposez-le à nouveau."
    )
    return UploadRefused(f"{message} {hint}", code="wrong_type")


def _bomb(display_name: str, why: str) -> UploadRefused:
    return UploadRefused(
        _(
            "Le fichier « %(name)s » est refusé : %(why)s. Ce type de fichier peut saturer "
            "le serveur (« bombe de décompression »). Exportez le document en PDF, puis "
            "déposez-le à nouveau."
        )
        % {"name": display_name, "why": why},
        code="bomb",
    )


def _damaged(display_name: str) -> UploadRefused:
    return UploadRefused(
        _(
            "Le fichier « %(name)s » semble endommagé : il n'a pas pu être lu. Ouvrez-le sur "
            "votre ordinateur pour le vérifier, enregistrez-le à nouveau (ou exportez-le en "
            "PDF), puis déposez-le à nouveau."
        )
        % {"name": display_name},
        code="damaged",
    )


def _nested(display_name: str, member: str) -> UploadRefused:
    return UploadRefused(
        _(
            "Le fichier « %(name)s » contient un fichier incorporé (« %(member)s ») : une "
            "archive, un programme ou un objet incorporé. Ces contenus ne sont pas acceptés "
            "dans un document. Exportez le document en PDF, puis déposez-le à nouveau."
        )
        % {"name": display_name, "member": sanitise_name(member)},
        code="nested",
    )


def _inspect_zip(fileobj: IO[bytes], display_name: str, limits: ArchiveLimits) -> FileType:
    try:
        archive = zipfile.ZipFile(fileobj)
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError):
        raise _damaged(display_name) from None

    if len(members) > limits.max_members:
        raise _bomb(
            display_name,
            _("il contient %(count)s éléments, la limite est de %(max)s")
            % {"count": len(members), "max": limits.max_members},
        )
    declared = sum(m.file_size for m in members)
    compressed = sum(m.compress_size for m in members)
    if declared > limits.max_uncompressed_bytes:
        raise _bomb(
            display_name,
            _("une fois décompressé il occuperait %(size)s, la limite est de %(max)s")
            % {
                "size": filesizeformat(declared),
                "max": filesizeformat(limits.max_uncompressed_bytes),
            },
        )

    def too_compressed(size: int, packed: int) -> bool:
        return size > RATIO_FLOOR_BYTES and size > limits.max_ratio * max(packed, 1)

    if too_compressed(declared, compressed) or any(
        too_compressed(m.file_size, m.compress_size) for m in members
    ):
        raise _bomb(
            display_name,
            _("son contenu est compressé plus de %(ratio)s fois") % {"ratio": limits.max_ratio},
        )

    names = {m.filename for m in members}
    for member in members:
        if member.flag_bits & 0x1:
            raise UploadRefused(
                _(
                    "Le fichier « %(name)s » est protégé par un mot de passe : il ne peut pas "
                    "être vérifié. Enregistrez-le sans mot de passe, puis déposez-le à nouveau."
                )
                % {"name": display_name},
                code="encrypted",
            )
        if _PROGRAM_NAMES.search(member.filename) or _ARCHIVE_NAMES.search(member.filename):
            raise _nested(display_name, member.filename)
        if _MACRO_NAMES.search(member.filename):
            raise UploadRefused(
                _(
                    "Le fichier « %(name)s » contient des macros : elles ne sont pas acceptées. "
                    "Enregistrez-le sans macros (format .docx, .xlsx ou .pptx) ou exportez-le "
                    "en PDF, puis déposez-le à nouveau."
                )
                % {"name": display_name},
                code="macros",
            )

    detected: FileType | None = None
    if "mimetype" in names:
        mimetype = _read_member(archive, "mimetype", 200, display_name).strip()
        detected = _ODF_MIMES.get(mimetype.decode("ascii", "replace"))
    elif "[Content_Types].xml" in names:
        detected = next((t for part, t in _OOXML_MAIN_PART.items() if part in names), None)
    if detected is None:
        raise _wrong_type(display_name, _("celui d'une archive compressée (zip)"))

    # Read every member for real, within the budget: a header may lie about sizes, and
    # zipfile checks each member's CRC once it has read it all (a mismatch: damaged).
    budget = limits.max_uncompressed_bytes
    for member in members:
        if member.is_dir():
            continue
        try:
            with archive.open(member) as stream:
                first = stream.read(16)
                if not _OBFUSCATED_FONT.search(member.filename) and first.startswith(
                    _NESTED_MAGIC + _PROGRAM_MAGIC
                ):
                    raise _nested(display_name, member.filename)
                budget -= len(first)
                while chunk := stream.read(READ_CHUNK):
                    budget -= len(chunk)
                    if budget < 0:
                        raise _bomb(
                            display_name,
                            _("une fois décompressé il occuperait plus de %(max)s")
                            % {"max": filesizeformat(limits.max_uncompressed_bytes)},
                        )
        except UploadRefused:
            raise
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
            raise _damaged(display_name) from None
    return detected


def _read_member(archive: zipfile.ZipFile, name: str, max_bytes: int, display_name: str) -> bytes:
    try:
        with archive.open(name) as stream:
            return stream.read(max_bytes)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
        raise _damaged(display_name) from None


def inspect_upload(fileobj: IO[bytes], *, name: str, limits: ArchiveLimits) -> FileType:
    """The accepted type of `fileobj`'s content, or `UploadRefused` saying why not.

    `name` is the name the person gave the file: only used in messages (sanitised).
    """
    display_name = sanitise_name(name)
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(0)
    if not head:
        raise UploadRefused(
            _(
                "Le fichier « %(name)s » est vide. Vérifiez que c'est le bon fichier, puis "
                "déposez-le à nouveau."
            )
            % {"name": display_name},
            code="empty",
        )
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(b"PK\x03\x04"):
            return _inspect_zip(fileobj, display_name, limits)
        raise _wrong_type(display_name, _describe(head))
    finally:
        fileobj.seek(0)
