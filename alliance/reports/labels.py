"""Words for report figures: section titles and change classes, translated where shown."""

from django.utils.translation import gettext_lazy as _

SECTIONS = {
    "activity": _("Episodes and sessions"),
    "completion": _("Measures completed"),
    "alliance": _("Alliance"),
    "alerts": _("Alerts"),
    "outcomes": _("Outcomes (closed episodes, first and last client score)"),
    "effects": _("Effect sizes"),
    "split": _("Outcomes by alliance (recovered or reliably improved)"),
    "talking_therapies": _("NHS Talking Therapies (PHQ-9 and GAD-7)"),
}
CHANGE_LABELS = {
    "recovered": _("Recovered"),
    "reliably_improved": _("Reliably improved"),
    "no_reliable_change": _("No reliable change"),
    "reliably_deteriorated": _("Reliably deteriorated"),
}
