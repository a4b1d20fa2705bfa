"""How a figure reads to a person: its label and its value formatted (rounding happens here)."""

from django.utils.translation import gettext as _

from alliance.reports.labels import CHANGE_LABELS
from alliance.reports.selectors import Figure

__all__ = ["figure_label", "figure_value", "none_note"]


def none_note() -> str:
    return _(
        "“none” means there is too little to compute the figure from (for example no episode, "
        "or one episode for an effect size); it is never shown as zero."
    )


def figure_label(figure: Figure) -> str:
    change = figure.key.removesuffix("_rate")
    if figure.section == "outcomes" and change in CHANGE_LABELS:
        word = str(CHANGE_LABELS[change])
        return _("%(label)s (share)") % {"label": word} if figure.key.endswith("_rate") else word
    return str(figure.label)


def figure_value(figure: Figure) -> str:
    if figure.value is None:
        return _("none")
    if figure.unit == "rate":
        return f"{figure.value:.0%}"
    if figure.unit == "count":
        return str(int(figure.value))
    return f"{figure.value:.2f}"
