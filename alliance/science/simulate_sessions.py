"""Appointments for simulated clinics: attended, cancelled and no-show sessions, with dates.

Split out of ``simulate.py`` to keep both modules short. Missed sessions after a low alliance
score model ghosting (DOMAIN.md): clients who stop coming are often having a rupture they could
not voice. SRS cutoff 36 (Miller, Duncan & Johnson 2002 SRS; Duncan et al. 2003, J Brief
Therapy 3(1):3-12).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["SRS_CUTOFF", "schedule_appointments"]

SRS_CUTOFF = 36.0  # a total of 36 or below signals an alliance concern

Bools = NDArray[np.bool_]


def schedule_appointments(
    rng: np.random.Generator,
    episodes: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    as_of: date,
    miss_rate: float,
    no_show_share_of_misses: float,
    low_alliance_miss_ratio: float,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Put attended sessions among missed ones, date them, and cut everything after ``as_of``.

    Before each attended session after the first, the client misses one appointment with
    probability m (a second with probability m/3), where m = ``miss_rate``, or ``miss_rate *
    low_alliance_miss_ratio`` (at most 0.9) when the previous SRS was at or below 36: missed
    sessions after a low alliance score are the ghosting pattern of DOMAIN.md. A miss is a no-show
    with probability ``no_show_share_of_misses`` (0.8 after a low SRS). Ghosted episodes end with
    1-2 no-shows, half the client-initiated ones with a cancellation. Appointments are weekly
    (``interval_days``, 15% of gaps doubled) from the episode's first day; an episode with an
    appointment after ``as_of`` is open (no end date, no ending) and loses those appointments.

    Parameters
    ----------
    rng : numpy.random.Generator
    episodes : pandas.DataFrame
        Positional index; first_day (datetime64[D]), interval_days, attended_sessions,
        true_ending, episode_id.
    visits : pandas.DataFrame
        One row per attended session in episode order: row (episode position), number, srs.
    as_of : date
        The day the clinic is looked at.
    miss_rate, no_show_share_of_misses, low_alliance_miss_ratio : float
        As in ``ClinicParameters``.

    Returns
    -------
    sessions, visits, episodes : pandas.DataFrame
        All appointments (episode_id, session, date, status); the attended visits still there,
        with their session number and date; episodes with start_date, end_date and ending.

    Examples
    --------
    >>> episodes = pd.DataFrame({"episode_id": [1], "first_day": [np.datetime64("2025-01-06")],
    ...     "interval_days": [7], "attended_sessions": [2], "true_ending": ["planned"]})
    >>> visits = pd.DataFrame({"row": [0, 0], "number": [1, 2], "srs": [38.0, 39.0]})
    >>> sessions, _, closed = schedule_appointments(np.random.default_rng(2), episodes, visits,
    ...     as_of=date(2025, 6, 30), miss_rate=0.0, no_show_share_of_misses=0.5,
    ...     low_alliance_miss_ratio=2.0)
    >>> sessions["status"].tolist(), closed["ending"].tolist()
    (['attended', 'attended'], ['planned'])
    """
    slots = _slots(
        rng,
        episodes,
        visits,
        miss_rate=miss_rate,
        no_show_share=no_show_share_of_misses,
        low_ratio=low_alliance_miss_ratio,
    )
    row = slots["row"].to_numpy()
    starts = np.r_[0, np.flatnonzero(np.diff(row)) + 1]
    sizes = np.diff(np.r_[starts, row.size])
    gap = episodes["interval_days"].to_numpy()[row] * np.where(rng.random(row.size) < 0.15, 2, 1)
    gap[starts] = 0
    elapsed = np.cumsum(gap) - np.repeat(np.cumsum(gap)[starts], sizes)
    slots["date"] = episodes["first_day"].to_numpy()[row] + elapsed.astype("timedelta64[D]")
    slots["session"] = np.arange(row.size) - np.repeat(starts, sizes) + 1
    seen = slots["date"].to_numpy() <= np.datetime64(as_of, "D")
    cut = np.bincount(row[~seen], minlength=len(episodes)) > 0
    slots = slots[seen]
    kept = slots[slots["visit"] >= 0]
    visits = visits.iloc[kept["visit"].to_numpy()].assign(
        session=kept["session"].to_numpy(), date=kept["date"].to_numpy()
    )
    sessions = pd.DataFrame(
        {
            "episode_id": episodes["episode_id"].to_numpy()[slots["row"].to_numpy()],
            "session": slots["session"].to_numpy(),
            "date": pd.to_datetime(slots["date"].to_numpy()),
            "status": slots["status"].to_numpy(),
        }
    )
    return sessions, visits.reset_index(drop=True), _close(episodes, slots, cut)


def _slots(
    rng: np.random.Generator,
    episodes: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    miss_rate: float,
    no_show_share: float,
    low_ratio: float,
) -> pd.DataFrame:
    """Each attended session is preceded by 0-2 missed ones, more after a low SRS (ghosting).

    A phantom visit after each episode's last attended one carries its tail: no-shows for ghosted
    episodes, a cancellation for half the client-initiated ones; the phantom itself is dropped.
    """
    row, srs = visits["row"].to_numpy(), visits["srs"].to_numpy()
    first = visits["number"].to_numpy() == 1
    low_before = np.r_[False, srs[:-1] <= SRS_CUTOFF] & ~first
    risk = np.minimum(miss_rate * np.where(low_before, low_ratio, 1.0), 0.9)
    misses = (rng.random(row.size) < risk) * (1 + (rng.random(row.size) < risk / 3))
    misses[first] = 0  # the first appointment is the intake visit
    fate = episodes["true_ending"].to_numpy()
    tail = np.where(fate == "ghosted", rng.integers(1, 3, fate.size), 0)
    tail += (fate == "client_initiated") & (rng.random(fate.size) < 0.5)
    last_low = srs[np.cumsum(episodes["attended_sessions"].to_numpy()) - 1] <= SRS_CUTOFF
    order = np.argsort(np.r_[row, np.arange(fate.size)], kind="stable")
    entry_row = np.r_[row, np.arange(fate.size)][order]
    entry_misses = np.r_[misses, tail][order]
    entry_visit = np.r_[np.arange(row.size), np.full(fate.size, -1)][order]
    entry_low = np.r_[low_before, last_low][order]
    rep = entry_misses + 1
    slot_row = np.repeat(entry_row, rep)
    position = np.arange(slot_row.size) - np.repeat(np.cumsum(rep) - rep, rep)
    missed = position < np.repeat(entry_misses, rep)
    visit = np.where(missed, -2, np.repeat(entry_visit, rep))
    tail_slot = missed & (np.repeat(entry_visit, rep) == -1)
    after_low = np.repeat(entry_low, rep)
    no_show = rng.random(slot_row.size) < np.where(after_low, 0.8, no_show_share)
    no_show = np.where(tail_slot, fate[slot_row] == "ghosted", no_show)
    status = np.where(visit >= 0, "attended", np.where(no_show, "no_show", "cancelled"))
    keep = visit != -1
    return pd.DataFrame({"row": slot_row[keep], "visit": visit[keep], "status": status[keep]})


def _close(episodes: pd.DataFrame, slots: pd.DataFrame, cut: Bools) -> pd.DataFrame:
    """Start and end dates from the appointments; episodes cut by ``as_of`` stay open."""
    dates = slots.groupby("row")["date"]
    end = pd.Series(pd.to_datetime(dates.max().to_numpy()), index=episodes.index)
    ending = pd.Series(episodes["true_ending"].to_numpy(), dtype=object)
    return episodes.assign(
        start_date=pd.to_datetime(dates.min().to_numpy()),
        end_date=end.where(~cut),
        ending=ending.where(~cut, None),
    )
