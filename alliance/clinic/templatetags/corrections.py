"""``{% session_due session %}`` and ``{% session_corrections session %}``: the session page's
measures due (and, at an attended session, those due and not given) and its corrections (void a
response, enter one from paper, correct the date and attendance, and what was corrected)."""

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import access
from alliance.accounts.models import User
from alliance.care import plans
from alliance.care.models import Session, SessionStatus
from alliance.clinic import corrections
from alliance.measures import catalogue
from alliance.measures.models import Response
from alliance.portal.wording import in_language

register = template.Library()


def _user(context: template.Context) -> User | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else None


def _may_correct(context: template.Context, session: Session) -> bool:
    user = _user(context)
    return user is not None and access.may_correct(user, session.episode)


def _name(code: str) -> str:
    instrument = catalogue.instruments().get(code)
    return in_language(instrument.name) if instrument else code


@register.inclusion_tag("clinic/_session_due.html", takes_context=True)
def session_due(context: template.Context, session: Session) -> dict[str, Any]:
    """The measures due at this session in answering order, each answered or not, and the
    missed ones (due at an attended session and not answered: missed measurement, never a
    score). Reads the responses the session page already loaded."""
    answered = set(plans.answered_measures(session))
    # While the session is still under way a measure not given yet is not missed: the client may
    # have the tablet at the end (the story test found it said "missed" at the start).
    under_way = timezone.now() < session.starts_at + dt.timedelta(minutes=session.duration_minutes)
    missed = set() if under_way else set(plans.missed_measures(session, answered))
    paper = set(corrections.paper_measures(session)) if _may_correct(context, session) else set()
    due = [
        {
            "code": code,
            "short": code.upper(),
            "name": _name(code),
            "answered": code in answered,
            "missed": code in missed,
            "paper": code in paper,
        }
        for code in plans.due_for_session(session)
    ]
    return {
        "session": session,
        "due": due,
        "missed": [row for row in due if row["missed"]],
        "attended": session.status == SessionStatus.ATTENDED,
    }


def _history(session: Session) -> list[dict[str, Any]]:
    names = {
        member.member_id: member.member.get_full_name() or str(member.member)
        for member in session.episode.care_team.all()
    }
    return [
        {**entry, "by_name": names.get(entry.get("by"), _("someone no longer on the care team"))}
        for entry in session.history
        if entry.get("what") == "correction"
    ]


@register.inclusion_tag("clinic/_session_corrections.html", takes_context=True)
def session_corrections(context: template.Context, session: Session) -> dict[str, Any]:
    voided = (
        Response.everything.filter(session=session, voided_at__isnull=False)
        .select_related("voided_by")
        .order_by("voided_at", "pk")
    )
    return {
        "session": session,
        "may_correct": _may_correct(context, session),
        "responses": list(session.responses.all()),
        "voided": list(voided),
        "history": _history(session),
    }
