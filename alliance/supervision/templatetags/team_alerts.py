"""Template tags of the team page."""

from django import template
from django.utils.safestring import SafeString

from alliance.supervision.alert_rows import alert_rows_html

register = template.Library()


@register.simple_tag
def team_alert_rows(alerts: object, off_track: bool = False) -> SafeString:
    """A team page list's rows (``alliance.supervision.alert_rows``: written in Python, as a
    supervisor of busy teams sees hundreds)."""
    return alert_rows_html(alerts, off_track=off_track)  # type: ignore[arg-type]
