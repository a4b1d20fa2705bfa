"""The science core's messages in the active language (pages, the API, management commands).

See :mod:`alliance.console.messages`: the template and the words among its parameters through
Django's ``gettext``, numbers with the active language's decimal mark.
"""

from django.utils import formats
from django.utils.translation import gettext

from alliance.console.messages import translated
from alliance.science.messages import Message
from alliance.science.trajectories import TrajectoryModel
from alliance.science.trajectory_sources import citation_message

__all__ = ["model_citation", "science_text"]


def science_text(message: Message | str | None, fallback: object = "") -> str:
    """``message`` (a science error's ``.message`` or a ``RowError``'s ``.detail``) in the
    active language; ``fallback`` as text when there is no message."""
    if message is None:
        return str(fallback)
    return translated(message, gettext, str(formats.get_format("DECIMAL_SEPARATOR")))


def model_citation(model: TrajectoryModel) -> str:
    """Where a trajectory model's figures come from, in the active language: the published
    course of a provisional default with the reader's decimal mark, a clinic's fit in words."""
    return science_text(citation_message(model.source, model.measure, model.citation))
