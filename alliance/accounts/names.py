"""How a member of staff is named on pages: by their name, never by their log-in name.

A log-in name is a credential's half and often an e-mail address or a code; the pages that let a
supervisor or manager pick a clinician, and the cards that say whose client it is, use the name
an administrator gave the person (first and last name).
"""

from django.utils.translation import gettext as _

from alliance.accounts.models import User

__all__ = ["person_name"]


def person_name(user: User) -> str:
    """The person's full name; for an account without one, a plain placeholder with the staff
    number (the administrator can add the name), never the log-in name."""
    return user.get_full_name() or _("Name not set (staff no. %(number)d)") % {"number": user.pk}
