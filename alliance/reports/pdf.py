"""The printable report: the figures as tables and the page's charts, rendered with reportlab.

Charts are the page's own Vega-Lite specs rendered to PNG by vl-convert, so print and screen
show the same thing.
"""

import io
from xml.sax.saxutils import escape

import vl_convert
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from alliance.formats import chart_locales, local
from alliance.reports.charts import chart_title, report_charts
from alliance.reports.labels import SECTIONS
from alliance.reports.present import figure_label, figure_n, figure_value, none_note
from alliance.reports.selectors import Figure, Report

__all__ = ["report_pdf"]


def _paragraph(text: object, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of plain text. ReportLab reads a Paragraph's text as its own markup
    (``<a href>``, ``<font>``, ``<b>``), so names typed by people (organisation, team,
    clinician) would become links or styling, or break the build: everything is escaped."""
    return Paragraph(escape(str(text)), style)


def report_pdf(report: Report) -> bytes:
    styles = getSampleStyleSheet()
    scope = report.scope
    story = [
        _paragraph(_("Report: %(who)s") % {"who": scope.title}, styles["Title"]),
        _paragraph(
            _(
                "From %(start)s to %(end)s. Every figure shows the number of episodes, sessions or "
                "ratings it rests on (n)."
            )
            % {"start": local(scope.start), "end": local(scope.end)},
            styles["Normal"],
        ),
    ]
    story += [_paragraph(none_note(), styles["Normal"])]
    for _key, section, spec in report_charts(report):
        # vl-convert's stubs type each locale keyword as a Literal of its names; ours
        # (formats.CHART_LOCALES: en-GB, nl-NL, de-DE) are among them.
        png = vl_convert.vegalite_to_png(spec, scale=2, **chart_locales())  # type: ignore[arg-type]
        image = Image(io.BytesIO(png))
        image._restrictSize(16 * cm, 9 * cm)
        story += [Spacer(1, 0.3 * cm), _paragraph(chart_title(section), styles["Heading3"]), image]
    for section, title in SECTIONS.items():
        figures = report.section(section)
        if figures:
            heading = _paragraph(title, styles["Heading2"])
            story += [Spacer(1, 0.4 * cm), KeepTogether([heading, _table(figures)])]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=_("Alliance report")).build(story)
    return out.getvalue()


def _table(figures: list[Figure]) -> Table:
    rows = [[_("Figure"), _("Measure"), _("Value"), "n"]]
    rows += [[figure_label(f), f.measure.upper(), figure_value(f), figure_n(f)] for f in figures]
    table = Table(rows, colWidths=[9 * cm, 2 * cm, 3 * cm, 2 * cm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
            ]
        )
    )
    return table
