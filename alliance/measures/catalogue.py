"""The instruments this site offers: the shipped data files plus site-supplied item wording.

Loaded once per process from ``alliance/instruments/*.json`` by ``alliance.science.instruments``;
licensed wording (e.g. WAI-SR) is merged from ``settings.ALLIANCE["SITE_ITEM_TEXT_DIR"]`` when the
site has put a file there.
"""

from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from alliance.science.instruments import Instrument, load_instruments, with_site_item_text


@cache
def instruments() -> dict[str, Instrument]:
    """Every instrument by code, with any site-supplied item text merged in."""
    loaded = load_instruments()
    site_dir = settings.ALLIANCE["SITE_ITEM_TEXT_DIR"]
    for code, instrument in loaded.items():
        local_file = site_dir / f"{code}.json"
        if local_file.is_file():
            loaded[code] = with_site_item_text(instrument, local_file)
    return loaded


def instrument(code: str) -> Instrument:
    """The instrument with this code, or a ValidationError naming the codes that exist."""
    try:
        return instruments()[code]
    except KeyError:
        allowed = ", ".join(sorted(instruments()))
        raise ValidationError(
            {
                "instrument": _("Unknown measure %(code)s; choose one of %(allowed)s.")
                % {"code": code, "allowed": allowed}
            }
        ) from None


def instrument_name(instrument: Instrument) -> str:
    """The measure's name in the active language where its file gives one (``name.nl``), else
    its English name: most measures are known by their published English name."""
    language = (get_language() or "en").split("-")[0]
    return instrument.name.get(language) or instrument.name.get("en") or instrument.code


def choices() -> list[tuple[str, str]]:
    """(code, English name) pairs for forms and the admin."""
    return [(code, inst.name.get("en", code)) for code, inst in sorted(instruments().items())]
