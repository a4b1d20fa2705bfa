"""Template helpers of the clinician's pages: alerts in plain words, scores as the locale writes
them, and whether to show the Administration link."""

from django import template

from alliance.accounts import names
from alliance.clinic import explain
from alliance.feedback.models import Alert
from alliance.roles import request_roles

register = template.Library()


@register.simple_tag
def is_administrator(user: object) -> bool:
    """Whether the navigation shows Administration (``alliance.access.is_administrator``, from
    the roles read once for the request)."""
    return request_roles(user).is_administrator


@register.filter
def rule_name(rule: str) -> str:
    return explain.rule_name(rule)


@register.filter
def reason(alert: Alert) -> str:
    return explain.alert_reason(alert)


@register.filter
def advice(alert: Alert) -> str:
    return explain.advice_text(alert)


@register.filter
def measure_name(code: str) -> str:
    return explain.measure_name(code)


@register.filter
def pathway_name(pathway: str) -> str:
    return explain.pathway_name(pathway) if pathway else ""


@register.filter
def severity_icon(severity: str) -> str:
    return explain.SEVERITY_ICONS.get(severity, "•")


@register.filter
def score(value: object) -> str:
    return explain.number(value)


@register.filter
def scores(values: list[float]) -> str:
    """A list of scores as the locale writes them: "18.0, 20.5, 24.0"."""
    return ", ".join(explain.number(value) for value in values)


@register.filter
def item_label(code: str) -> str:
    """An item's short label in the user's language ("srs_2" -> "Goals and topics")."""
    return explain.item_label(code)


@register.simple_tag
def caseload_rows(rows: object) -> str:
    """The caseload table's rows (``alliance.clinic.caseload_table``: written in Python, as a
    caseload draws up to a thousand)."""
    from alliance.clinic.caseload_table import caseload_rows_html  # it imports this module

    return caseload_rows_html(rows)  # type: ignore[arg-type]


@register.filter
def person_name(user: object) -> str:
    """A member of staff by name, never by log-in name (``alliance.accounts.names``)."""
    return names.person_name(user)  # type: ignore[arg-type]
