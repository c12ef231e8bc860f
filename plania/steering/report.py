"""The annual report for the "Rendez-vous de l'IA en Occitanie" (PDF, reportlab): the plan,
the targets with their status and charts, the money, the list of awards."""

import io
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from plania.core.formats import format_date, format_eur, format_number
from plania.steering import exports
from plania.steering.selectors import Overview, TargetRow
from plania.steering.trajectory import AT_RISK_SHARE, ON_TRACK_SHARE

STATUS_COLOURS = {
    "on_track": colors.HexColor("#18753c"),
    "at_risk": colors.HexColor("#b34000"),
    "off_track": colors.HexColor("#ce0500"),
    "no_data": colors.HexColor("#666666"),
}


def _text(text: object, style: object) -> Paragraph:
    """A paragraph of plain text: ReportLab parses a Paragraph's string as markup, and names
    come from people (a beneficiary called "<b>x" would be bold, an unclosed tag would stop
    the report)."""
    return Paragraph(escape(str(text)), style)


def _n(value: Decimal | None) -> str:
    return format_number(value)


def _bullet(row: TargetRow, width: float = 14 * cm) -> Drawing:
    a = row.assessment
    top = max([float(v) for v in (a.target, a.projection, a.actual, a.expected) if v] or [1.0])
    d = Drawing(width, 22)
    d.add(Rect(0, 4, width, 14, fillColor=colors.HexColor("#eeeeee"), strokeColor=None))
    if a.actual:
        d.add(
            Rect(0, 4, width * float(a.actual) / top, 14,
                 fillColor=STATUS_COLOURS[a.status], strokeColor=None)
        )  # fmt: skip
    if a.expected is not None:
        x = width * float(a.expected) / top
        d.add(Line(x, 0, x, 22, strokeColor=colors.black, strokeWidth=2))
    if a.target is not None:
        x = min(width - 1, width * float(a.target) / top)
        d.add(Line(x, 0, x, 22, strokeColor=colors.HexColor("#000091"), strokeWidth=1))
    return d


def _budget_chart(o: Overview) -> Drawing:
    d = Drawing(16 * cm, 7 * cm)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 4 * cm, 0.5 * cm, 11 * cm, 6 * cm
    chart.data = [
        [float(r.balances.allocated or 0) / 1e6 for r in o.axes],
        [float(r.balances.committed) / 1e6 for r in o.axes],
        [float(r.balances.paid) / 1e6 for r in o.axes],
    ]
    chart.categoryAxis.categoryNames = [
        (_("Axe %(n)s") % {"n": r.axis.number}) if r.axis else r.envelope.code[:20] for r in o.axes
    ]
    chart.bars[0].fillColor = colors.HexColor("#cacafb")
    chart.bars[1].fillColor = colors.HexColor("#000091")
    chart.bars[2].fillColor = colors.HexColor("#18753c")
    chart.valueAxis.valueMin = 0
    d.add(chart)
    d.add(String(4 * cm, 6.7 * cm, _("M€ : affecté, engagé, mandaté"), fontSize=8))
    return d


def annual_report(o: Overview) -> bytes:
    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, title=o.plan.name, author="PlanIA",
        leftMargin=1.5 * cm, rightMargin=1.5 * cm,
    )  # fmt: skip
    body = styles["BodyText"]
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    story: list = [  # type: ignore[type-arg]
        _text(_("Rapport annuel de pilotage"), styles["Title"]),
        _text(o.plan.name, styles["Heading2"]),
        _text(
            _("Période %(years)s · budget %(budget)s · situation au %(date)s")
            % {
                "years": o.plan.years,
                "budget": format_eur(o.plan.budget),
                "date": format_date(o.as_of),
            },
            body,
        ),  # fmt: skip
    ]
    for p in o.programmes:
        story.append(
            _text(_("Programme adopté à côté : %(name)s (%(budget)s)")
                      % {"name": p.name, "budget": format_eur(p.budget)}, body)
        )  # fmt: skip
    story += [Spacer(1, 0.4 * cm), _text(_("Objectifs"), styles["Heading2"])]
    story.append(
        _text(
            _(
                "Règle : trajectoire linéaire de la situation de départ à la cible sur la "
                "période ; en bonne voie si le réalisé atteint au moins %(on)s %% de la "
                "trajectoire à date, à surveiller au moins %(risk)s %%, en retard en dessous."
            )
            % {"on": int(ON_TRACK_SHARE * 100), "risk": int(AT_RISK_SHARE * 100)},
            small,
        )
    )
    for row in o.targets:
        a = row.assessment
        story.append(
            Paragraph(f"<b>{escape(row.target.name)}</b> ({escape(row.target.code)})", body)
        )
        story.append(
            _text(
                _(
                    "Départ %(b)s · cible %(t)s %(unit)s · réalisé %(a)s (%(y)s) · "
                    "trajectoire %(e)s · projection %(p)s · statut : %(s)s"
                )
                % {"b": _n(a.baseline), "t": _n(a.target), "unit": row.target.unit,
                   "a": _n(a.actual), "y": a.year or "—", "e": _n(a.expected),
                   "p": _n(a.projection), "s": exports.status_label(a.status)},
                small,
            )
        )  # fmt: skip
        story.append(_bullet(row))
        story.append(Spacer(1, 0.2 * cm))
    story += [PageBreak(), _text(_("Budget"), styles["Heading2"]), _budget_chart(o)]
    for title, name in (
        (_("Par axe et enveloppe"), "enveloppes"),
        (_("Par exercice"), "exercices"),
        (_("Rythme d'engagement"), "rythme"),
    ):
        story.append(_text(title, styles["Heading3"]))
        story.append(_table(exports.table(name, o), small))
    story += [PageBreak(), _text(_("Aides attribuées"), styles["Heading2"])]
    story.append(_table(exports.table("aides", o), small))
    doc.build(story)
    return buf.getvalue()


def _fmt(v: object) -> str:
    if isinstance(v, date):
        return format_date(v)
    if isinstance(v, Decimal):
        # Amounts carry cents (ledger sums, caps, floors); other figures do not.
        return format_eur(v) if v.as_tuple().exponent == -2 else _n(v)
    return "" if v is None else str(v)


def _table(t: exports.Table, style: object) -> Table:
    head, rows = t
    data = [[_text(h, style) for h in head]] + [
        [_text(_fmt(v), style) for v in row] for row in rows
    ]
    table = Table(data, repeatRows=1)
    table.setStyle(
        TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeff")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ])
    )  # fmt: skip
    return table
