"""What the portal asks of voice, which sits above it (docs/architecture.md, "The map").

The form a client answers carries voice's optional word fields (agenda topics, a comment on the
alliance, hopes at intake), and its answers are stored with those words in one transaction by
voice's service. Voice registers these in ``VoiceConfig.ready`` (``alliance.hooks``).
"""

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django import forms

from alliance.hooks import Hooks
from alliance.measures.models import Response
from alliance.portal.models import Invitation

# Each hook, the app that registers it and the function it is there.
HOOKS = Hooks(
    "portal",
    {
        "words_fields_add": "voice: forms.add_words_fields",
        "words_of": "voice: forms.words_of",
        "invitation_answer_with_words": "voice: services.invitation_answer_with_words",
    },
)


def hook_register(name: str, function: Callable[..., Any]) -> None:
    """Register the function behind one of ``HOOKS`` (from an ``AppConfig.ready``)."""
    HOOKS.register(name, function)


def words_fields_add[AnyForm: forms.Form](form: AnyForm, kind: str) -> AnyForm:
    """``voice.forms.add_words_fields``: the optional word fields of this measure kind."""
    added: AnyForm = HOOKS["words_fields_add"](form, kind)
    return added


def words_of(form: forms.Form) -> dict[str, Any]:
    """``voice.forms.words_of``: the cleaned words of a valid form."""
    words: dict[str, Any] = HOOKS["words_of"](form)
    return words


def invitation_answer_with_words(
    *,
    invitation: Invitation,
    measure: str,
    values: Mapping[str, object],
    form_key: uuid.UUID,
    words: Mapping[str, Any],
    again: str = "",
) -> Response | None:
    """``voice.services.invitation_answer_with_words``: the answers and the words given with
    them, in one transaction (a baseline link stores the episode's baseline instead)."""
    response: Response | None = HOOKS["invitation_answer_with_words"](
        invitation=invitation,
        measure=measure,
        values=values,
        form_key=form_key,
        words=words,
        again=again,
    )
    return response
