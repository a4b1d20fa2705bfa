"""Tests for clinician effects and the alliance-outcome split (alliance.science.therapists).

Reference numbers come from statsmodels ``MixedLM`` (REML) fitted to the same data, from
scipy's ``pearsonr(...).confidence_interval()`` (Fisher z) and from the generating parameters of
``alliance.science.simulate`` (clinician share 5%: Wampold & Brown 2005; alliance slopes built
to give r = .28: Flueckiger et al. 2018; between > within as in Baldwin, Wampold & Imel 2007).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from alliance.science.simulate import ClinicParameters, SimulatedClinic, simulate_clinic
from alliance.science.therapists import (
    ClinicianEffects,
    alliance_outcome_split,
    clinician_effects,
    distinguishable_groups,
)


def episode_outcomes(clinic: SimulatedClinic) -> pd.DataFrame:
    """Planned endings of two or more sessions with their first and final observed ORS."""
    ors = clinic.ratings[clinic.ratings["measure"].isin(["ors", "cors"])]
    scores = ors.groupby("episode_id")["score"]
    episodes = clinic.episodes.set_index("episode_id")
    episodes = episodes.assign(first=scores.first(), final=scores.last())
    episodes["latent_final"] = episodes["intake"] + episodes["change"]
    episodes = episodes.join(
        clinic.clinicians.set_index("clinician_id")["true_effect"], on="clinician_id"
    )
    keep = (episodes["ending"] == "planned") & (episodes["planned_sessions"] >= 2)
    return episodes[keep].reset_index()


@pytest.fixture(scope="module")
def small_clinic() -> pd.DataFrame:
    return episode_outcomes(
        simulate_clinic(ClinicParameters(n_clinicians=20, n_clients=700), seed=3)
    )


@pytest.fixture(scope="module")
def large_clinic() -> tuple[pd.DataFrame, dict[str, float]]:
    params = ClinicParameters(n_clinicians=150, n_clients=15000, observed_weeks=400)
    clinic = simulate_clinic(params, seed=99)
    return episode_outcomes(clinic), clinic.truth


def statsmodels_fit(frame: pd.DataFrame, formula: str) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return smf.mixedlm(formula, frame, groups=frame["clinician_id"]).fit(reml=True)


def test_it_agrees_with_statsmodels_mixedlm_reml(small_clinic: pd.DataFrame) -> None:
    ours = clinician_effects(
        small_clinic, clinician="clinician_id", outcome="final", covariates=["first"]
    )
    theirs = statsmodels_fit(small_clinic, "final ~ first")
    assert ours.clinician_variance == pytest.approx(float(theirs.cov_re.iloc[0, 0]), rel=1e-3)
    assert ours.residual_variance == pytest.approx(theirs.scale, rel=1e-4)
    assert ours.coefficients["intercept"].estimate == pytest.approx(
        theirs.params["Intercept"], rel=1e-4
    )
    assert ours.coefficients["first"].estimate == pytest.approx(theirs.params["first"], rel=1e-4)
    assert ours.coefficients["first"].se == pytest.approx(theirs.bse["first"], rel=0.02)
    assert ours.reml_loglik == pytest.approx(theirs.llf, abs=1e-4)
    for effect in ours.clinicians:
        blup = float(theirs.random_effects[effect.clinician].iloc[0])
        assert effect.estimate == pytest.approx(blup, abs=1e-3)


def test_its_intervals_add_the_uncertainty_of_the_case_mix_coefficients(
    small_clinic: pd.DataFrame,
) -> None:
    ours = clinician_effects(
        small_clinic, clinician="clinician_id", outcome="final", covariates=["first"]
    )
    theirs = statsmodels_fit(small_clinic, "final ~ first")
    for effect in ours.clinicians:
        conditional = float(theirs.random_effects_cov[effect.clinician].iloc[0, 0])
        assert effect.se**2 >= conditional * (1 - 1e-3)
        assert effect.se**2 <= conditional * 1.2
        assert effect.lower < effect.estimate < effect.upper


def test_it_recovers_the_clinician_share_the_simulator_put_in(
    large_clinic: tuple[pd.DataFrame, dict[str, float]],
) -> None:
    frame, truth = large_clinic
    effects = clinician_effects(
        frame, clinician="clinician_id", outcome="final", covariates=["intake"]
    )
    assert effects.variance_share == pytest.approx(truth["clinician_variance_share"], abs=0.02)
    assert effects.n_clinicians == 150


def test_its_estimates_follow_the_clinicians_true_effects(
    large_clinic: tuple[pd.DataFrame, dict[str, float]],
) -> None:
    frame, _ = large_clinic
    effects = clinician_effects(
        frame, clinician="clinician_id", outcome="final", covariates=["intake"]
    ).to_frame()
    truth = frame.groupby("clinician_id")["true_effect"].first()
    assert np.corrcoef(effects["estimate"], truth[effects["clinician"]])[0, 1] > 0.6


def test_the_alliance_split_recovers_the_within_and_between_slopes(
    large_clinic: tuple[pd.DataFrame, dict[str, float]],
) -> None:
    frame, truth = large_clinic
    split = alliance_outcome_split(
        frame,
        clinician="clinician_id",
        alliance="alliance",
        outcome="latent_final",
        covariates=["intake"],
    )
    assert split.within.estimate == pytest.approx(truth["alliance_within_slope"], abs=0.25)
    # the clinician's mean over a sample of clients shrinks the between slope a little toward
    # the within slope (Luedtke et al. 2008, Psychol Methods 13(3):203-229)
    assert split.between.estimate == pytest.approx(truth["alliance_between_slope"], abs=1.0)
    assert split.between.estimate > split.within.estimate
    assert split.within.lower < truth["alliance_within_slope"] < split.within.upper


def test_the_alliance_split_agrees_with_statsmodels(small_clinic: pd.DataFrame) -> None:
    frame = small_clinic.copy()
    frame["between"] = frame.groupby("clinician_id")["alliance"].transform("mean")
    frame["within"] = frame["alliance"] - frame["between"]
    theirs = statsmodels_fit(frame, "final ~ intake + within + between")
    ours = alliance_outcome_split(
        frame, clinician="clinician_id", alliance="alliance", outcome="final", covariates=["intake"]
    )
    assert ours.within.estimate == pytest.approx(theirs.params["within"], rel=1e-3)
    assert ours.between.estimate == pytest.approx(theirs.params["between"], rel=1e-3)
    assert ours.within.se == pytest.approx(theirs.bse["within"], rel=0.02)
    assert ours.between.df == 20 - 2
    assert ours.within.df == len(frame) - 20 - 2


def test_the_alliance_correlation_interval_is_fishers_as_in_scipy(
    small_clinic: pd.DataFrame,
) -> None:
    split = alliance_outcome_split(
        small_clinic, clinician="clinician_id", alliance="alliance", outcome="final"
    )
    reference = stats.pearsonr(small_clinic["alliance"], small_clinic["final"])
    interval = reference.confidence_interval(0.95)
    assert split.correlation == pytest.approx(reference.statistic, rel=1e-9)
    assert split.correlation_lower == pytest.approx(interval.low, rel=1e-9)
    assert split.correlation_upper == pytest.approx(interval.high, rel=1e-9)
    assert split.n_clients == len(small_clinic)


def shrinkage_frame() -> pd.DataFrame:
    """Clinicians a (5 episodes) and b (60) both 4 points above the rest, plus 8 ordinary ones."""
    rng = np.random.default_rng(12)
    sizes = {"a": 5, "b": 60, **{f"c{i}": 30 for i in range(8)}}
    clinician = np.repeat(list(sizes), list(sizes.values()))
    noise = rng.normal(0, 5, len(clinician))
    frame = pd.DataFrame({"clinician": clinician, "final": 25 + noise})
    for name in ("a", "b"):  # exactly 4 above the grand mean, whatever the noise drew
        mine = frame["clinician"] == name
        frame.loc[mine, "final"] += 4 - frame.loc[mine, "final"].mean() + 25
    return frame


def test_shrinkage_pulls_small_caseloads_toward_zero_more_than_large_ones() -> None:
    effects = (
        clinician_effects(shrinkage_frame(), clinician="clinician", outcome="final", min_caseload=1)
        .to_frame()
        .set_index("clinician")
    )
    small, large = effects.loc["a"], effects.loc["b"]
    assert small["raw_mean_residual"] == pytest.approx(large["raw_mean_residual"], abs=0.5)
    assert 0 < small["estimate"] < large["estimate"] < large["raw_mean_residual"]
    assert small["reliability"] < large["reliability"]
    assert small["se"] > large["se"]


def test_clinicians_below_the_minimum_caseload_are_hidden() -> None:
    effects = clinician_effects(
        shrinkage_frame(), clinician="clinician", outcome="final", min_caseload=10
    )
    shown = {effect.clinician: effect.shown for effect in effects.clinicians}
    assert shown["a"] is False and shown["b"] is True
    groups = distinguishable_groups(effects)
    assert groups.hidden == ("a",)
    assert "a" not in groups.above + groups.within + groups.below


def test_only_intervals_clear_of_zero_leave_the_within_group() -> None:
    frame = shrinkage_frame()
    frame.loc[frame["clinician"] == "c0", "final"] -= 8
    effects = clinician_effects(frame, clinician="clinician", outcome="final")
    groups = distinguishable_groups(effects)
    by_id = {effect.clinician: effect for effect in effects.clinicians}
    assert groups.above == ("b",)
    assert groups.below == ("c0",)
    assert all(by_id[c].lower <= 0 <= by_id[c].upper for c in groups.within)
    assert groups.within == tuple(sorted(groups.within))  # clinician-id order, not a ranking


def test_clinicians_come_back_in_id_order_never_ranked() -> None:
    effects = clinician_effects(shrinkage_frame(), clinician="clinician", outcome="final")
    ids = [effect.clinician for effect in effects.clinicians]
    assert ids == sorted(ids)
    assert [e.estimate for e in effects.clinicians] != sorted(
        e.estimate for e in effects.clinicians
    )


def test_case_mix_adjustment_clears_a_clinician_who_sees_the_most_unwell_clients() -> None:
    rng = np.random.default_rng(4)
    clinician = np.repeat(["heavy", "light", "mid1", "mid2", "mid3"], 60)
    intake = np.where(clinician == "heavy", 10.0, np.where(clinician == "light", 30.0, 20.0))
    intake = intake + rng.normal(0, 3, len(clinician))
    frame = pd.DataFrame({"clinician": clinician, "intake": intake})
    frame["final"] = 12 + 0.6 * frame["intake"] + rng.normal(0, 4, len(frame))
    raw = clinician_effects(frame, clinician="clinician", outcome="final")
    fair = clinician_effects(frame, clinician="clinician", outcome="final", covariates=["intake"])
    assert distinguishable_groups(raw).below == ("heavy",)
    assert distinguishable_groups(fair).below == ()
    assert fair.coefficients["intake"].lower < 0.6 < fair.coefficients["intake"].upper


def test_no_difference_between_clinicians_gives_a_zero_share_and_zero_estimates() -> None:
    values = [10.0, 14.0, 18.0, 22.0, 26.0]
    frame = pd.DataFrame({"clinician": np.repeat(list("abcd"), 5), "final": values * 4})
    effects = clinician_effects(frame, clinician="clinician", outcome="final", min_caseload=1)
    assert effects.clinician_variance == 0.0
    assert effects.variance_share == 0.0
    assert all(effect.estimate == 0.0 for effect in effects.clinicians)
    assert distinguishable_groups(effects).within == ("a", "b", "c", "d")


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    spread=st.floats(0.0, 6.0),
    n_clinicians=st.integers(2, 12),
)
def test_estimates_never_exceed_their_raw_residuals_and_sit_inside_their_intervals(
    seed: int, spread: float, n_clinicians: int
) -> None:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 25, n_clinicians)  # at least 3 rows in all
    clinician = np.repeat(np.arange(n_clinicians), sizes)
    effect = rng.normal(0, spread, n_clinicians)[clinician]
    frame = pd.DataFrame(
        {"clinician": clinician, "final": 20 + effect + rng.normal(0, 5, len(clinician))}
    )
    result = clinician_effects(frame, clinician="clinician", outcome="final")
    assert 0.0 <= result.variance_share < 1.0
    for one in result.clinicians:
        assert 0.0 <= one.reliability < 1.0
        assert abs(one.estimate) <= abs(one.raw_mean_residual) + 1e-9
        assert one.lower <= one.estimate <= one.upper
        assert one.shown == (one.n_episodes >= 10)


def test_it_refuses_a_missing_column_naming_it(small_clinic: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="severity"):
        clinician_effects(
            small_clinic, clinician="clinician_id", outcome="final", covariates=["severity"]
        )


def test_it_refuses_missing_values_naming_the_column(small_clinic: pd.DataFrame) -> None:
    frame = small_clinic.copy()
    frame.loc[frame.index[3], "final"] = np.nan
    with pytest.raises(ValueError, match="final"):
        clinician_effects(frame, clinician="clinician_id", outcome="final")


def test_it_refuses_a_single_clinician_naming_the_clinician_column(
    small_clinic: pd.DataFrame,
) -> None:
    frame = small_clinic.assign(clinician_id=7)
    with pytest.raises(ValueError, match="clinician_id"):
        clinician_effects(frame, clinician="clinician_id", outcome="final")
    with pytest.raises(ValueError, match="clinician_id"):
        alliance_outcome_split(
            frame, clinician="clinician_id", alliance="alliance", outcome="final"
        )


def test_it_refuses_text_outcomes_and_constant_covariates(small_clinic: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="setting"):
        clinician_effects(small_clinic, clinician="clinician_id", outcome="setting")
    frame = small_clinic.assign(site=1.0)
    with pytest.raises(ValueError, match="site"):
        clinician_effects(frame, clinician="clinician_id", outcome="final", covariates=["site"])


def test_it_refuses_bad_settings(small_clinic: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="min_caseload"):
        clinician_effects(small_clinic, clinician="clinician_id", outcome="final", min_caseload=0)
    with pytest.raises(ValueError, match="level"):
        clinician_effects(small_clinic, clinician="clinician_id", outcome="final", level=1.5)


def test_it_refuses_an_alliance_that_never_varies_within_a_clinician(
    small_clinic: pd.DataFrame,
) -> None:
    frame = small_clinic.assign(alliance=small_clinic["clinician_id"] * 0.1)
    with pytest.raises(ValueError, match="alliance"):
        alliance_outcome_split(
            frame, clinician="clinician_id", alliance="alliance", outcome="final"
        )


def test_results_are_plain_frozen_data(small_clinic: pd.DataFrame) -> None:
    effects = clinician_effects(small_clinic, clinician="clinician_id", outcome="final")
    assert isinstance(effects, ClinicianEffects)
    with pytest.raises(AttributeError):
        effects.variance_share = 0.5  # type: ignore[misc]
    assert list(effects.to_frame().columns[:3]) == ["clinician", "n_episodes", "raw_mean_residual"]
