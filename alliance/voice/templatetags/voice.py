"""Template tags for the care team's view of the client's words.

``{% voice_session session %}``: the client's topics and comments at the top of the session
page, and the intake measures' buttons. ``{% voice_episode episode %}``: preferences,
expectations and topics over time on the client page. ``{% voice_alert_comment alert as c %}``:
the client's comment inside an alliance alert. Each shows nothing to anyone off the care team.
"""

from typing import Any

from django import template

from alliance import access
from alliance.care.models import Episode, Session
from alliance.feedback.models import Alert
from alliance.measures.models import Rater
from alliance.voice import selectors
from alliance.voice.models import AllianceComment, TeamSharing
from alliance.voice.views import INTAKE_MEASURES

register = template.Library()


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("voice/_session_voice.html", takes_context=True)
def voice_session(context: template.Context, session: Session) -> dict[str, Any]:
    user = _user(context)
    on_team = user is not None and access.may_read_client_words(user, session.episode)
    answered = {r.instrument for r in session.responses.all() if r.rater == Rater.CLIENT}
    client = session.episode.client
    return {
        "session": session,
        "on_team": on_team,
        "agenda": selectors.session_agenda_items(user, session) if on_team else [],
        "comments": selectors.session_comments(user, session) if on_team else [],
        "csrf_token": context.get("csrf_token", ""),
        "intake_answered": all(code in answered for code in INTAKE_MEASURES),
        "contact": client.consents_to_electronic_contact and bool(client.email or client.phone),
    }


@register.inclusion_tag("voice/_episode_voice.html", takes_context=True)
def voice_episode(context: template.Context, episode: Episode) -> dict[str, Any]:
    user = _user(context)
    on_team = user is not None and access.may_read_client_words(user, episode)
    team_allows = TeamSharing.objects.filter(
        team_id=episode.team_id, clients_may_see_progress=True
    ).exists()
    return {
        "episode": episode,
        "on_team": on_team,
        "preferences": selectors.episode_preferences(episode),
        "hopes": selectors.episode_hopes(user, episode) if on_team else [],
        "topics": selectors.episode_topics(user, episode) if on_team else [],
        "team_allows": team_allows,
        "csrf_token": context.get("csrf_token", ""),
    }


@register.simple_tag(takes_context=True)
def voice_alert_comment(context: template.Context, alert: Alert) -> AllianceComment | None:
    user = _user(context)
    if user is None:
        return None
    # One cache per request, so a page of many alerts reads the comments once.
    request = context.get("request")
    cache = getattr(request, "_voice_alert_comments", None)
    if cache is None:
        cache = {}
        if request is not None:
            request._voice_alert_comments = cache
    return selectors.alert_comment(user, alert, cache)


@register.simple_tag
def voice_progress_open(invitation: Any) -> bool:
    """Whether the thank-you page links to the client's progress page (a link, not expired,
    the team and the clinician allow it)."""
    from django.utils import timezone

    from alliance.portal.models import Channel

    return (
        invitation.channel == Channel.LINK
        and invitation.expires_at > timezone.now()
        and access.client_may_see_progress(invitation.session.episode)
    )
