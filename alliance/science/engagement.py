"""Engagement: when an episode with no contact counts as ended without a word ("ghosted").

DOMAIN.md: clients who stop coming without a word are often having a withdrawal rupture they could
not voice. Such episodes are closed with the ending ``ghosted`` once nobody has seen the client for
a set number of days, so reports count them as unplanned endings rather than leaving them open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["DEFAULT_GHOSTED_AFTER_DAYS", "UNPLANNED_ENDINGS", "NoContact", "no_contact"]

# Endings that count as dropout (unplanned): the client ended care, or stopped coming without a
# word. Swift & Greenberg 2012 (J Consult Clin Psychol 80(4):547-559) define dropout as the
# client ending treatment unilaterally before the agreed end; a transfer is neither.
UNPLANNED_ENDINGS: tuple[str, ...] = ("client_initiated", "ghosted")

# Assumption, a setting: about eight weekly appointments missed. No published standard exists;
# services commonly discharge after a few weeks without contact and a letter. Document a site's
# own rule when it differs.
DEFAULT_GHOSTED_AFTER_DAYS = 60


@dataclass(frozen=True)
class NoContact:
    """How long since the client was last seen, and whether that closes the episode."""

    last_contact: date
    days: int
    ghosted: bool
    ended_on: date


def no_contact(
    last_contact: date, today: date, *, after_days: int = DEFAULT_GHOSTED_AFTER_DAYS
) -> NoContact:
    """Whether an open episode whose client was last seen on ``last_contact`` is ghosted.

    Ghosted when ``today - last_contact > after_days``; the ending date is then the day of the
    last contact, since that is when care actually stopped (Swift & Greenberg 2012 count dropout
    from the last attended session: J Consult Clin Psychol 80(4):547-559).

    Examples
    --------
    >>> no_contact(date(2026, 1, 5), date(2026, 3, 10)).ghosted
    True
    >>> no_contact(date(2026, 1, 5), date(2026, 3, 6)).ghosted
    False
    """
    if after_days < 1:
        raise ValueError(f"after_days: must be a whole number of days >= 1, got {after_days!r}")
    if today < last_contact:
        raise ValueError(f"today: must be on or after last_contact {last_contact}, got {today}")
    days = (today - last_contact).days
    return NoContact(last_contact, days, days > after_days, last_contact)
