"""The growth fit agrees with lme4 on real-valued times, when R and lme4 are installed.

Skipped, with the reason, on a machine without ``Rscript`` or the R package lme4 (Debian:
``apt-get install r-base-core r-cran-lme4``). Where lme4 ends on a singular boundary the two do
not agree, and ours is the better optimum: with 400 episodes and seed 7, lme4's REML
log-likelihood is -7811.06 (``boundary (singular) fit``), ours -7792.94.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alliance.science.growth import fit_growth_model

LMER = """suppressMessages(library(lme4)); d <- read.csv(commandArgs(TRUE)[1])
m <- lmer(score ~ t * intake + (t | episode), data = d, REML = TRUE)
cat(format(c(fixef(m), as.numeric(logLik(m))), digits = 15))
"""


def _lme4_missing() -> str | None:
    if shutil.which("Rscript") is None:
        return "Rscript is not installed"
    probe = subprocess.run(["Rscript", "-e", "library(lme4)"], capture_output=True, check=False)
    return None if probe.returncode == 0 else "the R package lme4 is not installed"


def dated_ratings(n_episodes: int = 1000, seed: int = 1) -> pd.DataFrame:
    """Ratings at real-valued, irregular times: t = ln(weeks since intake + 1)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, 12, n_episodes)
    episode = np.repeat(np.arange(n_episodes), lengths)
    starts = np.cumsum(lengths) - lengths
    weeks = rng.gamma(4.0, 2.5, episode.size) / 7.0
    weeks[starts] = 0.0
    t = np.log1p(np.cumsum(weeks) - np.repeat(np.cumsum(weeks)[starts], lengths))
    intake = rng.normal(19.0, 7.5, n_episodes)[episode]
    b = rng.multivariate_normal([0.0, 0.0], [[4.0, -1.0], [-1.0, 3.0]], n_episodes)[episode]
    score = 1 + 0.95 * intake + (4 - 0.2 * intake) * t + b[:, 0] + b[:, 1] * t
    score = score + rng.normal(0.0, 4.0, episode.size)
    return pd.DataFrame({"episode": episode, "t": t, "score": score, "intake": intake})


@pytest.mark.skipif(_lme4_missing() is not None, reason=str(_lme4_missing()))
def test_the_fit_matches_lme4_to_four_significant_figures(tmp_path: Path) -> None:
    ratings = dated_ratings()
    path = tmp_path / "ratings.csv"
    ratings.to_csv(path, index=False, float_format="%.17g")
    out = subprocess.run(
        ["Rscript", "-e", LMER, str(path)], capture_output=True, text=True, check=True
    ).stdout
    *theirs, their_loglik = (float(v) for v in out.split())
    fit = fit_growth_model(
        ratings, group="episode", time="t", outcome="score", covariates=["intake"]
    )
    ours = list(fit.fixed_effects.values())
    assert [f"{v:.4g}" for v in ours] == [f"{v:.4g}" for v in theirs]
    # The same optimum: ours is never short of lme4's, nor more than rounding above it.
    assert fit.reml_loglik == pytest.approx(their_loglik, abs=1e-5)
