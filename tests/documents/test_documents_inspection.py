"""The type of an upload comes from its content; archive bombs and nested archives are
refused; names are sanitised. No database: plania.documents.inspection is pure."""

import io

import pytest

from plania.documents.inspection import (
    DOCX,
    JPEG,
    ODT,
    PDF,
    PNG,
    ArchiveLimits,
    UploadRefused,
    inspect_upload,
    sanitise_name,
)
from tests.documents.files import (
    EXE_BYTES,
    JPEG_BYTES,
    PDF_BYTES,
    docx_bytes,
    odt_bytes,
    plain_zip_bytes,
    png_bytes,
    zip_bomb_bytes,
)

LIMITS = ArchiveLimits(max_members=50, max_uncompressed_bytes=100 * 1024 * 1024, max_ratio=100)


def inspect(data: bytes, name: str, limits: ArchiveLimits = LIMITS):
    return inspect_upload(io.BytesIO(data), name=name, limits=limits)


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (PDF_BYTES, "plan.pdf", PDF),
        (png_bytes(), "logo.png", PNG),
        (JPEG_BYTES, "photo.jpeg", JPEG),
        (docx_bytes(), "budget.docx", DOCX),
        (odt_bytes(), "annexe.odt", ODT),
        # The name does not decide: a real PDF named .docx is a PDF.
        (PDF_BYTES, "plan.docx", PDF),
    ],
)
def test_accepted_types_are_recognised_by_content(data, name, expected):
    assert inspect(data, name) is expected


def test_an_exe_renamed_pdf_is_refused_and_the_message_says_what_it_is():
    with pytest.raises(UploadRefused) as refused:
        inspect(EXE_BYTES, "business-plan.pdf")
    assert refused.value.code == "wrong_type"
    assert refused.value.message.startswith(
        "Le fichier « business-plan.pdf » n'est pas un PDF : son contenu est celui d'un "
        "programme (exécutable). Types acceptés : PDF, PNG, JPEG, Word (.docx)"
    )
    assert "déposez-le à nouveau" in refused.value.message


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"#!/bin/sh\nrm -rf /\n", "script.pdf", "programme"),
        (b"<html><script>alert(1)</script></html>", "page.png", "page web"),
        (b"just some notes\n", "notes.txt", "n'est pas d'un type accepté : son contenu est du "),
        (b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20, "anim.gif", "image GIF"),
        (plain_zip_bytes(), "dossier.zip", "archive compressée (zip)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.doc", "ancien format"),
    ],
)
def test_other_contents_are_refused_with_what_they_are(data, name, words):
    with pytest.raises(UploadRefused) as refused:
        inspect(data, name)
    assert refused.value.code == "wrong_type"
    assert words in refused.value.message


def test_an_empty_file_is_refused():
    with pytest.raises(UploadRefused) as refused:
        inspect(b"", "vide.pdf")
    assert refused.value.code == "empty"


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    bomb = zip_bomb_bytes(200)
    assert len(bomb) < 1024 * 1024  # 200 MB of content in well under 1 MB
    with pytest.raises(UploadRefused) as refused:
        inspect(bomb, "rapport.docx")
    assert refused.value.code == "bomb"
    assert (
        "200,0\xa0Mio" in refused.value.message
        and "bombe de décompression" in refused.value.message
    )


def test_a_document_compressed_beyond_the_ratio_cap_is_refused():
    # 20 MB of zeros: under the 100 MB total cap, but compressed about 1000 times.
    with pytest.raises(UploadRefused) as refused:
        inspect(zip_bomb_bytes(20), "rapport.docx")
    assert refused.value.code == "bomb"
    assert "compressé plus de 100 fois" in refused.value.message


def test_a_document_with_too_many_members_is_refused():
    many = {f"word/media/part{i}.xml": b"<p/>" for i in range(60)}
    with pytest.raises(UploadRefused) as refused:
        inspect(docx_bytes(many), "rapport.docx")
    assert refused.value.code == "bomb"
    assert "63 éléments" in refused.value.message


@pytest.mark.parametrize(
    "extra",
    [
        {"word/embeddings/annexe.bin": plain_zip_bytes()},  # a zip by content, any name
        {"word/embeddings/outil.zip": b"not even a zip"},  # an archive by name
        {"word/media/image1.png": EXE_BYTES},  # a program disguised as an image
        {"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64},
    ],
)
def test_a_docx_with_a_nested_archive_or_program_is_refused(extra):
    with pytest.raises(UploadRefused) as refused:
        inspect(docx_bytes(extra), "rapport.docx")
    assert refused.value.code == "nested"
    assert "contient un fichier incorporé" in refused.value.message


def test_a_document_with_macros_is_refused():
    with pytest.raises(UploadRefused) as refused:
        inspect(docx_bytes({"word/vbaProject.bin": b"\x01\x02"}), "rapport.docm.docx")
    assert refused.value.code == "macros"


def test_a_zip_that_is_no_office_document_is_refused():
    with pytest.raises(UploadRefused) as refused:
        inspect(docx_bytes(main="other/thing.xml"), "rapport.docx")
    assert refused.value.code == "wrong_type"
    assert "n'est pas un document Word (.docx)" in refused.value.message


def test_a_damaged_zip_is_refused():
    data = docx_bytes()
    with pytest.raises(UploadRefused) as refused:
        inspect(data[: len(data) // 2], "rapport.docx")
    assert refused.value.code == "damaged"


def test_a_member_whose_crc_does_not_match_is_refused():
    data = bytearray(docx_bytes())
    # Flip a byte inside the first member's compressed data.
    offset = data.index(b"[Content_Types].xml") + len("[Content_Types].xml") + 5
    data[offset] ^= 0xFF
    with pytest.raises(UploadRefused) as refused:
        inspect(bytes(data), "rapport.docx")
    assert refused.value.code == "damaged"


@pytest.mark.parametrize(
    ("raw", "extension", "expected"),
    [
        ("plan.pdf", "pdf", "plan.pdf"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("..\\..\\Windows\\system32\\cmd.exe", "pdf", "cmd.pdf"),
        ("C:\\Users\\camille\\Documents\\Kbis 2025.PDF", "pdf", "Kbis 2025.pdf"),
        ("..", "pdf", "document.pdf"),
        ("", "png", "document.png"),
        (".htaccess", "pdf", "htaccess.pdf"),
        ("rapport\x00\x07\x1b[31m.pdf", "pdf", "rapport[31m.pdf"),
        ("line\nbreak\r\ttab.pdf", "pdf", "line break tab.pdf"),
        # The right-to-left override would make "facture\u202efdp.exe" read "facture" +
        # "exe.pdf" backwards; it is removed, and the detected type's extension wins.
        ("facture\u202efdp.exe", "pdf", "facturefdp.pdf"),
        ("zero\u200bwidth\u2066isolate\u2069.pdf", "pdf", "zerowidthisolate.pdf"),
        ('a<b>c:d"e|f?g*h.pdf', "pdf", "a_b_c_d_e_f_g_h.pdf"),
        ("CON.pdf", "pdf", "_CON.pdf"),
        ("photo.jpeg", "jpg", "photo.jpg"),
        ("Rapport v1.2 final", "pdf", "Rapport v1.2 final.pdf"),
        ("Plan d’affaires – été 2025.docx", "docx", "Plan d’affaires – été 2025.docx"),
        ("e\u0301te\u0301.pdf", "pdf", "été.pdf"),  # NFC
        ("x" * 500 + ".pdf", "pdf", "x" * 116 + ".pdf"),
        ("plan.pdf", None, "plan.pdf"),
        ("../secret", None, "secret"),
    ],
)
def test_names_are_sanitised(raw, extension, expected):
    name = sanitise_name(raw, extension=extension)
    assert name == expected
    assert len(name) <= 120
    assert "/" not in name and "\\" not in name


def test_a_sanitised_name_never_has_a_control_or_bidi_character():
    every_control = "".join(chr(c) for c in [*range(32), 127, 0x202A, 0x202E, 0x2066, 0xFEFF])
    name = sanitise_name(f"a{every_control}b.pdf", extension="pdf")
    # Tabs and line breaks become one space; every other control character goes.
    assert name == "a b.pdf"
