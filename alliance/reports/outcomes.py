"""The outcome sections of a report: change classes, effect sizes, the alliance split and the
NHS Talking Therapies figures of the closed episodes in range.

Each closed episode's first and last score, its last scored session and its mean client alliance
come from its series (``alliance.feedback.series.episodes_series``, the same series the alert
refresh and the client page read: the client's first rating of each session counts), read once
and stored with the episode (``alliance.reports.stored``), in a fixed number of queries whatever
the number of episodes. Split from ``alliance.reports.selectors``.
"""

from collections.abc import Sequence

import numpy as np
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from alliance.care.models import CareRole, CareTeamMember
from alliance.feedback.series import thresholds, trajectory_model
from alliance.measures import catalogue
from alliance.reports import split
from alliance.reports.figures import (
    Figure,
    ReportScope,
    alliance_split_at,
    closed_in_range,
    count,
    rate,
)
from alliance.reports.labels import CHANGE_LABELS
from alliance.reports.stored import EpisodeRow
from alliance.science.change import (
    CHANGE_CLASSES,
    ChangeClass,
    classify_changes,
    talking_therapies_outcomes,
)
from alliance.science.effects import pre_post_effect, severity_adjusted_effect
from alliance.science.pretreatment import pre_treatment_change

__all__ = ["outcome_figures"]

Row = tuple[str, str, float, float, int, float | None, int | None]
"""Per closed episode: measure, age group, first and last score, last scored session, mean
client alliance, primary therapist's id."""


def _primary_therapists(scope: ReportScope) -> dict[int, int]:
    closed = scope.episodes.filter(closed_in_range(scope)).values("pk")
    rows = CareTeamMember.objects.filter(
        episode__in=closed, role=CareRole.PRIMARY_THERAPIST
    ).order_by("pk")
    primary: dict[int, int] = {}
    for episode_id, member_id in rows.values_list("episode_id", "member_id"):
        primary.setdefault(episode_id, member_id)
    return primary


def _outcome_rows(scope: ReportScope, closed: list[EpisodeRow]) -> list[Row]:
    """Every closed episode scored twice or more: on the one measure asked for (PHQ-9 or GAD-7
    are often rated beside the ORS), otherwise on its own outcome measure."""
    primary = _primary_therapists(scope)
    rows: list[Row] = []
    for episode in closed:
        measure = scope.measure or episode.outcome_measure
        scores = episode.figures.scores.get(measure)
        if scores is None or scores[3] < 2:
            continue
        first, last, last_session, _n = scores
        mean = episode.figures.alliance
        age, therapist = episode.age_group, primary.get(episode.pk)
        rows.append((measure, age, first, last, last_session, mean, therapist))
    return rows


def outcome_figures(
    scope: ReportScope, episodes: Sequence[EpisodeRow], *, talking_therapies: bool
) -> list[Figure]:
    """The outcomes, effects and split sections, then (``talking_therapies``) the NHS Talking
    Therapies section, from the closed episodes' figures (``alliance.reports.stored``)."""
    closed = [episode for episode in episodes if episode.closed]
    figures = _outcomes(scope, _outcome_rows(scope, closed)) + _pre_treatment_figures(scope, closed)
    if talking_therapies:
        figures += _talking_therapies_figures(_talking_therapies_rows(closed))
    return figures


def _pre_treatment_figures(scope: ReportScope, closed: list[EpisodeRow]) -> list[Figure]:
    """Change before treatment (issue 19): per outcome measure, the closed episodes with a
    baseline (answered when the first session was booked) and a first-session score, the mean
    change between the two (positive is better) and how many changed reliably
    (``alliance.science.pretreatment``)."""
    pairs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for episode in closed:
        measure, baseline = episode.outcome_measure, episode.figures.baseline
        if baseline is None or (scope.measure and scope.measure != measure):
            continue
        scores = episode.figures.scores.get(measure)
        if scores:
            key = (measure, episode.age_group)
            pairs.setdefault(key, []).append((baseline, scores[0]))
    figures: list[Figure] = []
    for measure in sorted({m for m, _age in pairs}):
        instrument = catalogue.instrument(measure)
        summed, improved, n = 0.0, 0, 0
        for (code, age), rows in sorted(pairs.items()):
            if code != measure:
                continue
            found = pre_treatment_change(
                [r[0] for r in rows],
                [r[1] for r in rows],
                higher_is_better=instrument.higher_is_better,
                reliable_change=thresholds(measure, age).reliable_change,
            )
            summed += (found.mean_change or 0.0) * found.n
            improved, n = improved + found.improved, n + found.n
        mean = summed / n if n else None
        figures += [
            Figure(
                "outcomes",
                "pre_treatment_change",
                _("Mean change before treatment, baseline to first session (positive: better)"),
                mean,
                n,
                "mean",
                measure,
            ),
            rate(
                "outcomes",
                "pre_treatment_improved_rate",
                _("Reliable improvement before the first session"),
                improved,
                n,
                measure,
            ),
        ]
    return figures


def _talking_therapies_rows(
    closed: list[EpisodeRow],
) -> list[tuple[float, float, float, float, int]]:
    """Closed episodes scored twice on both the PHQ-9 and the GAD-7: first and last of each,
    and the attended sessions."""
    rows = []
    for episode in closed:
        phq9 = episode.figures.scores.get("phq9")
        gad7 = episode.figures.scores.get("gad7")
        if phq9 and gad7 and phq9[3] >= 2 and gad7[3] >= 2:
            attended = episode.figures.attended
            rows.append((phq9[0], phq9[1], gad7[0], gad7[1], attended))
    return rows


def _outcomes(scope: ReportScope, rows: list[Row]) -> list[Figure]:
    measures = sorted({row[0] for row in rows} | ({scope.measure} if scope.measure else set()))
    figures: list[Figure] = []
    classified_all: list[tuple[int, float | None, float]] = []
    for measure in measures:
        mine = [row for row in rows if row[0] == measure]
        figures += _measure_figures(measure, mine, classified_all)
    return figures + _alliance_split(classified_all) + _clinician_split(rows, measures)


def _clinician_split(rows: list[Row], measures: list[str]) -> list[Figure]:
    """Baldwin, Wampold & Imel's split of the alliance-outcome link, per outcome measure."""
    figures = []
    split_rows = [(r[0], r[2], r[3], r[5], r[6]) for r in rows]
    for measure in measures:
        frame = split.split_frame(split_rows, measure)
        within, between = split.clinician_split(frame)
        for key, value in (("alliance_within", within), ("alliance_between", between)):
            label = str(split.LABELS[key])
            figures.append(Figure("split", key, label, value, len(frame), "effect", measure))
    return figures


def _classify(measure: str, rows: list[Row]) -> np.ndarray:
    instrument = catalogue.instrument(measure)
    codes = np.full(len(rows), -1, dtype=np.int8)
    ages = np.array([row[1] for row in rows], dtype=object)
    first = np.array([row[2] for row in rows], dtype=np.float64)
    last = np.array([row[3] for row in rows], dtype=np.float64)
    for age in sorted(set(ages.tolist())):
        found = thresholds(instrument.code, age)  # the instrument file, the site's override
        if found.reliable_change is None:
            continue  # no published value for this age group: left unclassified
        mask = ages == age
        codes[mask] = classify_changes(
            first[mask],
            last[mask],
            cutoff=found.cutoff,
            reliable_change=found.reliable_change,
            higher_is_better=instrument.higher_is_better,
        )
    return codes


def _measure_figures(
    measure: str,
    rows: list[Row],
    classified_all: list[tuple[int, float | None, float]],
) -> list[Figure]:
    instrument = catalogue.instrument(measure)
    codes = _classify(measure, rows)
    classified = int((codes >= 0).sum())
    figures = [
        count(
            "outcomes",
            "episodes_with_change",
            _("Closed episodes rated twice or more"),
            len(rows),
            measure,
        )
    ]
    for index, change in enumerate(CHANGE_CLASSES):
        part = int((codes == index).sum())
        label = str(CHANGE_LABELS[change.value])
        figures.append(Figure("outcomes", change.value, label, part, classified, "count", measure))
        figures.append(rate("outcomes", f"{change.value}_rate", label, part, classified, measure))
    first = np.array([row[2] for row in rows], dtype=np.float64)
    last = np.array([row[3] for row in rows], dtype=np.float64)
    better = instrument.higher_is_better
    direction = 1.0 if better else -1.0
    for code, row in zip(codes.tolist(), rows, strict=True):
        if code >= 0:
            classified_all.append((code, row[5], direction * (row[3] - row[2])))
    pre_post = pre_post_effect(first, last, higher_is_better=better)
    figures.append(
        Figure(
            "effects",
            "pre_post_d",
            _("Pre-post effect size (d)"),
            pre_post.d,
            pre_post.n,
            "effect",
            measure,
        )
    )
    figures.append(_severity_figure(measure, rows, first, last, better))
    return figures


def _severity_figure(
    measure: str,
    rows: list[Row],
    first: np.ndarray,
    last: np.ndarray,
    better: bool,
) -> Figure:
    label = _("Severity-adjusted effect (against the expected path)")
    model = trajectory_model(measure)
    if model is None or not rows:
        return Figure("effects", "severity_adjusted", label, None, 0, "effect", measure)
    sessions = np.array([row[4] for row in rows], dtype=np.int64)
    numbers = np.unique(sessions)
    path = model.expected_path(intake=first, sessions=numbers)
    expected = path.expected[np.arange(len(rows)), np.searchsorted(numbers, sessions)]
    effect = severity_adjusted_effect(first, last, expected, higher_is_better=better)
    n = effect.n
    return Figure("effects", "severity_adjusted", label, effect.effect, n, "effect", measure)


def _alliance_split(classified: list[tuple[int, float | None, float]]) -> list[Figure]:
    improved_codes = tuple(
        CHANGE_CLASSES.index(c) for c in (ChangeClass.RECOVERED, ChangeClass.RELIABLY_IMPROVED)
    )
    cut = alliance_split_at()
    words = {"cut": number_format(f"{cut:g}")}
    figures = []
    # Each label is one whole sentence: a translation cannot be lower-cased into another
    # (German capitalises "Allianz" wherever it stands).
    for key, label, mean_label, keep in (
        (
            "good",
            _("Alliance above %(cut)s") % words,
            _("Mean improvement, alliance above %(cut)s") % words,
            lambda a: a > cut,
        ),
        (
            "low",
            _("Alliance %(cut)s or below") % words,
            _("Mean improvement, alliance %(cut)s or below") % words,
            lambda a: a <= cut,
        ),
    ):
        group = [(c, change) for c, a, change in classified if a is not None and keep(a)]
        part = sum(1 for c, _change in group if c in improved_codes)
        figures.append(rate("split", f"improved_rate_{key}", label, part, len(group)))
        mean = float(np.mean([change for _c, change in group])) if group else None
        figures.append(
            Figure(
                "split",
                f"mean_change_{key}",
                mean_label,
                mean,
                len(group),
                "mean",
            )
        )
    return figures


def _talking_therapies_figures(rows: list[tuple[float, float, float, float, int]]) -> list[Figure]:
    section = "talking_therapies"
    if not rows:
        return [
            count(section, "tt_episodes", _("Closed episodes rated twice on PHQ-9 and GAD-7"), 0)
        ]
    table = np.array(rows, dtype=np.float64)
    out = talking_therapies_outcomes(
        phq9_first=table[:, 0],
        phq9_last=table[:, 1],
        gad7_first=table[:, 2],
        gad7_last=table[:, 3],
        treatment_sessions=np.nan_to_num(table[:, 4]).astype(int),
    )
    finished = out.finished_course if out.finished_course is not None else np.ones(len(rows), bool)
    cases = int((out.caseness & finished).sum())
    counted = int(finished.sum())
    return [
        count(
            section, "tt_episodes", _("Closed episodes rated twice on PHQ-9 and GAD-7"), len(rows)
        ),
        rate(
            section,
            "tt_recovery",
            _("Recovery (cases who finished a course)"),
            int(out.recovered.sum()),
            cases,
        ),
        rate(
            section,
            "tt_reliable_recovery",
            _("Reliable recovery"),
            int(out.reliable_recovery.sum()),
            cases,
        ),
        rate(
            section,
            "tt_reliable_improvement",
            _("Reliable improvement"),
            int(out.reliable_improvement.sum()),
            counted,
        ),
        rate(
            section,
            "tt_reliable_deterioration",
            _("Reliable deterioration"),
            int(out.reliable_deterioration.sum()),
            counted,
        ),
    ]
