"""Writes for episodes of care."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from alliance.care.models import Ending, Episode, Session, SessionStatus
from alliance.science.engagement import no_contact


@transaction.atomic
def episodes_close_ghosted(*, today: dt.date, after_days: int | None = None) -> list[Episode]:
    """Close, as "ghosted", every open episode whose client has not been seen for more than
    ``after_days`` (the setting ``GHOSTED_AFTER_DAYS``). The ending date is the last contact."""
    limit = after_days or settings.ALLIANCE["GHOSTED_AFTER_DAYS"]
    last_attended = Session.objects.filter(
        episode=OuterRef("pk"), status=SessionStatus.ATTENDED
    ).order_by("-starts_at")
    candidates = (
        Episode.objects.select_for_update()
        .filter(ended_on__isnull=True)
        .annotate(last_attended=Subquery(last_attended.values("starts_at")[:1]))
    )
    closed = []
    for episode in candidates:
        seen = episode.last_attended
        last_contact = timezone.localdate(seen) if seen else episode.started_on
        verdict = no_contact(last_contact, today, after_days=limit)
        if verdict.ghosted:
            episode.ended_on, episode.ending = verdict.ended_on, Ending.GHOSTED
            closed.append(episode)
    Episode.objects.bulk_update(closed, ["ended_on", "ending"])
    return closed
