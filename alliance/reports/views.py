"""Report pages: the form and the report with charts, and the same report as CSV, JSON or PDF.

Who may see which report is decided in ``alliance.access`` (``may_report_on_organisation``,
``report_episodes``), asked by ``selectors.report_scope``; an organisation, team or clinician
the person may not report on answers 404, like an unknown name.
"""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from alliance import access
from alliance.reports import formats, pdf
from alliance.reports.charts import chart_title, report_charts
from alliance.reports.forms import ReportForm
from alliance.reports.labels import SECTIONS
from alliance.reports.present import figure_label, figure_n, figure_value, none_note
from alliance.reports.selectors import Report, ReportError, report_build, report_scope
from alliance.web import signed_in_user


def _report(request: HttpRequest, form: ReportForm) -> tuple[Report | None, int]:
    """The report the valid form asks for, or None with the form's errors and a status."""
    data = form.cleaned_data
    try:
        scope = report_scope(
            viewer=signed_in_user(request),
            organisation=data["organisation"],
            team=data["team"],
            clinician=data["clinician"],
            start=data["date_from"],
            end=data["date_to"],
            measure=data["measure"],
        )
        return report_build(scope), 200
    except ReportError as error:
        form.add_error(error.field, error.message)
        return None, 404 if error.refused else 200 if error.field == "date_from" else 400


def _invalid(form: ReportForm) -> tuple[None, int]:
    """No report: 404 for an organisation, team or clinician not on the person's lists (like
    one that does not exist), 400 for anything else wrong with the form."""
    return None, 404 if form.refused() else 400


def _starting_point(request: HttpRequest) -> dict[str, object]:
    """The form starts filled in: the person's organisation and the last twelve months, so the
    report is one click away."""
    today = timezone.localdate()
    organisation = access.reportable_organisations(signed_in_user(request)).order_by("name")
    return {
        "organisation": organisation.values_list("name", flat=True).first() or "",
        "date_from": today - dt.timedelta(days=365),
        "date_to": today,
    }


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not request.GET:
        form = ReportForm(initial=_starting_point(request), viewer=signed_in_user(request))
        return render(request, "reports/home.html", {"form": form})
    form = ReportForm(request.GET, viewer=signed_in_user(request))
    report, status = _invalid(form) if not form.is_valid() else _report(request, form)
    context: dict[str, object] = {"form": form, "report": report}
    if report is not None:
        context["sections"] = _sections(report)
        context["charts"] = [(k, chart_title(s), spec) for k, s, spec in report_charts(report)]
        context["none_note"] = none_note()
        context["query"] = request.GET.urlencode()
    return render(request, "reports/home.html", context, status=status)


def _sections(report: Report) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    return [
        (
            str(title),
            [(figure_label(f), f.measure.upper(), figure_value(f), figure_n(f)) for f in rows],
        )
        for key, title in SECTIONS.items()
        if (rows := report.section(key))
    ]


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}


def _errors_text(form: ReportForm) -> str:
    """The form's errors as plain text, each under its field's label in the reader's words (not
    the field's code, ``date_from``, which ``form.errors.as_text()`` writes)."""
    lines = []
    for name, errors in form.errors.items():
        lines.append(str(form.fields[name].label) if name in form.fields else "")
        lines.extend(f"  * {error}" for error in errors)
    return "\n".join(line for line in lines if line) + "\n"


@require_GET
@login_required
def download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404
    form = ReportForm(request.GET, viewer=signed_in_user(request))
    report, status = _invalid(form) if not form.is_valid() else _report(request, form)
    if report is None:
        if status == 404:
            raise Http404
        return HttpResponse(_errors_text(form), status=400, content_type="text/plain")
    body = {"csv": formats.report_csv, "json": formats.report_json, "pdf": pdf.report_pdf}[fmt]
    response = HttpResponse(body(report), content_type=CONTENT_TYPES[fmt])
    name = f"alliance-report-{report.scope.start}-{report.scope.end}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
