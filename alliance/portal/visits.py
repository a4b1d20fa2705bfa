"""The state a browser session keeps for the portal: a tablet handed to the client, a kiosk
visit, the finished form whose thank-you page is shown, and kiosk codes waiting to be shown once.

Kept in Django's server-side session, so no clinical data and no secret travels in a URL.
"""

from typing import Any

from django.contrib.sessions.backends.base import SessionBase

HANDOFF = "portal.handoff"
KIOSK = "portal.kiosk"
DONE = "portal.done"
KIOSK_CODES = "portal.kiosk_codes"
# The language the client chose with the form's language buttons, for this visit only: the
# next client at the kiosk or on the tablet starts in their own preferred language.
LANGUAGE = "portal.language"


def handoff_start(session: SessionBase, invitation_id: int) -> None:
    session[HANDOFF] = {"invitation": invitation_id}
    session.pop(DONE, None)
    session.pop(LANGUAGE, None)


def handoff(session: SessionBase) -> dict[str, Any] | None:
    state = session.get(HANDOFF)
    return state if isinstance(state, dict) else None


def handoff_end(session: SessionBase) -> None:
    session.pop(HANDOFF, None)
    session.pop(DONE, None)
    session.pop(LANGUAGE, None)


def kiosk_start(session: SessionBase, invitation_id: int) -> None:
    session[KIOSK] = {"invitation": invitation_id}
    session.pop(DONE, None)
    session.pop(LANGUAGE, None)


def kiosk_invitation_id(session: SessionBase) -> int | None:
    state = session.get(KIOSK)
    return int(state["invitation"]) if isinstance(state, dict) else None


def kiosk_end(session: SessionBase) -> None:
    # The language stays for the thank-you page; the next client's visit starts afresh.
    session.pop(KIOSK, None)


def done_set(session: SessionBase, invitation_id: int) -> None:
    session[DONE] = {"invitation": invitation_id}


def done_clear(session: SessionBase) -> None:
    session.pop(DONE, None)
    session.pop(LANGUAGE, None)


def done_invitation_id(session: SessionBase) -> int | None:
    state = session.get(DONE)
    return int(state["invitation"]) if isinstance(state, dict) else None


def kiosk_code_keep(session: SessionBase, invitation_id: int, code: str) -> None:
    codes = dict(session.get(KIOSK_CODES, {}))
    codes[str(invitation_id)] = code
    session[KIOSK_CODES] = codes


def kiosk_code_take(session: SessionBase, invitation_id: int) -> str | None:
    """The code, once: it is forgotten as it is shown."""
    codes = dict(session.get(KIOSK_CODES, {}))
    code = codes.pop(str(invitation_id), None)
    session[KIOSK_CODES] = codes
    return str(code) if code is not None else None


def language_choose(session: SessionBase, language: str) -> None:
    session[LANGUAGE] = language


def language_chosen(session: SessionBase) -> str | None:
    chosen = session.get(LANGUAGE)
    return str(chosen) if chosen else None
