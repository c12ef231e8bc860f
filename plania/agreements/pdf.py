"""The agreement (convention) as a PDF, from the template web/awards/agreement.html.

The template is ordinary Django template text that people can edit (parties, amounts,
payment schedule, repayment schedule, obligations, the algorithmic-transparency mention),
written with a small subset of HTML that maps onto ReportLab flowables: <h1>, <h2>, <p>,
<li>, and <table> of <tr>/<th>/<td>. Inline <b>, <i> and <br> pass through to
ReportLab's paragraph markup. Any other tag is refused, so that the template cannot say
something the PDF silently drops.

The standard PDF fonts (Helvetica) cover Latin-1 and the euro sign; the narrow no-break
space of French amounts is written as a no-break space.
"""

from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table

from plania.awards.models import Award
from plania.awards.rules_record import terms_of
from plania.awards.transparency import explanation_path, mention
from plania.rules import schedules

BLOCKS = {"h1", "h2", "p", "li", "td", "th"}
INLINE = {"b", "i", "br"}
STRUCTURE = {"table", "tr", "ul", "section", "thead", "tbody"}


class TemplateError(ValueError):
    pass


class _Parser(HTMLParser):
    """Blocks in order: ("h1"|"h2"|"p"|"li", markup) and ("table", [[(cell_tag, markup)]])."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, Any]] = []
        self._text: list[str] | None = None
        self._tag = ""
        self._row: list[tuple[str, str]] | None = None
        self._table: list[list[tuple[str, str]]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self._text, self._tag = [], tag
        elif tag in INLINE:
            if self._text is not None:
                self._text.append("<br/>" if tag == "br" else f"<{tag}>")
        elif tag == "table":
            self._table = []
        elif tag == "tr":
            self._row = []
        elif tag not in STRUCTURE:
            raise TemplateError(f"agreement template: unsupported tag <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS and self._text is not None:
            markup = " ".join("".join(self._text).split())
            if tag in ("td", "th") and self._row is not None:
                self._row.append((tag, markup))
            else:
                self.blocks.append((tag, markup))
            self._text = None
        elif tag in ("b", "i") and self._text is not None:
            self._text.append(f"</{tag}>")
        elif tag == "tr" and self._row is not None and self._table is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.blocks.append(("table", self._table))
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(escape(data.replace("\u202f", "\u00a0")))


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica", leading=13)
    return {
        "h1": ParagraphStyle("h1", parent=base["Heading1"], fontName="Helvetica-Bold"),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName="Helvetica-Bold"),
        "p": body,
        "li": body,
        "td": ParagraphStyle("td", parent=body, fontSize=9, leading=11),
        "th": ParagraphStyle("th", parent=body, fontName="Helvetica-Bold", fontSize=9, leading=11),
    }


def html_to_pdf(html: str, *, title: str, author: str) -> bytes:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    styles = _styles()
    story: list[Any] = []
    pending_items: list[Any] = []

    def flush_items() -> None:
        if pending_items:
            story.append(ListFlowable(list(pending_items), bulletType="bullet", leftIndent=12))
            pending_items.clear()

    for tag, content in parser.blocks:
        if tag == "li":
            pending_items.append(ListItem(Paragraph(content, styles["li"])))
            continue
        flush_items()
        if tag == "table":
            rows = [[Paragraph(markup, styles[cell]) for cell, markup in row] for row in content]
            if rows:
                table = Table(rows, repeatRows=1, hAlign="LEFT")
                table.setStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                    ]
                )
                story.append(table)
                story.append(Spacer(1, 4 * mm))
        else:
            story.append(Paragraph(content, styles[tag]))
    flush_items()
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=title,
        author=author,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    doc.build(story)
    return out.getvalue()


def planned_repayments(award: Award) -> list[schedules.Instalment]:
    """The repayment schedule as the agreement states it: from the instalments recorded
    once the advance is paid, else the schedule the rules core gives from the decision
    date (the agreement says it runs from the first payment)."""
    recorded = list(award.instalments.filter(superseded=False).order_by("due_on", "number"))
    if recorded:
        return [schedules.Instalment(i.number, i.due_on, i.amount) for i in recorded]
    if award.advance <= 0:
        return []
    return schedules.repayment_schedule(
        principal=award.advance, start=award.decided_on, terms=terms_of(award)
    )


def agreement_context(award: Award) -> dict[str, Any]:
    application = award.application
    explanation = ""
    if application is not None:
        explanation = settings.PLANIA_BASE_URL.rstrip("/") + explanation_path(application.reference)
    return {
        "award": award,
        "region_name": settings.PLANIA_REGION_NAME,
        "region_siret": settings.PLANIA_REGION_SIRET,
        "company": award.company,
        "application": application,
        "schedule": list(award.schedule.all()),
        "repayments": planned_repayments(award),
        "threshold": Decimal(settings.PLANIA_AGREEMENT_THRESHOLD),
        "transparency": mention(explanation_url=explanation) if application else "",
        "today": date.today(),
    }


def render_agreement_pdf(award: Award, *, language: str = "fr") -> bytes:
    with translation.override(language):
        html = render_to_string("web/awards/agreement.html", agreement_context(award))
    return html_to_pdf(
        html,
        title=f"Convention {award.reference}",
        author=settings.PLANIA_REGION_NAME,
    )
