"""Episodes are grouped by time pattern with a lexicographic sort (issue 16, point 8).

:func:`alliance.science.growth.group_rows` must give exactly ``np.unique(axis=0,
return_inverse=True)``: the same distinct rows in the same order and the same index per row, so the
REML sums, and therefore the fit, are unchanged to the last bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from alliance.science import growth, growth_reml
from alliance.science.growth import fit_growth_model, group_rows


def unique_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    unique, index = np.unique(keys, axis=0, return_inverse=True)
    return unique, index.reshape(-1)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 40), st.integers(1, 4)),
        elements=st.sampled_from([-2.0, -0.0, 0.0, 0.5, 1.0, 1e-300, 3.25, 1e12]),
    )
)
def test_it_groups_rows_exactly_as_numpy_unique_does(keys: np.ndarray) -> None:
    unique, index = group_rows(keys)
    expected_unique, expected_index = unique_rows(keys)
    np.testing.assert_array_equal(unique, expected_unique)
    np.testing.assert_array_equal(index, expected_index)


def test_it_groups_a_million_real_valued_rows_as_numpy_unique_does() -> None:
    rng = np.random.default_rng(16)
    n = rng.integers(1, 13, 200_000).astype(float)
    keys = np.column_stack([n, rng.gamma(2.0, 1.0, n.size), rng.gamma(4.0, 1.0, n.size)])
    keys[::4] = np.round(keys[::4], 1)  # many ties in the later columns too
    unique, index = group_rows(keys)
    expected_unique, expected_index = unique_rows(keys)
    np.testing.assert_array_equal(unique, expected_unique)
    np.testing.assert_array_equal(index, expected_index)
    np.testing.assert_array_equal(unique[index], keys)


def test_no_rows_give_no_groups() -> None:
    unique, index = group_rows(np.zeros((0, 3)))
    assert unique.shape == (0, 3)
    assert index.shape == (0,)


def dated_ratings(seed: int = 8, n_episodes: int = 300) -> pd.DataFrame:
    """Real-valued times (ln of weeks since intake + 1): nearly every episode its own pattern."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 12, n_episodes)
    episode = np.repeat(np.arange(n_episodes), lengths)
    steps = rng.gamma(4.0, 2.5, episode.size) / 7.0
    starts = np.cumsum(lengths) - lengths
    steps[starts] = 1.0
    total = np.cumsum(steps)
    t = np.log(total - np.repeat(total[starts] - 1.0, lengths))
    intake = rng.normal(19.0, 7.5, n_episodes)[episode]
    b = rng.multivariate_normal([0.0, 0.0], [[4.0, -1.0], [-1.0, 3.0]], n_episodes)[episode]
    score = 1 + 0.95 * intake + (4 - 0.2 * intake) * t + b[:, 0] + b[:, 1] * t
    score = score + rng.normal(0.0, 4.0, episode.size)
    return pd.DataFrame({"episode": episode, "t": t, "score": score, "intake": intake})


@pytest.mark.parametrize("rounding", [None, 1], ids=["dated", "rounded-to-a-tenth"])
def test_the_fit_is_identical_with_either_grouping(
    monkeypatch: pytest.MonkeyPatch, rounding: int | None
) -> None:
    ratings = dated_ratings()
    if rounding is not None:
        ratings["t"] = ratings["t"].round(rounding)

    def fit() -> growth.GrowthFit:
        return fit_growth_model(
            ratings, group="episode", time="t", outcome="score", covariates=["intake"]
        )

    fast = fit()
    # The criterion groups the episodes (growth_reml), so that is where the grouping is swapped.
    monkeypatch.setattr(growth_reml, "group_rows", unique_rows)
    slow = fit()
    assert fast.reml_loglik == slow.reml_loglik
    assert fast.fixed_effects == slow.fixed_effects
    np.testing.assert_array_equal(fast.random_cov, slow.random_cov)
    assert fast.residual_variance == slow.residual_variance
