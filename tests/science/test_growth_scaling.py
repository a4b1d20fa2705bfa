"""The growth fitter works on centred and scaled data, refuses what it cannot fit, and marks a
boundary fit (alliance.science.growth).

Shifting a score by a constant moves only the intercept and leaves the REML log-likelihood
unchanged; rescaling it multiplies the estimates and moves the log-likelihood by -(n - p) log(scale)
(the REML density of the error contrasts, Harville 1977). lme4 is exact under both (issue 18).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alliance.science.growth import GrowthFit, fit_growth_model

G = np.array([[4.0, -1.0], [-1.0, 3.0]])


def simulate(seed: int, n_episodes: int = 80, g: np.ndarray = G) -> pd.DataFrame:
    """Growth ratings with intake, 2 to 9 sessions each, t = ln(session)."""
    rng = np.random.default_rng(seed)
    n = rng.integers(2, 10, size=n_episodes)
    episode = np.repeat(np.arange(n_episodes), n)
    session = np.arange(episode.size) - np.repeat(np.cumsum(n) - n, n) + 1
    t = np.log(session)
    intake = rng.normal(19.0, 7.5, n_episodes)[episode]
    b = rng.multivariate_normal([0.0, 0.0], g, size=n_episodes)[episode]
    mean = 1.0 + 0.95 * intake + (4.0 - 0.2 * intake) * t
    score = mean + b[:, 0] + b[:, 1] * t + rng.normal(0.0, 4.0, episode.size)
    return pd.DataFrame({"episode": episode, "log_session": t, "score": score, "intake": intake})


def fit(ratings: pd.DataFrame) -> GrowthFit:
    return fit_growth_model(
        ratings, group="episode", time="log_session", outcome="score", covariates=["intake"]
    )


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    return simulate(11)


@pytest.fixture(scope="module")
def base(ratings: pd.DataFrame) -> GrowthFit:
    return fit(ratings)


def assert_same_random_effects(moved: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(moved, expected, rtol=1e-4, atol=1e-6 * np.abs(expected).max())


@settings(max_examples=12, deadline=None)
@given(shift=st.sampled_from([-1e6, -1e5, 1e5, 1e6]), scale=st.floats(1e-3, 1e3))
@example(shift=1e6, scale=1.0)
@example(shift=1e5, scale=1.0)
def test_shifting_and_scaling_the_scores_changes_the_fit_exactly_as_it_should(
    ratings: pd.DataFrame, base: GrowthFit, shift: float, scale: float
) -> None:
    moved = fit(ratings.assign(score=shift + scale * ratings.score))
    expected = {name: scale * value for name, value in base.fixed_effects.items()}
    expected["intercept"] += shift
    for name, value in expected.items():
        assert moved.fixed_effects[name] == pytest.approx(value, rel=1e-6, abs=1e-6 * scale)
    assert_same_random_effects(moved.random_cov, scale**2 * base.random_cov)
    assert moved.residual_variance == pytest.approx(scale**2 * base.residual_variance, rel=1e-6)
    dof = base.n_obs - len(base.fixed_effects)
    assert moved.reml_loglik == pytest.approx(base.reml_loglik - dof * np.log(scale), abs=1e-6)
    assert moved.converged and moved.singular == base.singular


@pytest.mark.parametrize("shift", [1e5, 1e6, -1e6])
def test_shifting_the_intake_moves_only_the_terms_it_enters(
    ratings: pd.DataFrame, base: GrowthFit, shift: float
) -> None:
    moved = fit(ratings.assign(intake=ratings.intake + shift))
    beta = base.fixed_effects
    assert moved.fixed_effects["intake"] == pytest.approx(beta["intake"], rel=1e-6)
    assert moved.fixed_effects["intercept"] == pytest.approx(
        beta["intercept"] - beta["intake"] * shift, rel=1e-6, abs=1e-6
    )
    assert moved.fixed_effects["log_session"] == pytest.approx(
        beta["log_session"] - beta["intake:log_session"] * shift, rel=1e-6, abs=1e-6
    )
    assert_same_random_effects(moved.random_cov, base.random_cov)
    assert moved.reml_loglik == pytest.approx(base.reml_loglik, abs=1e-6)


@pytest.mark.parametrize("shift", [1e5, 1e6])
def test_shifting_the_time_moves_the_random_intercept_to_the_new_origin(
    ratings: pd.DataFrame, base: GrowthFit, shift: float
) -> None:
    moved = fit(ratings.assign(log_session=ratings.log_session + shift))
    # b0 + b1 t = (b0 - b1 d) + b1 (t + d): the random effects map by S = [[1, -d], [0, 1]].
    s = np.array([[1.0, -shift], [0.0, 1.0]])
    expected = s @ base.random_cov @ s.T
    assert moved.random_cov[1, 1] == pytest.approx(base.random_cov[1, 1], rel=1e-4)
    np.testing.assert_allclose(moved.random_cov, expected, rtol=1e-4)
    assert moved.fixed_effects["log_session"] == pytest.approx(
        base.fixed_effects["log_session"], rel=1e-6
    )
    assert moved.reml_loglik == pytest.approx(base.reml_loglik, abs=1e-5)


def test_rescaling_time_and_intake_rescales_their_coefficients(
    ratings: pd.DataFrame, base: GrowthFit
) -> None:
    moved = fit(ratings.assign(log_session=ratings.log_session * 1e3, intake=ratings.intake / 1e4))
    beta = base.fixed_effects
    assert moved.fixed_effects["log_session"] == pytest.approx(beta["log_session"] / 1e3, rel=1e-6)
    assert moved.fixed_effects["intake"] == pytest.approx(beta["intake"] * 1e4, rel=1e-6)
    assert moved.fixed_effects["intake:log_session"] == pytest.approx(
        beta["intake:log_session"] * 1e4 / 1e3, rel=1e-6
    )
    assert moved.random_cov[1, 1] == pytest.approx(base.random_cov[1, 1] / 1e6, rel=1e-4)
    assert moved.residual_variance == pytest.approx(base.residual_variance, rel=1e-6)


@pytest.mark.parametrize("value", [0.0, 20.0, 1e6])
def test_it_refuses_a_constant_outcome_naming_the_column(
    ratings: pd.DataFrame, value: float
) -> None:
    with pytest.raises(ValueError, match=r"^score: is constant"):
        fit(ratings.assign(score=value))


def test_it_refuses_an_intake_collinear_with_the_intercept_naming_it(
    ratings: pd.DataFrame,
) -> None:
    with pytest.raises(ValueError, match=r"^intake: is constant or collinear"):
        fit(ratings.assign(intake=1e6 + 1e-9 * ratings.intake))


def test_it_refuses_a_second_covariate_equal_to_the_first_naming_it(
    ratings: pd.DataFrame,
) -> None:
    with pytest.raises(ValueError, match=r"^double: is constant or collinear"):
        fit_growth_model(
            ratings.assign(double=2.0 * ratings.intake + 3.0),
            group="episode",
            time="log_session",
            outcome="score",
            covariates=["intake", "double"],
        )


def test_a_fit_with_no_slope_variation_is_marked_singular() -> None:
    # Every episode has the same session-to-session noise, so the episodes' own slopes are all
    # equal: the slope variance's estimate is 0, on the boundary (lme4's isSingular case).
    rng = np.random.default_rng(1)
    n, t, noise = 60, np.log(np.arange(1, 7)), rng.normal(0.0, 3.0, 6)
    intake = rng.normal(20.0, 7.0, n)
    flat = pd.DataFrame(
        {"episode": np.repeat(np.arange(n), 6), "log_session": np.tile(t, n)}
    ).assign(intake=np.repeat(intake, 6))
    flat["score"] = flat.intake + np.repeat(rng.normal(0, 2, n), 6) + 2 * flat.log_session
    flat["score"] += np.tile(noise, n)
    boundary = fit(flat)
    assert boundary.singular and boundary.converged
    assert boundary.random_cov[1, 1] < 1e-8 * boundary.residual_variance


def test_a_fit_inside_the_parameter_space_is_not_marked_singular() -> None:
    interior = fit(simulate(11, n_episodes=300))
    assert not interior.singular
    assert abs(interior.random_correlation) < 0.9
