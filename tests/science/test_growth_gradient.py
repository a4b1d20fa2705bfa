"""The REML criterion's closed-form parts and its analytic gradient (alliance.science.growth_reml).

The criterion at any theta must equal the profiled REML criterion computed from full per-episode
matrices V_i / sigma^2 = I + Z_i Lambda Lambda' Z_i' (Bates et al. 2015, eq. 34-41), and its
gradient (Lindstrom & Bates 1988, differentiating V^-1) must equal a finite-difference gradient
of the criterion: a fourth-order central difference, whose error is far below the tolerance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance.science import growth, growth_reml
from alliance.science.growth import fit_growth_model, growth_sufficient_statistics

COVARIATES = {0: [], 1: ["intake"], 2: ["intake", "age"]}
THETAS = [
    (0.5, -0.1, 0.4),
    (1.0, 0.0, 1.0),
    (0.3, 0.2, 0.0),  # a correlation of -1 or +1
    (0.0, 0.3, 0.2),  # no intercept variation
    (2.0, -1.5, 0.05),
    (-0.7, 0.4, -0.3),  # the same Lambda Lambda' as (0.7, -0.4, 0.3)
]


def dated_ratings(
    n_episodes: int = 60, seed: int = 3, g: tuple[tuple[float, float], ...] = ((4, -1), (-1, 3))
) -> pd.DataFrame:
    """Real-valued, irregular times t = ln(weeks since intake + 1), some episodes of one rating."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 9, n_episodes)
    episode = np.repeat(np.arange(n_episodes), lengths)
    starts = np.cumsum(lengths) - lengths
    weeks = rng.gamma(4.0, 2.5, episode.size) / 7.0
    weeks[starts] = 0.0
    t = np.log1p(np.cumsum(weeks) - np.repeat(np.cumsum(weeks)[starts], lengths))
    intake = rng.normal(19.0, 7.5, n_episodes)
    age = rng.normal(35.0, 10.0, n_episodes)
    b = rng.multivariate_normal([0.0, 0.0], g, n_episodes)
    score = 1 + 0.95 * intake[episode] + (4 - 0.2 * intake[episode]) * t
    score = score + b[episode, 0] + b[episode, 1] * t + rng.normal(0.0, 4.0, episode.size)
    return pd.DataFrame(
        {"episode": episode, "t": t, "score": score, "intake": intake[episode], "age": age[episode]}
    )


def criterion_for(ratings: pd.DataFrame, covariates: list[str]) -> growth_reml._RemlCriterion:
    stats = growth_sufficient_statistics(
        ratings, group="episode", time="t", outcome="score", covariates=covariates
    )
    return growth_reml._RemlCriterion(stats, growth_reml._PatternSums(stats))


def dense_criterion(ratings: pd.DataFrame, covariates: list[str], theta: np.ndarray) -> float:
    """-2 profiled REML log-likelihood from each episode's full V_i / sigma^2 (no 2x2 algebra)."""
    lam = np.array([[theta[0], 0.0], [theta[1], theta[2]]])
    p = 2 + 2 * len(covariates)
    xvx, xvy, yvy, logdet = np.zeros((p, p)), np.zeros(p), 0.0, 0.0
    centred = ratings.assign(**{c: ratings[c] - ratings[c].mean() for c in ["t", *covariates]})
    for _, rows in centred.groupby("episode"):
        t = rows.t.to_numpy()
        z = np.column_stack([np.ones_like(t), t])
        c = rows[covariates].to_numpy()
        x = np.column_stack([z, c, c * t[:, None]])
        v = np.eye(t.size) + z @ lam @ lam.T @ z.T
        v_inv = np.linalg.inv(v)
        y = rows.score.to_numpy()
        xvx, xvy, yvy = xvx + x.T @ v_inv @ x, xvy + x.T @ v_inv @ y, yvy + y @ v_inv @ y
        logdet += np.linalg.slogdet(v)[1]
    rss = yvy - xvy @ np.linalg.solve(xvx, xvy)
    dof = len(ratings) - p
    return float(logdet + np.linalg.slogdet(xvx)[1] + dof * (1 + np.log(2 * np.pi * rss / dof)))


def central_difference(f: growth_reml._RemlCriterion, theta: np.ndarray) -> np.ndarray:
    """(8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / 12h per coordinate, error O(h^4)."""
    h = 1e-3
    steps = h * np.eye(3)
    return np.array(
        [
            (8 * (f(theta + e) - f(theta - e)) - (f(theta + 2 * e) - f(theta - 2 * e))) / (12 * h)
            for e in steps
        ]
    )


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    return dated_ratings()


@pytest.mark.parametrize("k", sorted(COVARIATES))
@pytest.mark.parametrize("theta", THETAS)
def test_the_criterion_equals_the_dense_computation_at_any_theta(
    ratings: pd.DataFrame, k: int, theta: tuple[float, float, float]
) -> None:
    criterion = criterion_for(ratings, COVARIATES[k])
    expected = dense_criterion(ratings, COVARIATES[k], np.array(theta))
    assert criterion(np.array(theta)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("k", sorted(COVARIATES))
@pytest.mark.parametrize("theta", THETAS)
def test_the_analytic_gradient_matches_a_finite_difference_gradient(
    ratings: pd.DataFrame, k: int, theta: tuple[float, float, float]
) -> None:
    criterion = criterion_for(ratings, COVARIATES[k])
    value, gradient = criterion.value_and_gradient(np.array(theta))
    assert value == criterion(np.array(theta))
    expected = central_difference(criterion, np.array(theta))
    np.testing.assert_allclose(gradient, expected, rtol=1e-7, atol=1e-7 * np.abs(expected).max())


def test_the_gradient_vanishes_at_the_fitted_optimum(ratings: pd.DataFrame) -> None:
    criterion = criterion_for(ratings, ["intake"])
    start = np.array([1.0, 0.0, 1.0])
    _, at_start = criterion.value_and_gradient(start)
    theta = growth._quasi_newton(criterion, start).x
    _, at_optimum = criterion.value_and_gradient(theta)
    assert np.abs(at_optimum).max() < 1e-6 * np.abs(at_start).max()


def test_a_dated_fit_takes_one_evaluation_per_step_and_no_polish_inside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Before the analytic gradient this fit took about 300 evaluations: 7 per L-BFGS-B step for
    # the finite-difference gradient, then some 200 for a Nelder-Mead polish.
    calls = {"value": 0, "gradient": 0}
    value, both = growth_reml._RemlCriterion.__call__, growth_reml._RemlCriterion.value_and_gradient

    def count_value(self: growth_reml._RemlCriterion, theta: np.ndarray) -> float:
        calls["value"] += 1
        return value(self, theta)

    def count_both(self: growth_reml._RemlCriterion, theta: np.ndarray) -> tuple[float, np.ndarray]:
        calls["gradient"] += 1
        return both(self, theta)

    monkeypatch.setattr(growth_reml._RemlCriterion, "__call__", count_value)
    monkeypatch.setattr(growth_reml._RemlCriterion, "value_and_gradient", count_both)
    fit = fit_growth_model(
        dated_ratings(400, seed=1),
        group="episode",
        time="t",
        outcome="score",
        covariates=["intake"],
    )
    assert not fit.singular and fit.converged
    assert calls["gradient"] <= 40
    assert calls["value"] <= 1  # the log-likelihood reported at the optimum


NEAR_BOUNDARY = {
    "no slope variation": ((4.0, 0.0), (0.0, 0.01)),
    "correlation -0.98": ((4.0, -0.98 * 12**0.5), (-0.98 * 12**0.5, 3.0)),
    "correlation +0.999": ((4.0, 0.999 * 12**0.5), (0.999 * 12**0.5, 3.0)),
    "no intercept variation": ((0.02, 0.0), (0.0, 3.0)),
}


@pytest.mark.parametrize("g", list(NEAR_BOUNDARY.values()), ids=list(NEAR_BOUNDARY))
@pytest.mark.parametrize("seed", [1, 2])
def test_near_the_boundary_a_polish_of_every_fit_finds_nothing_better(
    monkeypatch: pytest.MonkeyPatch, g: tuple[tuple[float, float], ...], seed: int
) -> None:
    # The Nelder-Mead polish now runs only on the boundary; here it runs on every fit.
    ratings = dated_ratings(80, seed=seed, g=g)
    fit = fit_growth_model(
        ratings, group="episode", time="t", outcome="score", covariates=["intake"]
    )
    monkeypatch.setattr(growth, "_POLISH_NEAR", np.inf)
    polished = fit_growth_model(
        ratings, group="episode", time="t", outcome="score", covariates=["intake"]
    )
    assert fit.reml_loglik == pytest.approx(polished.reml_loglik, abs=1e-8)
    assert fit.singular == polished.singular
