"""``{% portal_session_actions session %}``: the clinician's buttons on the session page to hand
the tablet over, send a link or make a kiosk code, for the outcome and the alliance measure."""

from typing import Any

from django import template
from django.utils.translation import gettext as _

from alliance.care.models import Session
from alliance.measures import catalogue
from alliance.measures.models import Rater
from alliance.portal import selectors
from alliance.portal.wording import in_language

register = template.Library()


def _measure(session: Session, code: str, answered: set[str]) -> dict[str, Any]:
    instrument = catalogue.instrument(code)
    start = instrument.timing == "session_start"
    return {
        "code": code,
        "name": in_language(instrument.name),
        "short": code.upper(),
        "kind": instrument.kind,
        "when": _("At the start") if start else _("At the end"),
        "answered": code in answered,
    }


@register.inclusion_tag("portal/_session_actions_body.html", takes_context=True)
def portal_session_actions(context: template.Context, session: Session) -> dict[str, Any]:
    episode = session.episode
    client = episode.client
    # Uses the responses the session page already loaded.
    answered = {r.instrument for r in session.responses.all() if r.rater == Rater.CLIENT}
    codes = dict.fromkeys([episode.outcome_measure, episode.alliance_measure])
    return {
        "session": session,
        "csrf_token": context.get("csrf_token", ""),
        "measures": [_measure(session, code, answered) for code in codes],
        "members": list(selectors.care_team(episode)),
        "contact": client.consents_to_electronic_contact and bool(client.email or client.phone),
    }
