"""``{% portal_session_actions session %}``: the clinician's buttons on the session page to hand
the tablet over, send a link or make a kiosk code, for the measures due at the start of the
session and at its end (``alliance.care.plans.due_for_session``).
``{% portal_session_links session %}``: the session's links outstanding, to resend or cancel."""

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance import access
from alliance.accounts.models import User
from alliance.care import plans
from alliance.care.models import Session
from alliance.measures import catalogue
from alliance.measures.models import Rater
from alliance.portal import reminders, selectors
from alliance.portal.models import Invitation
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


def _phase(
    session: Session, phase: str, choices: selectors.InviteChoices, answered: set[str]
) -> dict[str, Any]:
    phases = plans.phases()
    due = [_measure(session, c, answered) for c in choices.due if phases[c] == phase]
    others = [_measure(session, c, answered) for c in choices.others if phases[c] == phase]
    return {
        "code": phase,
        "when": _("At the start of the session") if phase == "start" else _("At the end"),
        "due": due,
        "others": others,
        "alliance": phase == "end",
        # Screen readers tell the buttons of the two forms apart by the measures each gives: a
        # measure due but already answered in the session (by a link, say) is not ticked, so
        # the client is not asked it again unless the clinician ticks it.
        "shorts": ", ".join(m["short"] for m in due if not m["answered"])
        or (_("start") if phase == "start" else _("end")),
    }


@register.inclusion_tag("portal/_session_actions_body.html", takes_context=True)
def portal_session_actions(context: template.Context, session: Session) -> dict[str, Any]:
    """One form for the start of the session and one for its end, each offering the measures
    due (ticked, in the plan's order) and, folded away, the other installed measures."""
    episode = session.episode
    client = episode.client
    # Uses the responses the session page already loaded.
    answered = {r.instrument for r in session.responses.all() if r.rater == Rater.CLIENT}
    choices = selectors.invite_choices(session)
    return {
        "session": session,
        "csrf_token": context.get("csrf_token", ""),
        "phases": [_phase(session, phase, choices, answered) for phase in ("start", "end")],
        "members": list(selectors.care_team(episode)),
        "contact": client.consents_to_electronic_contact and bool(client.email or client.phone),
    }


STATE_WORDS = {
    "planned": gettext_lazy("to be sent"),
    "sent": gettext_lazy("sent, not opened yet"),
    "opened": gettext_lazy("opened, not answered yet"),
    "answered": gettext_lazy("answered"),
    "expired": gettext_lazy("expired unanswered"),
    "cancelled": gettext_lazy("cancelled"),
    "not_sent": gettext_lazy("not sent"),
}
CANCELLABLE = ("planned", "sent", "opened")


def _link_row(invitation: Invitation, now: dt.datetime, may_change: bool) -> dict[str, Any]:
    state = invitation.state(now)
    return {
        "invitation": invitation,
        "state": state,
        "state_words": STATE_WORDS[state],
        "measures": [in_language(catalogue.instrument(code).name) for code in invitation.measures],
        "may_resend": may_change and state in reminders.RESENDABLE,
        "may_cancel": may_change and state in CANCELLABLE,
    }


@register.inclusion_tag("portal/_session_links_body.html", takes_context=True)
def portal_session_links(context: template.Context, session: Session) -> dict[str, Any]:
    """The session's links and reminders (planned, sent, opened, answered, expired, cancelled),
    with "Send again" and "Cancel" for the client's care team. Two queries whatever the page."""
    request = context.get("request")
    user = getattr(request, "user", None)
    may_change = (
        isinstance(user, User)
        and user.is_authenticated
        and access.is_on_care_team(user, session.episode)
    )
    now = timezone.now()
    return {
        "session": session,
        "csrf_token": context.get("csrf_token", ""),
        "links": [_link_row(i, now, may_change) for i in reminders.links_for_session(session)],
    }
