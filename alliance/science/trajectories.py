"""Expected treatment response: the path, and the band around it, that clients usually follow.

A trajectory model is a growth model (:mod:`alliance.science.growth`) of a measure's scores on
ln(session number), the intake score predicting intercept and slope (Finch, Lambert & Schaalje
2001). For a given intake score it gives the expected score at each session and a band holding the
middle of the scores of clients who started there. A client outside the band on the worse side is
*not on track*. Default models are *provisional*, built from published figures, until a clinic has
enough closed episodes for its own fit.

References
----------
Finch, A. E., Lambert, M. J., & Schaalje, B. G. (2001). Psychotherapy quality control: the
statistical generation of expected recovery curves for integration into an early warning system.
Clinical Psychology & Psychotherapy, 8(4), 231-242.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from alliance.science.growth import GrowthFit, fit_growth_model, fixed_effect_names
from alliance.science.trajectory_path import (
    DEFAULT_BAND_PERCENTILE,
    INTAKE,
    TIME,
    Departure,
    ExpectedPath,
    band_coverage,
    departures,
    expected_path,
    log_session,
    with_intake,
)
from alliance.science.trajectory_sources import (
    LOCAL_FIT_CITATION,
    PRE_POST_R,
    PUBLISHED,
    published_citation,
)

__all__ = [
    "DEFAULT_BAND_PERCENTILE",
    "DEFAULT_MIN_EPISODES",
    "DEFAULT_MIN_RATINGS_PER_EPISODE",
    "INTAKE",
    "TIME",
    "Departure",
    "ExpectedPath",
    "FittedOn",
    "TrajectoryModel",
    "band_coverage",
    "default_model",
    "departures",
    "enough_for_local_fit",
    "expected_path",
    "fit_trajectory",
    "log_session",
    "with_intake",
]

FloatArray = NDArray[np.float64]

DEFAULT_MIN_EPISODES = 300
"""Closed episodes a clinic needs before its own fit replaces the provisional default."""

DEFAULT_MIN_RATINGS_PER_EPISODE = 3.0
"""Ratings per closed episode, on average, needed to tell slopes from session-to-session noise."""


Source = Literal["provisional_default", "local_fit"]
_SOURCES: tuple[str, ...] = ("provisional_default", "local_fit")
_JSON_FORMAT = "alliance.trajectory_model"
_JSON_VERSION = 1


def fit_trajectory(
    ratings: pd.DataFrame,
    *,
    group: str,
    session: str = "session",
    score: str = "score",
    covariates: tuple[str, ...] = (),
) -> GrowthFit:
    """Fit the expected-trajectory model: the scores after intake, conditional on the intake.

    Parameters
    ----------
    ratings : pandas.DataFrame
        One rating per row of one measure (for example every client rating in a clinic's closed
        episodes); the episode's first rated session is its intake.
    group, session, score : str
        Episode id, session number and score columns (see :func:`with_intake`).
    covariates : tuple of str
        Further per-episode covariates, beside the intake.

    Returns
    -------
    GrowthFit
        The growth model on t = ln(session number) of the ratings after the intake, with
        :data:`INTAKE` (and ``covariates``) predicting intercept and slope.

    Raises
    ------
    ValueError
        From :func:`alliance.science.growth.fit_growth_model`, naming the column (too few
        episodes or ratings after intake, a constant score or intake, ...).

    Notes
    -----
    The intake score is used once, as the covariate: Finch, Lambert & Schaalje (2001) condition
    each expected recovery curve on the intake score. Keeping the intake rating as the session-1
    outcome as well makes the session-1 residual zero by construction, so the fit forces the
    intercept's variation onto the slope (intercept-slope correlation +1) and the band at the next
    sessions holds fewer new clients than it says (issue 18: 42% instead of 50% at session 2).
    Episodes with only an intake rating carry no information about the path and drop out.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 200
    >>> ratings = pd.DataFrame({"episode": np.repeat(np.arange(n), 5),
    ...                         "session": np.tile(np.arange(1, 6), n)})
    >>> level = np.repeat(rng.normal(20, 7, n), 5) + 3 * np.log(ratings.session)
    >>> ratings["score"] = level + rng.normal(0, 3, 5 * n)
    >>> fit = fit_trajectory(ratings, group="episode")
    >>> fit.n_groups, fit.n_obs  # the 200 intake ratings are covariates, not outcomes
    (200, 800)
    """
    later = with_intake(ratings, group=group, session=session, score=score)
    later = later[~later["is_intake"]]
    return fit_growth_model(
        later, group=group, time=TIME, outcome=score, covariates=[INTAKE, *covariates]
    )


@dataclass(frozen=True)
class FittedOn:
    """The closed episodes a local trajectory model was fitted on."""

    n_episodes: int
    n_ratings: int
    first_rating: date | None
    last_rating: date | None


@dataclass(frozen=True, eq=False)
class TrajectoryModel:
    """A measure's expected-treatment-response model with its parameters and provenance.

    Attributes
    ----------
    measure : str
        Measure code, e.g. ``"ors"``.
    time, covariates, fixed_effects, fixed_effects_cov, random_cov, residual_variance
        The growth model's parameters (see :class:`alliance.science.growth.GrowthFit`); time is
        always :data:`TIME` and the covariates include :data:`INTAKE`.
    score_range : (float, float) or None
        Lowest and highest possible scores, used to clip paths.
    source : {"provisional_default", "local_fit"}
        Where the parameters came from.
    citation : str
        The published figures (provisional) or the data (local fit) behind the parameters.
    fitted_on : FittedOn or None
        The clinic's episodes a local fit used (None for a provisional default).
    fitted_at : datetime or None
        When the local fit ran.
    singular : bool
        The local fit was on the boundary (:attr:`GrowthFit.singular`): usable, but the data
        could not support the full spread of clients' lines. Older model JSON without the field
        reads as False.
    """

    measure: str
    time: str
    covariates: tuple[str, ...]
    fixed_effects: dict[str, float]
    fixed_effects_cov: FloatArray = field(repr=False)
    random_cov: FloatArray
    residual_variance: float
    score_range: tuple[float, float] | None
    source: Source
    citation: str
    fitted_on: FittedOn | None = None
    fitted_at: datetime | None = None
    singular: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "covariates", tuple(self.covariates))
        p = len(self.fixed_effects)
        for name, shape in (("fixed_effects_cov", (p, p)), ("random_cov", (2, 2))):
            value = np.asarray(getattr(self, name), dtype=np.float64)
            if value.shape != shape or not np.all(np.isfinite(value)):
                raise ValueError(f"{name}: must be a finite {shape[0]}x{shape[1]} matrix")
            object.__setattr__(self, name, value)
        _check_model_fields(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TrajectoryModel) and self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]  # mutable-looking arrays inside: not hashable

    @classmethod
    def from_fit(
        cls,
        measure: str,
        fit: GrowthFit,
        *,
        fitted_on: FittedOn,
        fitted_at: datetime,
        score_range: tuple[float, float] | None = None,
        citation: str = LOCAL_FIT_CITATION,
    ) -> TrajectoryModel:
        """A ``local_fit`` model from a :class:`GrowthFit` on ``log_session`` with ``intake``.

        Examples
        --------
        >>> import pandas as pd
        >>> from alliance.science.growth import fit_growth_model
        >>> rng = np.random.default_rng(0)
        >>> ratings = pd.DataFrame({"episode": np.repeat(np.arange(40), 5),
        ...     "log_session": np.tile(np.log(np.arange(1, 6)), 40),
        ...     "intake": np.repeat(rng.normal(15, 5, 40), 5)})
        >>> ratings["score"] = ratings.intake - 2 * ratings.log_session + rng.normal(0, 2, 200)
        >>> fit = fit_growth_model(ratings, group="episode", time="log_session",
        ...                        outcome="score", covariates=["intake"])
        >>> model = TrajectoryModel.from_fit("phq9", fit, fitted_on=FittedOn(40, 200, None, None),
        ...                                  fitted_at=datetime(2026, 1, 5, 9, 30))
        >>> TrajectoryModel.from_json(model.to_json()) == model
        True
        """
        return cls(
            measure=measure,
            time=fit.time,
            covariates=fit.covariates,
            fixed_effects=dict(fit.fixed_effects),
            fixed_effects_cov=fit.fixed_effects_cov,
            random_cov=fit.random_cov,
            residual_variance=fit.residual_variance,
            score_range=score_range,
            source="local_fit",
            citation=citation,
            fitted_on=fitted_on,
            fitted_at=fitted_at,
            singular=fit.singular,
        )

    def expected_path(
        self,
        *,
        intake: ArrayLike,
        sessions: ArrayLike,
        percentile: float = DEFAULT_BAND_PERCENTILE,
        covariates: Mapping[str, ArrayLike] | None = None,
    ) -> ExpectedPath:
        """:func:`expected_path` for this model, clipped to its score range.

        Examples
        --------
        >>> path = default_model("ors").expected_path(intake=19.0, sessions=[1, 2, 3])
        >>> bool(path.expected[2] > path.expected[0])
        True
        """
        return expected_path(
            self,
            intake=intake,
            sessions=sessions,
            percentile=percentile,
            covariates=covariates,
            score_range=self.score_range,
        )

    def to_json(self) -> str:
        """Plain JSON text (no pickle); floats are written exactly, so the round trip is exact.

        Examples
        --------
        >>> text = default_model("gad7").to_json()
        >>> TrajectoryModel.from_json(text) == default_model("gad7")
        True
        """
        return json.dumps(_model_to_plain(self), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> TrajectoryModel:
        """Read a model written by :meth:`to_json`, refusing anything else with a ValueError.

        Examples
        --------
        >>> TrajectoryModel.from_json(default_model("ors").to_json()).measure
        'ors'
        """
        try:
            plain = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"text: not JSON ({error.msg})") from None
        if not isinstance(plain, dict) or plain.get("format") != _JSON_FORMAT:
            raise ValueError(f"format: expected '{_JSON_FORMAT}'")
        if plain.get("version") != _JSON_VERSION:
            raise ValueError(f"version: only version {_JSON_VERSION} can be read")
        return _model_from_plain(plain)


def _check_model_fields(model: TrajectoryModel) -> None:
    if model.source not in _SOURCES:
        raise ValueError(f"source: must be one of {', '.join(_SOURCES)}, got {model.source!r}")
    if model.time != TIME:
        raise ValueError(f"time: trajectory models use ln(session number), named '{TIME}'")
    if INTAKE not in model.covariates:
        raise ValueError(f"covariates: must include '{INTAKE}'")
    if tuple(model.fixed_effects) != fixed_effect_names(model.time, model.covariates):
        names = ", ".join(fixed_effect_names(model.time, model.covariates))
        raise ValueError(f"fixed_effects: must be, in order, {names}")
    if not (np.isfinite(model.residual_variance) and model.residual_variance > 0):
        raise ValueError("residual_variance: must be a positive number")
    if np.any(np.linalg.eigvalsh(model.random_cov) < -1e-12 * np.abs(model.random_cov).max()):
        raise ValueError("random_cov: must be a covariance matrix (positive semi-definite)")
    if model.score_range is not None and not model.score_range[0] < model.score_range[1]:
        raise ValueError("score_range: the lowest score must be below the highest")


def _model_to_plain(model: TrajectoryModel) -> dict[str, Any]:
    plain = {item.name: getattr(model, item.name) for item in fields(model)}
    on = model.fitted_on
    plain.update(
        covariates=list(model.covariates),
        fixed_effects_cov=model.fixed_effects_cov.tolist(),
        random_cov=model.random_cov.tolist(),
        score_range=None if model.score_range is None else list(model.score_range),
        fitted_on=None if on is None else {**asdict(on), **_dates(on)},
        fitted_at=None if model.fitted_at is None else model.fitted_at.isoformat(),
    )
    return {"format": _JSON_FORMAT, "version": _JSON_VERSION, **plain}


def _dates(on: FittedOn) -> dict[str, str | None]:
    return {
        name: None if value is None else value.isoformat()
        for name, value in (("first_rating", on.first_rating), ("last_rating", on.last_rating))
    }


def _optional[T](read: Callable[[Any], T]) -> Callable[[Any], T | None]:
    return lambda value: None if value is None else read(value)


def _fitted_on(plain: dict[str, Any]) -> FittedOn:
    return FittedOn(
        n_episodes=int(plain["n_episodes"]),
        n_ratings=int(plain["n_ratings"]),
        first_rating=_optional(date.fromisoformat)(plain["first_rating"]),
        last_rating=_optional(date.fromisoformat)(plain["last_rating"]),
    )


_READERS: dict[str, Callable[[Any], Any]] = {
    "measure": str,
    "time": str,
    "covariates": tuple,
    "fixed_effects": lambda value: {str(k): float(v) for k, v in value.items()},
    "fixed_effects_cov": lambda value: np.array(value, dtype=np.float64),
    "random_cov": lambda value: np.array(value, dtype=np.float64),
    "residual_variance": float,
    "score_range": _optional(lambda value: (float(value[0]), float(value[1]))),
    "source": str,
    "citation": str,
    "fitted_on": _optional(_fitted_on),
    "fitted_at": _optional(datetime.fromisoformat),
}


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("singular must be true or false")
    return value


_OPTIONAL_READERS: dict[str, tuple[Callable[[Any], Any], Any]] = {"singular": (_boolean, False)}


def _model_from_plain(plain: dict[str, Any]) -> TrajectoryModel:
    for name in _READERS:
        if name not in plain:
            raise ValueError(f"{name}: missing from the model JSON")
    try:
        values = {name: read(plain[name]) for name, read in _READERS.items()}
        for name, (read, missing) in _OPTIONAL_READERS.items():
            values[name] = read(plain[name]) if name in plain else missing
    except (TypeError, ValueError, AttributeError, IndexError, KeyError) as error:
        raise ValueError(f"model JSON: a field has the wrong type or form ({error})") from None
    return TrajectoryModel(**values)


def default_model(measure: str) -> TrajectoryModel:
    """The provisional trajectory model of a measure, built from published summary figures.

    Parameters
    ----------
    measure : {"ors", "phq9", "gad7"}
        Measure code.

    Returns
    -------
    TrajectoryModel
        ``source="provisional_default"``; the citation names every figure and every assumption.

    Notes
    -----
    From an intake mean m0 (SD s0), an end-of-treatment mean m1 (SD s1) after S sessions
    (tau = ln S), the test-retest correlation r_tt and an assumed pre-post correlation rho, the
    unconditional Finch path y_j = a + b ln(j) + e_j is set up first:

    - session-to-session noise is the standard error of measurement (Jacobson & Truax 1991):
      sigma^2 = s0^2 (1 - r_tt), so var(a) = s0^2 r_tt and E(a) = m0;
    - E(b) = (m1 - m0) / tau; cov(a, b) and var(b) make the observed intake and end scores
      correlate rho with the end SD s1: cov(a, b) = (rho s0 s1 - var(a)) / tau and
      var(b) = (s1^2 - sigma^2 - var(a) - 2 tau cov(a, b)) / tau^2.

    The model is then conditioned on the observed intake y_1 = a + e_1, as a local fit is
    (:func:`fit_trajectory`; the intake used once): with w = (var(a), cov(a, b)) / s0^2,
    E(a | y_1) = m0 + w_1 (y_1 - m0) and E(b | y_1) = E(b) + w_2 (y_1 - m0), so beta_0 = m0 (1 -
    w_1), beta_intake = w_1 = r_tt, beta_t = E(b) - w_2 m0, beta_intake:t = w_2, and
    G = cov((a, b)) - s0^2 w w'. At S sessions the mean is m1 + rho (s1 / s0) (y_1 - m0) and the
    variance s1^2 (1 - rho^2), the published course; in between, a client regresses towards the
    mean by the measure's unreliability already at session 2. (The first version assumed the path
    passes through the intake score with G_00 = G_01 = 0, the double use of the intake that
    issue 18 found in the fits.)

    Examples
    --------
    >>> model = default_model("phq9")
    >>> print(f"{model.expected_path(intake=15.4, sessions=[7.9]).expected[0]:.1f}")
    9.4
    """
    if measure not in PUBLISHED:
        raise ValueError(
            f"measure: no default model for {measure!r}; known: {', '.join(PUBLISHED)}"
        )
    course = PUBLISHED[measure]
    tau = float(np.log(course.sessions))
    m0, s0, s1 = course.intake_mean, course.intake_sd, course.end_sd
    sigma2 = s0**2 * (1.0 - course.retest_r)
    var_a = s0**2 * course.retest_r
    cov_ab = (PRE_POST_R * s0 * s1 - var_a) / tau
    var_b = (s1**2 - sigma2 - var_a - 2.0 * tau * cov_ab) / tau**2
    unconditional = np.array([[var_a, cov_ab], [cov_ab, var_b]])
    w = np.array([var_a, cov_ab]) / s0**2
    mean_b = (course.end_mean - m0) / tau
    names = fixed_effect_names(TIME, (INTAKE,))
    values = (m0 * (1.0 - w[0]), mean_b - w[1] * m0, float(w[0]), float(w[1]))
    return TrajectoryModel(
        measure=measure,
        time=TIME,
        covariates=(INTAKE,),
        fixed_effects=dict(zip(names, values, strict=True)),
        fixed_effects_cov=np.zeros((4, 4)),
        random_cov=unconditional - s0**2 * np.outer(w, w),
        residual_variance=sigma2,
        score_range=course.score_range,
        source="provisional_default",
        citation=str(published_citation(measure)),
    )


def enough_for_local_fit(
    n_episodes: int,
    n_ratings: int,
    *,
    min_episodes: int = DEFAULT_MIN_EPISODES,
    min_ratings_per_episode: float = DEFAULT_MIN_RATINGS_PER_EPISODE,
) -> bool:
    """Whether a clinic's closed episodes are enough to replace the provisional default model.

    Parameters
    ----------
    n_episodes : int
        Closed episodes with at least one rating on the measure.
    n_ratings : int
        Ratings in those episodes.
    min_episodes : int, default :data:`DEFAULT_MIN_EPISODES`
    min_ratings_per_episode : float, default :data:`DEFAULT_MIN_RATINGS_PER_EPISODE`

    Returns
    -------
    bool
        n_episodes >= min_episodes and n_ratings >= min_ratings_per_episode * n_episodes.

    Notes
    -----
    The defaults come from a simulation (``python bench/bench_local_fit.py``, recorded in
    docs/science/trajectories.md): with 300 episodes of 2-10 ratings, the band's edge at session 8
    fitted by :func:`fit_trajectory` is within one point of the true edge on the ORS scale (a fifth
    of its reliable-change value) in 95% of fits; with 1-5 ratings (mean 3) in 78% of fits.

    Examples
    --------
    >>> enough_for_local_fit(300, 1200), enough_for_local_fit(299, 1200)
    (True, False)
    >>> enough_for_local_fit(300, 600)  # 2 ratings per episode on average
    False
    """
    if n_episodes < 0 or n_ratings < 0:
        raise ValueError("n_episodes, n_ratings: must be 0 or more")
    if min_episodes < 2 or min_ratings_per_episode <= 2:
        raise ValueError(
            "min_episodes, min_ratings_per_episode: need at least 2 episodes and more than "
            "2 ratings per episode for the model to be fitted at all"
        )
    return n_episodes >= min_episodes and n_ratings >= min_ratings_per_episode * n_episodes
