"""The printable report: the figures as tables and the page's charts, rendered with reportlab.

Charts are the page's own Vega-Lite specs rendered to PNG by vl-convert, so print and screen
show the same thing.
"""

import io
from xml.sax.saxutils import escape

import vl_convert
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
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
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, title=_("Alliance report"))
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
            table = _table(figures, document.width, styles["Normal"])
            story += [Spacer(1, 0.4 * cm), KeepTogether([heading, table])]
    document.build(story)
    return out.getvalue()


# Measure, value and n are short; the label takes the rest of the frame and wraps within it,
# because the Dutch and German labels are far longer than the English ones (review 17).
NARROW_COLUMNS = (2 * cm, 3 * cm, 1.4 * cm)
NARROW_AT_MOST = 4.5 * cm
CELL_PADDING = 6  # reportlab's default left and right padding of a table cell, in points


def _fit(texts: list[str], least: float) -> float:
    """A narrow column as wide as its widest cell (the header in bold) so that a word or a short
    value ("fewer than 5 clients") stays on one line, within its least and most widths."""
    widest = max(
        stringWidth(text, "Helvetica-Bold" if row == 0 else "Helvetica", 9)
        for row, text in enumerate(texts)
    )
    return min(max(least, widest + 2 * CELL_PADDING + 1), NARROW_AT_MOST)


def _widths(rows: list[list[str]], width: float) -> list[float]:
    """Column widths filling the frame: the narrow columns fitted, the label the rest."""
    columns = list(zip(*rows, strict=True))[1:]
    narrow = [_fit(list(c), least) for c, least in zip(columns, NARROW_COLUMNS, strict=True)]
    return [width - sum(narrow), *narrow]


def _cell_styles(base: ParagraphStyle) -> dict[tuple[bool, bool], ParagraphStyle]:
    """Cell styles by (header row, right-aligned column)."""
    return {
        (header, right): ParagraphStyle(
            f"cell-{header}-{right}",
            parent=base,
            fontName="Helvetica-Bold" if header else "Helvetica",
            fontSize=9,
            leading=11,
            alignment=TA_RIGHT if right else base.alignment,
        )
        for header in (True, False)
        for right in (True, False)
    }


def _table(figures: list[Figure], width: float, base: ParagraphStyle) -> Table:
    """The section's figures as a table whose cells wrap inside the frame's width."""
    rows = [[_("Figure"), _("Measure"), _("Value"), "n"]]
    rows += [[figure_label(f), f.measure.upper(), figure_value(f), figure_n(f)] for f in figures]
    styles = _cell_styles(base)
    cells = [
        [_paragraph(text, styles[(r == 0, c >= 2)]) for c, text in enumerate(row)]
        for r, row in enumerate(rows)
    ]
    table = Table(cells, colWidths=_widths(rows, width), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table
