"""The administrators' audit log: search, page through, export as CSV.

Only administrators see it, each their own organisations' events (``access.visible_audit_events``);
anyone else gets 404, as for a page that does not exist.
"""

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from alliance import access
from alliance.accounts.models import User
from alliance.audit.forms import EventSearchForm
from alliance.audit.models import Action, AuditEvent, Via
from alliance.audit.selectors import EventSearch, audit_events_search, audit_organisation
from alliance.audit.services import audit_record, request_address
from alliance.web import signed_in_user

PER_PAGE = 50
CSV_COLUMNS = [
    "at",
    "username",
    "user_id",
    "via",
    "action",
    "record_kind",
    "record_id",
    "client_id",
    "route",
    "method",
    "status",
    "address",
    "user_agent",
    "detail",
    "before",
    "after",
    "hash",
]


def _administrator(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not access.may_read_audit_log(user):
        raise Http404
    return user


def _search(request: HttpRequest) -> tuple[EventSearchForm, EventSearch | None]:
    form = EventSearchForm(request.GET)
    return form, form.search() if form.is_valid() else None


@login_required
@require_GET
def events(request: HttpRequest) -> HttpResponse:
    user = _administrator(request)
    form, search = _search(request)
    if search is None:
        return render(request, "audit/events.html", {"form": form}, status=400)
    found = audit_events_search(user=user, search=search)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "audit/events.html", context)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = _administrator(request)
    form, search = _search(request)
    if search is None:
        return render(request, "audit/events.html", {"form": form}, status=400)
    found = audit_events_search(user=user, search=search)
    # The export is itself an event, written before a single row leaves the server.
    audit_record(
        actor=user,
        action=Action.EXPORT,
        organisation=audit_organisation(user),
        via=Via.PAGE,
        object_kind="audit",
        address=request_address(request),
        detail=f"{found.count()} events",
    )
    name = f"audit-{timezone.localdate():%Y-%m-%d}.csv"
    answer = StreamingHttpResponse(_csv_lines(found), content_type="text/csv; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="{name}"'
    return answer


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(found: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in found.iterator(chunk_size=2000):
        yield writer.writerow([_cell(value) for value in _row(event)])


def _row(event: AuditEvent) -> list[object]:
    return [
        event.at.isoformat(),
        event.actor_name,
        event.actor_id or "",
        event.via,
        event.action,
        event.object_kind,
        event.object_id or "",
        event.client_id or "",
        event.route,
        event.method,
        event.status or "",
        event.address or "",
        event.user_agent,
        event.detail,
        event.before,
        event.after,
        event.hash,
    ]


def _cell(value: object) -> object:
    # A username tried at the log-in form is typed by anyone: keep a spreadsheet from running
    # it as a formula.
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else value
