"""Template tags for the episode partial the clinic's client page includes
(``care/episodes/panel.html`` with ``episode``): the measurement plan in words, the client's other
episodes, what the user may do, and the episode's history. A fixed handful of queries."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from alliance import access
from alliance.accounts.models import User
from alliance.care import plans
from alliance.care.models import Episode
from alliance.formats import local
from alliance.measures import catalogue
from alliance.roles import Roles, request_roles
from alliance.science.plans import PlanItem

register = template.Library()


def plan_in_words(item: PlanItem) -> str:
    """``At intake, every 4 sessions, at the end`` for one plan item."""
    parts = []
    if item.at_intake:
        parts.append(_("at intake"))
    if item.repeat == "sessions":
        parts.append(
            _("every session")
            if item.interval == 1
            else ngettext("every %(n)d session", "every %(n)d sessions", item.interval or 0)
            % {"n": item.interval}
        )
    if item.repeat == "weeks":
        parts.append(
            ngettext("every %(n)d week", "every %(n)d weeks", item.interval or 0)
            % {"n": item.interval}
        )
    if item.at_end:
        parts.append(_("at the end"))
    text = ", ".join(str(part) for part in parts)
    return text[:1].upper() + text[1:]


@dataclass
class EpisodePanel:
    plan: list[dict[str, Any]] = field(default_factory=list)
    others: list[Episode] = field(default_factory=list)
    continues: Episode | None = None
    continued_by: Episode | None = None
    may_change: bool = False
    may_open: bool = False
    may_set_plans: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)


HISTORY_LABELS = {
    "opened": gettext_lazy("Opened"),
    "care_team": gettext_lazy("Care team changed"),
    "transfer": gettext_lazy("Transferred to a new care team"),
    "measurement_plan": gettext_lazy("Measurement plan changed"),
    "ending": gettext_lazy("Ended"),
}


def _day(at: str) -> str:
    """The day of a history entry's ISO time, in the reader's date format."""
    try:
        return local(dt.date.fromisoformat(at[:10]), "DATE_FORMAT")
    except ValueError:
        return at[:10]


def _may_change(user: User, episode: Episode, roles: Roles) -> bool:
    """``access.may_change_episode``, its supervisor and administrator parts from ``roles``."""
    if not access.can_see_episode(user, episode):
        return False
    return (
        access.is_on_care_team(user, episode)
        or episode.team_id in roles.supervises
        or episode.team.organisation_id in roles.administers
    )


def _may_open(user: User, episode: Episode, roles: Roles) -> bool:
    """``access.may_open_episode(user, episode.client, seen=episode)``; from ``roles`` when the
    user sees the episode and its team is of the client's organisation (so that organisation
    has a team to open one in), else asked as before."""
    if episode.team.organisation_id == episode.client.organisation_id and access.can_see_episode(
        user, episode
    ):
        return roles.opens_in(episode.team)
    return access.may_open_episode(user, episode.client, seen=episode)


@register.simple_tag(takes_context=True)
def episode_panel_for(context: template.Context, episode: Episode) -> EpisodePanel:
    user: User = context["user"]
    instruments = catalogue.instruments()
    panel = EpisodePanel()
    for item in plans.episode_plan(episode):
        instrument = instruments.get(item.instrument)
        panel.plan.append(
            {
                "code": item.instrument,
                "name": catalogue.instrument_name(instrument) if instrument else item.instrument,
                "when": plan_in_words(item),
            }
        )
    visible = access.visible_episodes(user).select_related("team")
    panel.others = list(
        visible.filter(client_id=episode.client_id).exclude(pk=episode.pk).order_by("-started_on")
    )
    by_pk = {other.pk: other for other in panel.others}
    panel.continues = by_pk.get(episode.continues_id) if episode.continues_id else None
    panel.continued_by = next(
        (other for other in panel.others if other.continues_id == episode.pk), None
    )
    roles = request_roles(user)
    panel.may_change = episode.is_active and _may_change(user, episode, roles)
    panel.may_open = _may_open(user, episode, roles)
    panel.may_set_plans = roles.may_set_plan_defaults(episode.team)
    names = {}
    ids = {entry.get("by") for entry in episode.history}
    if ids:
        names = {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=ids)}
    for entry in reversed(episode.history):
        what = entry.get("what", "")
        panel.history.append(
            {
                "at": _day(entry.get("at", "")),
                "what": str(HISTORY_LABELS.get(what, what)),
                "by": names.get(entry.get("by"), ""),
                "note": entry.get("note", ""),
            }
        )
    return panel
