"""How a figure reads to a person: its label and its value formatted (rounding happens here)."""

from django.utils.translation import gettext as _

from alliance.clinic.explain import number
from alliance.reports.labels import CHANGE_LABELS
from alliance.reports.selectors import Figure, report_min_clients

__all__ = ["figure_label", "figure_n", "figure_value", "hidden_text", "none_note"]


def none_note() -> str:
    note = _(
        "“none” means there is too little to compute the figure from (for example no "
        "episode, or one episode for an effect size); it is never shown as zero."
    )
    if report_min_clients() <= 1:
        return note
    hidden = _(
        "A figure that rests on %(few)s is not shown, so that no client can be recognised in it."
    ) % {"few": hidden_text()}
    return f"{note} {hidden}"


def hidden_text() -> str:
    """What a figure resting on too few clients shows instead of its value and n."""
    return _("fewer than %(minimum)s clients") % {"minimum": report_min_clients()}


def figure_n(figure: Figure) -> str:
    return "" if figure.n is None else str(figure.n)


def figure_label(figure: Figure) -> str:
    change = figure.key.removesuffix("_rate")
    if figure.section == "outcomes" and change in CHANGE_LABELS:
        word = str(CHANGE_LABELS[change])
        return _("%(label)s (share)") % {"label": word} if figure.key.endswith("_rate") else word
    return str(figure.label)


def figure_value(figure: Figure) -> str:
    if figure.hidden:
        return hidden_text()
    if figure.value is None:
        return _("none")
    # In the reader's language: 0,45 -> "45%", 12.5 -> "12,50" in Dutch.
    if figure.unit == "rate":
        return f"{number(figure.value * 100, 0)}%"
    if figure.unit == "count":
        return str(int(figure.value))
    return number(figure.value, 2)
