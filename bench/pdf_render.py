"""The agreement and the annual report as PDF: today's ReportLab path against WeasyPrint.

Usage: uv run python bench/pdf_render.py [--applications 400] [--repeat 15] [--seed 1]

Issue 12 asks to render both documents from Django templates with WeasyPrint if that is at
least as fast as today's path. This measures both paths on the same input in one run:

- the agreement: web/awards/agreement.html rendered once with agreement_context() of the
  demo award with the most payment lines and an advance; the same HTML goes to today's
  converter (plania.agreements.pdf.html_to_pdf: HTML subset -> ReportLab flowables) and
  to WeasyPrint (the HTML wrapped in a page with bench/pdf/style.css embedded);
- the annual report: today's plania.steering.report.annual_report(overview) (ReportLab
  platypus and graphics) against bench/pdf/annual_report.html (the same title, targets
  with their bars, budget bars and the four tables, formatted by the same helpers)
  rendered by Django and printed by WeasyPrint.

WeasyPrint fetches nothing: its URL fetcher only allows data: URLs and the CSS is
embedded. Each path runs once to warm up, then --repeat times; the figures are medians in
ms (and p95). Pages are counted with pypdf, so the outputs can be compared.

PostgreSQL comes from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
used only to (re)create the scratch database `plania_pdf_bench`, filled by the demo
generator (plania.demo.scale.generate) and dropped at the end.

Needs WeasyPrint, which the project does not depend on (see the commit that added this
file for the figures and the decision): `uv run --with weasyprint python bench/pdf_render.py`.
The last line printed is one JSON object.
"""

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ledger_contention import (  # noqa: E402
    DEFAULT_URL,
    recreate_scratch_database,
    setup_django,
    with_database,
)

SCRATCH_DB = "plania_pdf_bench"
HERE = Path(__file__).resolve().parent / "pdf"


def timed(fn: Callable[[], bytes], repeat: int) -> tuple[list[float], bytes]:
    out = fn()  # warm-up: imports, fonts, template compilation
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        runs.append((time.perf_counter() - start) * 1000)
    return runs, out


def summary(runs: list[float]) -> dict[str, float]:
    ordered = sorted(runs)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": round(statistics.median(runs), 1), "p95_ms": round(p95, 1)}


def pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def weasyprint_pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=("data",))
    return HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf()


def report_context(o: Any, css: str) -> dict[str, Any]:
    from django.utils.translation import gettext as _

    from plania.core.formats import format_date, format_eur, format_number
    from plania.steering import exports, report
    from plania.steering.trajectory import AT_RISK_SHARE, ON_TRACK_SHARE

    def pct(value: Any, top: float) -> float | None:
        return None if value is None else round(min(100.0, 100 * float(value) / top), 2)

    targets = []
    for row in o.targets:
        a = row.assessment
        values = (a.target, a.projection, a.actual, a.expected)
        top = max([float(v) for v in values if v] or [1.0])
        targets.append(
            {
                "name": row.target.name,
                "code": row.target.code,
                "status": a.status,
                "actual_pct": pct(a.actual or 0, top),
                "expected_pct": pct(a.expected, top),
                "target_pct": pct(a.target, top),
                "line": _(
                    "Départ %(b)s · cible %(t)s %(unit)s · réalisé %(a)s (%(y)s) · "
                    "trajectoire %(e)s · projection %(p)s · statut : %(s)s"
                )
                % {
                    "b": format_number(a.baseline),
                    "t": format_number(a.target),
                    "unit": row.target.unit,
                    "a": format_number(a.actual),
                    "y": a.year or "—",
                    "e": format_number(a.expected),
                    "p": format_number(a.projection),
                    "s": exports.status_label(a.status),
                },
            }
        )
    top = max([float(r.balances.allocated or 0) for r in o.axes] or [1.0]) or 1.0
    axes = [
        {
            "label": (_("Axe %(n)s") % {"n": r.axis.number}) if r.axis else r.envelope.code[:20],
            "allocated_pct": pct(r.balances.allocated or 0, top),
            "committed_pct": pct(r.balances.committed, top),
            "paid_pct": pct(r.balances.paid, top),
        }
        for r in o.axes
    ]
    tables = []
    names = (
        (_("Par axe et enveloppe"), "enveloppes"),
        (_("Par exercice"), "exercices"),
        (_("Rythme d'engagement"), "rythme"),
        ("", "aides"),
    )
    for i, (title, name) in enumerate(names):
        head, rows = exports.table(name, o)
        cells = [[report._fmt(v) for v in row] for row in rows]
        tables.append((title, head, cells, i == len(names) - 1))
    return {
        "css": css,
        "o": o,
        "intro": _("Période %(years)s · budget %(budget)s · situation au %(date)s")
        % {
            "years": o.plan.years,
            "budget": format_eur(o.plan.budget),
            "date": format_date(o.as_of),
        },
        "programmes": [
            _("Programme adopté à côté : %(name)s (%(budget)s)")
            % {"name": p.name, "budget": format_eur(p.budget)}
            for p in o.programmes
        ],
        "rule": _(
            "Règle : trajectoire linéaire de la situation de départ à la cible sur la "
            "période ; en bonne voie si le réalisé atteint au moins %(on)s %% de la "
            "trajectoire à date, à surveiller au moins %(risk)s %%, en retard en dessous."
        )
        % {"on": int(ON_TRACK_SHARE * 100), "risk": int(AT_RISK_SHARE * 100)},
        "targets": targets,
        "axes": axes,
        "tables": tables,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db.models import Count
    from django.template import engines
    from django.template.loader import render_to_string
    from django.utils import translation
    from django.utils.html import escape

    from plania.agreements import pdf as agreement
    from plania.awards.models import Award
    from plania.demo.scale import generate
    from plania.steering import exports, report
    from plania.steering.selectors import steering_overview

    call_command("migrate", verbosity=0, interactive=False)
    start = time.perf_counter()
    counts = generate(applications=args.applications, seed=args.seed, award_share=0.3)
    print(f"generate: {time.perf_counter() - start:.1f} s — {counts.as_dict()}", flush=True)
    translation.activate("fr")
    css = (HERE / "style.css").read_text()

    award = (
        Award.objects.filter(advance__gt=0)
        .annotate(lines=Count("schedule"))
        .order_by("-lines", "pk")
        .first()
    )
    assert award is not None, "the demo data has no award with an advance"
    html = render_to_string("web/awards/agreement.html", agreement.agreement_context(award))
    page = (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>Convention {escape(award.reference)}</title><style>{css}</style></head>"
        f"<body>{html}</body></html>"
    )
    agreement_rl, pdf_rl = timed(
        lambda: agreement.html_to_pdf(html, title=award.reference, author="bench"), args.repeat
    )
    agreement_wp, pdf_wp = timed(lambda: weasyprint_pdf(page), args.repeat)
    agreement_pages = (pages(pdf_rl), pages(pdf_wp))

    overview = steering_overview()
    assert overview is not None
    template = engines["django"].from_string((HERE / "annual_report.html").read_text())
    report_rl, rpdf_rl = timed(lambda: report.annual_report(overview), args.repeat)
    report_wp, rpdf_wp = timed(
        lambda: weasyprint_pdf(template.render(report_context(overview, css))), args.repeat
    )
    return {
        "bench": "pdf_render",
        "repeat": args.repeat,
        "agreement_reference": award.reference,
        "agreement_reportlab": summary(agreement_rl),
        "agreement_weasyprint": summary(agreement_wp),
        "agreement_pages": {"reportlab": agreement_pages[0], "weasyprint": agreement_pages[1]},
        "report_reportlab": summary(report_rl),
        "report_weasyprint": summary(report_wp),
        "report_pages": {"reportlab": pages(rpdf_rl), "weasyprint": pages(rpdf_wp)},
        "report_awards": len(exports.table("aides", overview)[1]),
        "weasyprint_over_reportlab": {
            "agreement": round(
                statistics.median(agreement_wp) / statistics.median(agreement_rl), 2
            ),
            "report": round(statistics.median(report_wp) / statistics.median(report_rl), 2),
        },
    }


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    recreate_scratch_database(url, SCRATCH_DB)
    setup_django(with_database(url, SCRATCH_DB))
    try:
        result = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        from bench.steering_at_scale import drop_scratch_database

        drop_scratch_database(url, SCRATCH_DB)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
