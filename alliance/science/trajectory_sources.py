"""Where a trajectory model's figures come from: the published courses behind the provisional
defaults, and the citation of each model as a :class:`~alliance.science.messages.Message`.

A model's ``citation`` stays English text (it is stored in the model's JSON and read by the
tests and the analysis report); :func:`citation_message` gives the same words as a template and
its numbers, so a page shows it in the reader's language with the reader's decimal mark
("r ,66", not "r .66"). A citation it does not know (an older model's) is kept as its text.

References
----------
Finch, A. E., Lambert, M. J., & Schaalje, B. G. (2001). Psychotherapy quality control: the
statistical generation of expected recovery curves for integration into an early warning system.
Clinical Psychology & Psychotherapy, 8(4), 231-242.
"""

from __future__ import annotations

from dataclasses import dataclass

from alliance.science.messages import Message, Number, gettext_noop

__all__ = [
    "ANALYSIS_CITATION",
    "LOCAL_FIT_CITATION",
    "PRE_POST_R",
    "PUBLISHED",
    "PublishedCourse",
    "citation_message",
    "published_citation",
]

LOCAL_FIT_CITATION = gettext_noop("Fitted on this clinic's closed episodes.")
"""The citation of a clinic's own fit."""

ANALYSIS_CITATION = gettext_noop(
    "Fitted on the ratings file analysed (two-level growth model on ln(session) of the scores "
    "after intake, conditional on the intake score, Finch, Lambert & Schaalje 2001)."
)
"""The citation of a fit made by ``alliance analyze`` on a research file."""

# Assumed for every measure: no published pre-post correlation of routine care was found.
PRE_POST_R = 0.5


@dataclass(frozen=True)
class PublishedCourse:
    """Summary figures of a course of treatment, from which a provisional model is built;
    ``template`` cites them, with a placeholder for each figure."""

    intake_mean: float
    intake_sd: float
    end_mean: float
    end_sd: float
    sessions: float
    retest_r: float
    score_range: tuple[float, float]
    template: str


_ORS = gettext_noop(
    "PROVISIONAL. Intake mean %(intake_mean)s and test-retest r %(retest_r)s: Miller, Duncan, "
    "Brown, Sparks & Claud (2003), J Brief Therapy 2(2):91-100 (mean recalled, retest via "
    "Schuckard & Miller 2016); intake SD %(intake_sd)s, a %(gain)s-point gain (effect size "
    "%(effect_size)s) over %(sessions)s sessions, end SD %(end_sd)s and pre-post r "
    "%(pre_post_r)s are assumptions. Shape: Finch, Lambert & Schaalje (2001)."
)
_PHQ9 = gettext_noop(
    "PROVISIONAL. Intake %(intake_mean)s (SD %(intake_sd)s) and end %(end_mean)s (SD "
    "%(end_sd)s) of cases finishing treatment: NHS Talking Therapies annual report 2022-23 (via "
    "a secondary summary); %(sessions)s sessions: NHS Digital IAPT annual report 2021-22; "
    "test-retest r %(retest_r)s: Kroenke, Spitzer & Williams (2001), J Gen Intern Med "
    "16:606-613 (recalled); pre-post r %(pre_post_r)s is an assumption. Shape: Finch, Lambert & "
    "Schaalje (2001)."
)
_GAD7 = gettext_noop(
    "PROVISIONAL. Intake %(intake_mean)s (SD %(intake_sd)s) and end %(end_mean)s (SD "
    "%(end_sd)s) of cases finishing treatment: NHS Talking Therapies annual report 2022-23 (via "
    "a secondary summary); %(sessions)s sessions: NHS Digital IAPT annual report 2021-22; "
    "test-retest r %(retest_r)s: Spitzer, Kroenke, Williams & Lowe (2006), Arch Intern Med "
    "166:1092-1097 (recalled); pre-post r %(pre_post_r)s is an assumption. Shape: Finch, "
    "Lambert & Schaalje (2001)."
)

PUBLISHED: dict[str, PublishedCourse] = {
    "ors": PublishedCourse(19.6, 7.5, 25.6, 8.5, 8.0, 0.66, (0.0, 40.0), _ORS),
    "phq9": PublishedCourse(15.4, 5.5, 9.4, 6.4, 7.9, 0.84, (0.0, 27.0), _PHQ9),
    "gad7": PublishedCourse(14.0, 4.5, 8.4, 5.7, 7.9, 0.83, (0.0, 21.0), _GAD7),
}
"""The published course of each measure with a provisional default (fields in order: intake
mean and SD, end mean and SD, sessions, test-retest r, score range, citation)."""


def _correlation(value: float) -> Number:
    # A correlation as the literature writes it: no leading zero (".66").
    return Number(value, format(value, "g").removeprefix("0"))


def published_citation(measure: str) -> Message:
    """The citation of ``measure``'s provisional default, its figures as numbers.

    Parameters
    ----------
    measure : {"ors", "phq9", "gad7"}

    Returns
    -------
    Message
        ``str()`` of it is the English citation.

    Examples
    --------
    >>> str(published_citation("phq9"))[:48]
    'PROVISIONAL. Intake 15.4 (SD 5.5) and end 9.4 (S'
    >>> published_citation("ors").params["retest_r"].text
    '.66'
    """
    course = PUBLISHED[measure]
    gain = course.end_mean - course.intake_mean
    # Means and SDs as published ("14.0"); the counts and derived figures shortest ("8", "0.8").
    published = {
        "intake_mean": course.intake_mean,
        "intake_sd": course.intake_sd,
        "end_mean": course.end_mean,
        "end_sd": course.end_sd,
    }
    derived = {"sessions": course.sessions, "gain": gain, "effect_size": gain / course.intake_sd}
    params: dict[str, object] = {name: Number.of(v) for name, v in published.items()}
    params |= {name: Number.of(v, "g") for name, v in derived.items()}
    params |= {"retest_r": _correlation(course.retest_r), "pre_post_r": _correlation(PRE_POST_R)}
    return Message(course.template, params)


def citation_message(source: str, measure: str, citation: str) -> Message | str:
    """A model's citation as a message to translate; a citation it does not know as its text.

    Examples
    --------
    >>> citation_message("local_fit", "ors", "Fitted on this clinic's closed episodes.")
    Message(template="Fitted on this clinic's closed episodes.", params={})
    >>> citation_message("local_fit", "ors", "Fitted by hand.")
    'Fitted by hand.'
    """
    if source == "provisional_default" and measure in PUBLISHED:
        message = published_citation(measure)
        return message if str(message) == citation else citation
    if citation in (LOCAL_FIT_CITATION, ANALYSIS_CITATION):
        return Message(citation)
    return citation
