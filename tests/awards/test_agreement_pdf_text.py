"""The agreement PDF prints what the applicant typed as text: the template escapes it and
the converter (plania.agreements.pdf) turns it back into text, never into markup."""

import io

import pytest
from pypdf import PdfReader

from plania.agreements.pdf import TemplateError, html_to_pdf, render_agreement_pdf
from plania.awards.models import Award
from tests.awards.flows import approved

pytestmark = pytest.mark.django_db

TYPED = {
    "beneficiary_name": "<b>Gras</b> & <i>Cie",
    "purpose": '<script>alert(1)</script> =HYPERLINK("http://evil.example","x") '
    '<a href="http://evil.example">lien</a> <font size=40>grand</font>',
}


def text_of(pdf: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join("".join(p.extract_text() for p in reader.pages).split()), reader


def test_markup_in_what_the_applicant_typed_is_printed_as_text(staff):
    _user, award = approved(staff)
    Award.objects.filter(pk=award.pk).update(**TYPED)
    award.refresh_from_db()

    text, reader = text_of(render_agreement_pdf(award))

    for typed in TYPED.values():
        assert "".join(typed.split()) in text
    assert not any("/Annots" in page for page in reader.pages)  # no link was made


def test_the_converter_refuses_a_tag_it_would_drop():
    with pytest.raises(TemplateError, match="<img>"):
        html_to_pdf('<p>x</p><img src="http://evil.example/x.png">', title="t", author="a")
