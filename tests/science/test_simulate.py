"""Tests for the synthetic clinic simulator (alliance.science.simulate).

Target figures come from the papers the defaults cite: dropout 19.7% (Swift & Greenberg 2012),
alliance-outcome r = .278 (Flueckiger et al. 2018), clinicians' share of outcome variance 5%
(Wampold & Brown 2005; Johns et al. 2019), adult ORS intake mean 19.6 (Miller et al. 2003). The
large simulation has about 11,000 planned endings, so the tolerances below are 3-4 standard errors
of each estimate (plus the small attenuation the 0-40 ceiling causes).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.science.simulate import (
    ClinicParameters,
    SimulatedClinic,
    demo_clinic_parameters,
    simulate_clinic,
    simulate_growth_ratings,
)
from alliance.science.simulate_ratings import split_total

SMALL = ClinicParameters(n_clinicians=6, n_clients=80, observed_weeks=30)


@pytest.fixture(scope="module")
def clinic() -> SimulatedClinic:
    return simulate_clinic(ClinicParameters(n_clients=1500), seed=11)


@pytest.fixture(scope="module")
def large_clinic() -> SimulatedClinic:
    params = ClinicParameters(n_clinicians=150, n_clients=15000, observed_weeks=400)
    return simulate_clinic(params, seed=2024)


def planned_outcomes(clinic: SimulatedClinic) -> pd.DataFrame:
    """Planned endings with at least two sessions, with the first and final observed ORS."""
    ors = clinic.ratings[clinic.ratings["measure"].isin(["ors", "cors"])]
    scores = ors.groupby("episode_id")["score"]
    episodes = clinic.episodes.set_index("episode_id")
    episodes = episodes.assign(first=scores.first(), final=scores.last())
    planned = (episodes["ending"] == "planned") & (episodes["planned_sessions"] >= 2)
    return episodes[planned].reset_index()


def test_the_same_seed_gives_the_same_clinic() -> None:
    one, two = simulate_clinic(SMALL, seed=5), simulate_clinic(SMALL, seed=5)
    for table in ("clinicians", "clients", "episodes", "sessions", "ratings"):
        pd.testing.assert_frame_equal(getattr(one, table), getattr(two, table))
    assert one.truth == two.truth


def test_another_seed_gives_another_clinic() -> None:
    one, two = simulate_clinic(SMALL, seed=5), simulate_clinic(SMALL, seed=6)
    assert not one.ratings["score"].equals(two.ratings["score"])


def test_dropout_share_lands_near_swift_and_greenberg_197_percent(
    large_clinic: SimulatedClinic,
) -> None:
    fate = large_clinic.episodes["true_ending"]
    dropout = fate.isin(["client_initiated", "ghosted"]).mean()
    assert dropout == pytest.approx(0.197, abs=0.015)
    closed = large_clinic.episodes["ending"].dropna()
    assert closed.isin(["client_initiated", "ghosted"]).mean() == pytest.approx(0.197, abs=0.02)


def test_weaker_alliance_goes_with_dropout(large_clinic: SimulatedClinic) -> None:
    episodes = large_clinic.episodes
    dropout = episodes["true_ending"].isin(["client_initiated", "ghosted"])
    assert (
        episodes.loc[dropout, "alliance"].mean() < episodes.loc[~dropout, "alliance"].mean() - 0.3
    )


def test_alliance_outcome_correlation_lands_near_flueckiger_028(
    large_clinic: SimulatedClinic,
) -> None:
    # over all episodes, on the true scale: the final score given intake is intake + change +
    # session noise, so without the noise the correlation is r * change_sd / sqrt(change_sd^2 -
    # residual_sd^2)
    truth, episodes = large_clinic.truth, large_clinic.episodes
    residual = smf.ols("change ~ intake", episodes).fit().resid
    noise_free = truth["change_sd"] / np.sqrt(truth["change_sd"] ** 2 - truth["residual_sd"] ** 2)
    expected = truth["alliance_outcome_correlation"] * noise_free
    assert np.corrcoef(episodes["alliance"], residual)[0, 1] == pytest.approx(expected, abs=0.03)


def test_observed_alliance_outcome_correlation_is_near_028_among_planned_endings(
    large_clinic: SimulatedClinic,
) -> None:
    # completers had stronger alliances (dropout depends on it), which narrows the range and
    # lowers the correlation by about .02; the 0-40 ceiling takes a little more
    outcomes = planned_outcomes(large_clinic)
    residual = smf.ols("final ~ intake", outcomes).fit().resid
    r = np.corrcoef(outcomes["alliance"], residual)[0, 1]
    assert r == pytest.approx(large_clinic.truth["alliance_outcome_correlation"], abs=0.06)


def anova_share(residual: pd.Series, group: pd.Series) -> float:
    """One-way ANOVA (method of moments) intraclass correlation for unbalanced groups.

    tau^2 = (MSB - MSW) / n0 with n0 = (N - sum n_k^2 / N) / (K - 1) (Searle, Casella &
    McCulloch 1992, Variance Components, ch. 3); an estimator independent of any REML code.
    """
    n, k = len(residual), group.nunique()
    sizes = group.value_counts()
    means = residual.groupby(group).transform("mean")
    within = float(((residual - means) ** 2).sum()) / (n - k)
    between = float((sizes * (residual.groupby(group).mean() - residual.mean()) ** 2).sum()) / (
        k - 1
    )
    n0 = (n - float((sizes**2).sum()) / n) / (k - 1)
    tau2 = (between - within) / n0
    return tau2 / (tau2 + within)


def test_clinician_variance_share_lands_near_wampold_and_brown_5_percent(
    large_clinic: SimulatedClinic,
) -> None:
    outcomes = planned_outcomes(large_clinic)
    residual = smf.ols("final ~ intake", outcomes).fit().resid
    share = anova_share(residual, outcomes["clinician_id"])
    assert share == pytest.approx(large_clinic.truth["clinician_variance_share"], abs=0.02)


def test_clinician_true_effects_have_the_stated_variance(large_clinic: SimulatedClinic) -> None:
    effects = large_clinic.clinicians["true_effect"]
    # 150 draws: the sample variance is within 35% of the truth with overwhelming probability
    assert effects.var() == pytest.approx(large_clinic.truth["clinician_variance"], rel=0.35)


def test_adult_intake_mean_lands_near_miller_196(large_clinic: SimulatedClinic) -> None:
    first = large_clinic.ratings.groupby("episode_id").first()
    adults = first[(first["age_group"] == "adult") & (first["measure"] == "ors")]
    assert adults["score"].mean() == pytest.approx(19.6, abs=0.3)
    assert 7.0 <= adults["score"].std() <= 8.5


def test_most_change_happens_early(large_clinic: SimulatedClinic) -> None:
    ors = large_clinic.ratings[large_clinic.ratings["measure"] == "ors"]
    long = large_clinic.episodes.loc[large_clinic.episodes["planned_sessions"] >= 12, "episode_id"]
    path = ors[ors["episode_id"].isin(long)].groupby("session")["score"].mean()
    assert path[4] - path[1] > path[10] - path[4] > 0


def test_items_stay_on_their_scales_and_add_up_to_the_total(clinic: SimulatedClinic) -> None:
    ratings = clinic.ratings
    scales = {"ors": (4, 10), "cors": (4, 10), "srs": (4, 10), "csrs": (4, 10), "phq9": (9, 3)}
    scales["gad7"] = (7, 3)
    for measure, (n_items, top) in scales.items():
        rows = ratings[ratings["measure"] == measure]
        items = rows[[f"item_{i}" for i in range(1, 10)]].to_numpy()
        assert len(rows) > 0, measure
        assert np.all((items[:, :n_items] >= 0) & (items[:, :n_items] <= top)), measure
        assert np.isnan(items[:, n_items:]).all(), measure
        assert np.allclose(items[:, :n_items].sum(axis=1), rows["score"]), measure
        assert np.allclose(np.round(items[:, :n_items] * 10), items[:, :n_items] * 10), measure


def test_likert_items_are_whole_numbers(clinic: SimulatedClinic) -> None:
    rows = clinic.ratings[clinic.ratings["measure"].isin(["phq9", "gad7"])]
    items = rows[[f"item_{i}" for i in range(1, 8)]].to_numpy()
    assert np.array_equal(items, np.round(items))


def test_session_numbers_run_from_one_without_gaps(clinic: SimulatedClinic) -> None:
    numbers = clinic.sessions.groupby("episode_id")["session"]
    assert (numbers.min() == 1).all()
    assert (numbers.max() == numbers.count()).all()
    assert set(clinic.sessions["episode_id"]) == set(clinic.episodes["episode_id"])


def test_attended_sessions_per_episode_stay_within_one_to_thirty(clinic: SimulatedClinic) -> None:
    attended = clinic.sessions[clinic.sessions["status"] == "attended"].groupby("episode_id")
    assert attended.size().between(1, 30).all()
    assert (attended.size() <= 3).mean() > 0.3  # many short episodes


def test_ratings_exist_only_for_attended_sessions(clinic: SimulatedClinic) -> None:
    keys = ["episode_id", "session"]
    joined = clinic.ratings.merge(clinic.sessions, on=keys, how="left", suffixes=("", "_s"))
    assert (joined["status"] == "attended").all()
    assert (joined["date"] == joined["date_s"]).all()
    attended = clinic.sessions[clinic.sessions["status"] == "attended"]
    outcome = clinic.ratings[clinic.ratings["measure"].isin(["ors", "cors"])]
    assert len(outcome.merge(attended, on=keys)) == len(attended)


def test_dates_increase_within_each_episode(clinic: SimulatedClinic) -> None:
    steps = clinic.sessions.groupby("episode_id")["date"].diff().dropna()
    assert (steps > pd.Timedelta(0)).all()
    assert (clinic.sessions["date"].dt.day_of_week < 5).all()


def test_open_episodes_have_no_end_date_and_no_ending(clinic: SimulatedClinic) -> None:
    episodes = clinic.episodes
    open_ = episodes["end_date"].isna()
    assert 0 < open_.sum() < len(episodes) / 2
    assert episodes.loc[open_, "ending"].isna().all()
    assert (
        episodes.loc[~open_, "ending"]
        .isin(["planned", "client_initiated", "ghosted", "transferred"])
        .all()
    )
    last = clinic.sessions.groupby("episode_id")["date"].max()
    closed = episodes[~open_].set_index("episode_id")
    assert (closed["end_date"] == last[closed.index]).all()
    assert (clinic.sessions["date"] <= pd.Timestamp(clinic.as_of)).all()


def test_ghosted_episodes_end_with_a_no_show(clinic: SimulatedClinic) -> None:
    ghosted = clinic.episodes.loc[clinic.episodes["ending"] == "ghosted", "episode_id"]
    last = clinic.sessions.groupby("episode_id").last()
    assert (last.loc[ghosted, "status"] == "no_show").all()


def test_missed_sessions_are_more_common_after_a_low_alliance_score(
    large_clinic: SimulatedClinic,
) -> None:
    srs = large_clinic.ratings.query("measure == 'srs' and rater == 'client'")
    sessions = large_clinic.sessions.merge(
        srs[["episode_id", "session", "score"]], on=["episode_id", "session"], how="left"
    )
    previous = sessions.groupby("episode_id")["score"].shift()
    following_missed = sessions.groupby("episode_id")["status"].shift(-1) != "attended"
    following_missed &= sessions.groupby("episode_id")["status"].shift(-1).notna()
    low = following_missed[sessions["score"] <= 36].mean()
    high = following_missed[sessions["score"] > 36].mean()
    assert low > 1.5 * high
    assert previous.notna().any()


def test_srs_totals_sit_mostly_at_36_to_40_with_some_perfect_raters(
    clinic: SimulatedClinic,
) -> None:
    srs = clinic.ratings.query("measure == 'srs' and rater == 'client'")
    assert 0.6 < (srs["score"] >= 36).mean() < 0.9
    assert srs["score"].max() == 40.0
    always_perfect = srs.groupby("episode_id")["score"].min() == 40.0
    assert 0.1 < always_perfect.mean() < 0.4
    assert (srs["score"] < 30).any()  # dips


def test_clinicians_usually_rate_the_session_higher_than_clients(clinic: SimulatedClinic) -> None:
    srs = clinic.ratings[clinic.ratings["measure"] == "srs"]
    pairs = srs.pivot_table(index=["episode_id", "session"], columns="rater", values="score")
    gap = (pairs["clinician"] - pairs["client"]).dropna()
    assert len(gap) > 50
    assert gap.mean() > 0.5
    assert (gap >= 4).any()


def test_phq9_item_nine_is_above_zero_for_a_small_share(large_clinic: SimulatedClinic) -> None:
    phq = large_clinic.ratings[large_clinic.ratings["measure"] == "phq9"]
    assert 0.01 < (phq["item_9"] > 0).mean() < 0.15
    assert phq["score"].between(0, 27).all()
    gad = large_clinic.ratings[large_clinic.ratings["measure"] == "gad7"]
    assert gad["score"].between(0, 21).all()


def test_phq9_falls_as_ors_rises(large_clinic: SimulatedClinic) -> None:
    keys = ["episode_id", "session"]
    ratings = large_clinic.ratings
    phq = ratings[ratings["measure"] == "phq9"][[*keys, "score"]]
    joined = phq.merge(ratings[ratings["measure"] == "ors"][[*keys, "score"]], on=keys)
    assert np.corrcoef(joined["score_x"], joined["score_y"])[0, 1] < -0.4


def test_children_rate_the_child_measures(clinic: SimulatedClinic) -> None:
    ratings = clinic.ratings
    children = ratings["age_group"] == "child"
    assert set(ratings.loc[children, "measure"]) == {"cors", "csrs"}
    assert set(ratings.loc[~children, "measure"]) <= {"ors", "srs", "phq9", "gad7"}


def test_the_prescriber_sees_clients_for_medication_management(clinic: SimulatedClinic) -> None:
    prescriber = clinic.clinicians.loc[clinic.clinicians["role"] == "prescriber", "clinician_id"]
    theirs = clinic.episodes["clinician_id"].isin(prescriber)
    assert (clinic.episodes.loc[theirs, "setting"] == "medication_management").all()
    assert (clinic.episodes.loc[~theirs, "setting"] != "medication_management").all()


def test_the_demo_clinic_has_two_teams_and_active_episodes_near_today() -> None:
    today = date(2026, 3, 2)
    demo = simulate_clinic(demo_clinic_parameters(today), seed=1)
    assert len(demo.clinicians) == 8
    assert demo.clinicians["team"].nunique() == 2
    assert set(demo.clinicians["role"]) == {"therapist", "prescriber", "supervisor"}
    assert len(demo.clients) == 120
    assert demo.episodes["end_date"].isna().sum() >= 5
    assert demo.sessions["date"].max() >= pd.Timestamp(today) - pd.Timedelta(days=7)
    assert demo.as_of == today
    supervisor = demo.clinicians.loc[demo.clinicians["role"] == "supervisor", "clinician_id"]
    caseload = demo.episodes["clinician_id"].value_counts()
    assert 0 < caseload.get(int(supervisor.iloc[0]), 0) < caseload.max()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dropout_share", 1.2),
        ("clinician_variance_share", 0.0),
        ("n_clinicians", 1),
        ("mean_sessions", 40.0),
        ("age_shares", (0.5, 0.5, 0.5)),
        ("residual_sd", 8.0),
    ],
)
def test_it_refuses_parameters_out_of_range_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        ClinicParameters(**{field: value})  # type: ignore[arg-type]


def test_it_refuses_a_start_date_after_as_of() -> None:
    with pytest.raises(ValueError, match="start_date"):
        simulate_clinic(
            demo_clinic_parameters(date(2025, 1, 1)), seed=1, start_date=date(2025, 2, 1)
        )


def test_growth_ratings_have_the_asked_sizes_and_contiguous_sessions() -> None:
    frame = simulate_growth_ratings(20_000, 3_000, seed=4)
    assert len(frame) == 20_000
    assert frame["episode_id"].nunique() == 3_000
    sessions = frame.groupby("episode_id")["session"]
    assert (sessions.min() == 1).all() and (sessions.max() == sessions.count()).all()
    assert sessions.max().max() <= 30
    assert np.allclose(frame["log_session"], np.log(frame["session"]))


def test_growth_ratings_recover_their_fixed_effects() -> None:
    frame = simulate_growth_ratings(200_000, 30_000, seed=8)
    fit = smf.ols("score ~ log_session * intake", frame).fit()
    truth = frame.attrs["truth"]
    assert fit.params["log_session"] == pytest.approx(truth["log_session"], abs=0.15)
    assert fit.params["intake"] == pytest.approx(truth["intake"], abs=0.02)
    assert fit.params["log_session:intake"] == pytest.approx(truth["intake:log_session"], abs=0.01)


def test_growth_ratings_are_seeded() -> None:
    pd.testing.assert_frame_equal(
        simulate_growth_ratings(500, 60, seed=1), simulate_growth_ratings(500, 60, seed=1)
    )


def test_growth_ratings_refuse_more_ratings_than_sessions_allow() -> None:
    with pytest.raises(ValueError, match="n_ratings"):
        simulate_growth_ratings(100, 3, seed=1)


@settings(max_examples=60, deadline=None)
@given(
    totals=st.lists(st.integers(0, 400), min_size=1, max_size=20),
    spread=st.floats(0.3, 50.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_items_always_add_up_and_stay_on_the_line(
    totals: list[int], spread: float, seed: int
) -> None:
    total = np.array(totals, dtype=np.int64)
    items = split_total(np.random.default_rng(seed), total, 4, 100, spread)
    assert np.array_equal(items.sum(axis=1), total)
    assert items.min() >= 0 and items.max() <= 100


@settings(max_examples=60, deadline=None)
@given(totals=st.lists(st.integers(0, 27), min_size=1, max_size=20), seed=st.integers(0, 99))
def test_split_answers_always_add_up_and_stay_within_zero_to_three(
    totals: list[int], seed: int
) -> None:
    total = np.array(totals, dtype=np.int64)
    items = split_total(np.random.default_rng(seed), total, 9, 3, 3.0)
    assert np.array_equal(items.sum(axis=1), total)
    assert items.min() >= 0 and items.max() <= 3
