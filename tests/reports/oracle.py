"""An independent computation of every report figure, with pandas, from the simulated tables.

It never touches the database: the simulated clinic's own DataFrames (the ones
``alliance.demo.clinic`` writes as rows) are filtered and grouped here, and each episode is
classified with the scalar rules of the science core, so a wrong query, join or date bound in
the report shows up as a difference.
"""

import datetime as dt

import numpy as np
import pandas as pd

from alliance.measures import catalogue
from alliance.science.change import classify_episode, talking_therapies_outcome
from alliance.science.therapists import alliance_outcome_split
from alliance.science.trajectories import default_model

Expected = dict[tuple[str, str], tuple[float | None, int]]


def _rate(part: int, whole: int) -> tuple[float | None, int]:
    return (part / whole if whole else None, whole)


def expected_figures(
    clinic: object, start: dt.date, end: dt.date, clinician_ids: set[int] | None = None
) -> Expected:
    episodes = clinic.episodes.merge(clinic.clients[["client_id", "age_group"]], on="client_id")  # type: ignore[attr-defined]
    if clinician_ids is not None:
        episodes = episodes[episodes["clinician_id"].isin(clinician_ids)]
    episodes = episodes.assign(
        measure=np.where(episodes["age_group"] == "child", "cors", "ors"),
        alliance_measure=np.where(episodes["age_group"] == "child", "csrs", "srs"),
    )
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    opened = episodes["start_date"].between(first, last)
    closed = episodes[episodes["end_date"].between(first, last)]
    out: Expected = {
        ("episodes_opened", ""): (int(opened.sum()), int(opened.sum())),
        ("episodes_closed", ""): (len(closed), len(closed)),
        ("dropout_rate", ""): _rate(
            int(closed["ending"].isin(["client_initiated", "ghosted"]).sum()), len(closed)
        ),
        ("ghosting_rate", ""): _rate(int((closed["ending"] == "ghosted").sum()), len(closed)),
    }
    ratings = clinic.ratings[clinic.ratings["episode_id"].isin(episodes["episode_id"])]  # type: ignore[attr-defined]
    out |= _sessions(clinic, episodes, ratings, first, last)
    out |= _alliance(episodes, ratings, first, last)
    out |= _outcomes(closed, ratings)
    out |= _clinician_split(clinic, closed, ratings)
    out |= _talking_therapies(clinic, closed, ratings)
    return out


def _sessions(
    clinic: object,
    episodes: pd.DataFrame,
    ratings: pd.DataFrame,
    first: pd.Timestamp,
    last: pd.Timestamp,
) -> Expected:
    sessions = clinic.sessions.merge(episodes[["episode_id", "measure", "alliance_measure"]])  # type: ignore[attr-defined]
    sessions = sessions[sessions["date"].between(first, last)]
    attended = sessions[sessions["status"] == "attended"]
    client = ratings[ratings["rater"] == "client"][["episode_id", "session", "measure"]]
    keys = ["episode_id", "session"]
    with_outcome = attended.merge(client, on=[*keys, "measure"])
    with_alliance = attended.merge(
        client.rename(columns={"measure": "alliance_measure"}), on=[*keys, "alliance_measure"]
    )
    missed = int(sessions["status"].isin(["no_show", "cancelled"]).sum())
    return {
        ("sessions_scheduled", ""): (len(sessions), len(sessions)),
        ("sessions_attended", ""): (len(attended), len(attended)),
        ("sessions_missed_rate", ""): _rate(missed, len(sessions)),
        ("outcome_completion", ""): _rate(len(with_outcome.drop_duplicates(keys)), len(attended)),
        ("alliance_completion", ""): _rate(len(with_alliance.drop_duplicates(keys)), len(attended)),
    }


def _alliance(
    episodes: pd.DataFrame, ratings: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp
) -> Expected:
    own = ratings.merge(episodes[["episode_id", "alliance_measure"]])
    own = own[(own["measure"] == own["alliance_measure"]) & (own["rater"] == "client")]
    own = own[own["date"].between(first, last)]
    return {
        ("alliance_mean", str(measure)): (float(rows["score"].mean()), len(rows))
        for measure, rows in own.groupby("measure")
    }


def _first_last(ratings: pd.DataFrame, episodes: pd.DataFrame, measure_column: str) -> pd.DataFrame:
    own = ratings.merge(episodes[["episode_id", measure_column]])
    own = own[(own["measure"] == own[measure_column]) & (own["rater"] == "client")]
    ordered = own.sort_values(["episode_id", "session"]).groupby("episode_id")
    return pd.DataFrame(
        {
            "first": ordered["score"].first(),
            "last": ordered["score"].last(),
            "last_session": ordered["session"].last(),
            "n": ordered.size(),
        }
    ).reset_index()


def _outcomes(closed: pd.DataFrame, ratings: pd.DataFrame) -> Expected:
    changes = _first_last(ratings, closed, "measure").merge(closed)
    changes = changes[changes["n"] >= 2]
    means = (
        ratings[ratings["rater"] == "client"]
        .merge(closed[["episode_id", "alliance_measure"]])
        .query("measure == alliance_measure")
        .groupby("episode_id")["score"]
        .mean()
        .rename("alliance_mean")
    )
    changes = changes.merge(means, left_on="episode_id", right_index=True, how="left")
    out: Expected = {}
    classes = []
    for measure, rows in changes.groupby("measure"):
        out |= _measure(str(measure), rows, classes)
    split = pd.DataFrame(classes, columns=["change", "alliance", "gain"])
    for key, mask in (("good", split["alliance"] > 36), ("low", split["alliance"] <= 36)):
        group = split[mask]
        improved = int(group["change"].isin(["recovered", "reliably_improved"]).sum())
        out[(f"improved_rate_{key}", "")] = _rate(improved, len(group))
        out[(f"mean_change_{key}", "")] = (
            float(group["gain"].mean()) if len(group) else None,
            len(group),
        )
    return out


def _clinician_split(clinic: object, closed: pd.DataFrame, ratings: pd.DataFrame) -> Expected:
    """Baldwin et al.'s between/within split from the simulated tables: the prescriber's
    medication episodes have no primary therapist, so they are left out, as in the database."""
    roles = clinic.clinicians.set_index("clinician_id")["role"]  # type: ignore[attr-defined]
    client = ratings[ratings["rater"] == "client"]
    out: Expected = {}
    for measure, alliance_measure in (("ors", "srs"), ("cors", "csrs")):
        mine = closed[closed["measure"] == measure]
        mine = mine[mine["clinician_id"].map(roles) != "prescriber"]
        scores = client[client["measure"] == measure].sort_values("session")
        per = scores.groupby("episode_id")["score"].agg(["first", "last", "size"])
        alliance = client[client["measure"] == alliance_measure].groupby("episode_id")["score"]
        frame = (
            mine.set_index("episode_id")[["clinician_id"]]
            .join(per, how="inner")
            .join(alliance.mean().rename("alliance"), how="inner")
        )
        frame = frame[frame["size"] >= 2]
        frame = pd.DataFrame(
            {
                "clinician": frame["clinician_id"],
                "alliance": frame["alliance"],
                "intake": frame["first"],
                "final": frame["last"],
            }
        )
        frame = frame.sort_values(["alliance", "intake", "final"]).reset_index(drop=True)
        try:
            split = alliance_outcome_split(
                frame,
                clinician="clinician",
                alliance="alliance",
                outcome="final",
                covariates=["intake"],
            )
            within, between = split.within.estimate, split.between.estimate
        except ValueError:
            within = between = None
        out[("alliance_within", measure)] = (within, len(frame))
        out[("alliance_between", measure)] = (between, len(frame))
    return out


def _measure(measure: str, rows: pd.DataFrame, classes: list) -> Expected:
    instrument = catalogue.instrument(measure)
    sign = 1.0 if instrument.higher_is_better else -1.0
    found = [
        classify_episode(instrument, r.first, r.last, age_group=r.age_group).value
        for r in rows.itertuples()
    ]
    classes += [
        (change, r.alliance_mean, sign * (r.last - r.first))
        for change, r in zip(found, rows.itertuples(), strict=True)
    ]
    counts = pd.Series(found).value_counts()
    out: Expected = {("episodes_with_change", measure): (len(rows), len(rows))}
    for change in ("recovered", "reliably_improved", "no_reliable_change", "reliably_deteriorated"):
        out[(f"{change}_rate", measure)] = _rate(int(counts.get(change, 0)), len(rows))
        out[(change, measure)] = (int(counts.get(change, 0)), len(rows))
    gain = sign * (rows["last"] - rows["first"])
    sd = rows["first"].std(ddof=1)
    if not sd > 0:  # one episode, or all alike at intake: no d rather than a made-up one
        sd = None
    out[("pre_post_d", measure)] = (None if sd is None else gain.mean() / sd, len(rows))
    try:
        model = default_model(measure)
    except ValueError:
        out[("severity_adjusted", measure)] = (None, 0)
        return out
    expected = [
        float(model.expected_path(intake=r.first, sessions=[r.last_session]).expected[0])
        for r in rows.itertuples()
    ]
    surplus = gain - sign * (np.array(expected) - rows["first"].to_numpy())
    out[("severity_adjusted", measure)] = (None if sd is None else surplus.mean() / sd, len(rows))
    return out


def _talking_therapies(clinic: object, closed: pd.DataFrame, ratings: pd.DataFrame) -> Expected:
    both = []
    attended = clinic.sessions[clinic.sessions["status"] == "attended"].groupby("episode_id").size()  # type: ignore[attr-defined]
    for code in ("phq9", "gad7"):
        frame = closed.assign(code=code)
        table = _first_last(ratings, frame, "code")
        both.append(table[table["n"] >= 2].set_index("episode_id").add_prefix(f"{code}_"))
    table = both[0].join(both[1], how="inner")
    outcomes = [
        talking_therapies_outcome(
            phq9_first=r.phq9_first,
            phq9_last=r.phq9_last,
            gad7_first=r.gad7_first,
            gad7_last=r.gad7_last,
            treatment_sessions=int(attended.get(r.Index, 0)),
        )
        for r in table.itertuples()
    ]
    finished = [o for o in outcomes if o.finished_course]
    cases = [o for o in finished if o.caseness]
    return {
        ("tt_episodes", ""): (len(outcomes), len(outcomes)),
        ("tt_recovery", ""): _rate(sum(o.recovered for o in cases), len(cases)),
        ("tt_reliable_recovery", ""): _rate(sum(o.reliable_recovery for o in cases), len(cases)),
        ("tt_reliable_improvement", ""): _rate(
            sum(o.reliable_improvement for o in finished), len(finished)
        ),
        ("tt_reliable_deterioration", ""): _rate(
            sum(o.reliable_deterioration for o in finished), len(finished)
        ),
    }
