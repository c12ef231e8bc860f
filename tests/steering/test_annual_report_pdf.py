"""The annual report PDF prints what people typed as text: markup in a beneficiary's or a
target's name is shown, not interpreted by ReportLab's paragraph parser."""

import io

import pytest
from pypdf import PdfReader

from plania.awards.models import Award
from plania.plans.models import Target
from plania.steering import report
from plania.steering.selectors import steering_overview
from tests.steering.data import AS_OF, dataset

pytestmark = pytest.mark.django_db

MARKUP = [
    "<script>alert(1)</script>",
    "<b>gras</b> & <i>fin",
    '=HYPERLINK("http://evil.example","x")',
    '<a href="http://evil.example">lien</a>',
]


def test_markup_typed_by_people_is_printed_as_text():
    dataset()
    awards = list(Award.objects.order_by("pk")[: len(MARKUP)])
    for a, name in zip(awards, MARKUP, strict=True):
        Award.objects.filter(pk=a.pk).update(beneficiary_name=name)
    target = Target.objects.order_by("pk").first()
    Target.objects.filter(pk=target.pk).update(name_fr="<b>Objectif</b> <font size=40>x</font>")
    overview = steering_overview(as_of=AS_OF)

    pdf = report.annual_report(overview)

    reader = PdfReader(io.BytesIO(pdf))
    # Table cells wrap long names: compare without white space.
    text = "".join("".join(p.extract_text() for p in reader.pages).split())
    for name in [*MARKUP, "<b>Objectif</b> <font size=40>x</font>"]:
        assert "".join(name.split()) in text
    # Nothing became a link.
    assert not any("/Annots" in page for page in reader.pages)
    # Dates in the awards table are written out in French.
    assert "1mars2024" in text
