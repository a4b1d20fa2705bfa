"""The one way a rating is recorded: store it, then refresh what depends on it.

A rating changes the episode's alerts, its caseload summary (latest scores, open alerts, need
order) and may notify the care team of a risk answer; ``alerts_refresh`` does all three. Pages,
the REST API, FHIR, the research import and the portal record ratings through the functions
here, so no caller can store one and forget the rest (issue 15). ``measures.services`` keeps the
storing itself (validation, scoring, versions, idempotency); it sits below ``feedback`` and
knows nothing of alerts.
"""

import functools
from collections.abc import Callable, Iterable

from alliance.care.models import Episode
from alliance.feedback.services import alerts_refresh
from alliance.feedback.summaries import episode_summaries_refresh
from alliance.measures.models import Response
from alliance.measures.services import response_record


def ratings_recorded(episodes: Iterable[Episode], *, notify: bool = True) -> int:
    """Refresh what depends on these episodes' ratings, once for all of them (for callers that
    store many ratings in one go, or store them inside a larger transaction and refresh at its
    end: the portal, voiding). Returns how many new alerts were raised."""
    return alerts_refresh(episodes, notify=notify)


def history_recorded(episodes: Iterable[Episode]) -> int:
    """Ratings imported as history (the research CSV import): bring these episodes' caseload
    summaries up to date, and raise no alerts, since they are not today's sessions
    (docs/transfer.md). Returns how many summaries were stored."""
    return episode_summaries_refresh(episodes)


def _then_refreshed[**P](record: Callable[P, Response]) -> Callable[P, Response]:
    @functools.wraps(record)
    def recorded(*args: P.args, **kwargs: P.kwargs) -> Response:
        response = record(*args, **kwargs)
        ratings_recorded([response.session.episode])
        return response

    return recorded


rating_record = _then_refreshed(response_record)
rating_record.__doc__ = (
    "Store a rating as ``measures.services.response_record`` does (same arguments, same "
    "checks, same idempotency), then refresh the episode's alerts, summary and notifications."
)
